"""`policy check`: every Safe of the policy, read live, compared with what was signed off."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from safeops.core.code_checks import CodeProblem, code_problems, policy_expectations
from safeops.core.policy import SafeEntry
from safeops.core.safe_state import Drift, SafeState, find_drift
from safeops.core.transactions.safe_tx import SafeVersion
from safeops.workflows.session import Session


@dataclass(frozen=True)
class SafeCheck:
    """One Safe's live state (None: no contract there) and its drift from the policy."""

    name: str
    address: str
    chain_id: int
    state: SafeState | None
    drift: tuple[Drift, ...]
    code: tuple[CodeProblem, ...] = ()
    """Policy contracts of this Safe without code, or libraries without official code."""

    @property
    def block(self) -> int | None:
        return self.state.block if self.state else None

    @property
    def nonce(self) -> int | None:
        return self.state.nonce if self.state else None

    def to_json(self) -> dict[str, Any]:
        live = self.state
        return {
            "name": self.name,
            "address": self.address,
            "chain_id": self.chain_id,
            "block": self.block,
            "ok": not self.drift and not self.code,
            "live": None
            if live is None
            else {
                "version": live.version,
                "owners": list(live.owners),
                "threshold": live.threshold,
                "nonce": live.nonce,
                "singleton": live.singleton,
                "modules": list(live.modules),
                "guard": live.guard,
                "fallback_handler": live.fallback_handler,
                "module_guard": live.module_guard,
            },
        }


def check_safe(session: Session, safe: SafeEntry, *, fresh: bool = False) -> SafeCheck:
    """Read one Safe from all its RPCs (they must agree) and list its drift: at the run's
    pinned block, or (`fresh`) at the latest."""
    chain = session.chain(safe)
    state = chain.fresh_state() if fresh else chain.state()
    if state is None:
        missing = Drift(
            safe.name,
            "code",
            "a Safe contract",
            "no code",
            "there is no contract at the Safe's address on this chain",
        )
        return SafeCheck(safe.name, safe.address, safe.chain_id, None, (missing,))
    drift = tuple(find_drift(safe.name, safe.expect, state))
    return SafeCheck(safe.name, safe.address, safe.chain_id, state, drift)


def check_contracts(session: Session, check: SafeCheck) -> SafeCheck:
    """`check` with the policy contracts of its Safe that lack code (at the same block)."""
    safe = session.safe(check.name)
    # The signed-off version: a live one that differs is drift, reported on its own.
    version = SafeVersion.parse(safe.expect.version)
    expectations = policy_expectations(session.policy, safe, version)
    chain = session.chain(safe)
    _, hashes = chain.code_hashes([e.address for e in expectations], check.block)
    return replace(check, code=tuple(code_problems(expectations, hashes)))


def check_policy(session: Session) -> list[SafeCheck]:
    """Every Safe's drift, and every policy contract without (the right) code."""
    return [
        check_contracts(session, check_safe(session, safe))
        for safe in session.policy.safes.values()
    ]
