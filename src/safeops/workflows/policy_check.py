"""`policy check`: every Safe of the policy, read live, compared with what was signed off."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from safeops.core.policy import SafeEntry
from safeops.core.safe_state import Drift, SafeState, find_drift
from safeops.workflows.session import Session


@dataclass(frozen=True)
class SafeCheck:
    """One Safe's live state (None: no contract there) and its drift from the policy."""

    name: str
    address: str
    chain_id: int
    state: SafeState | None
    drift: tuple[Drift, ...]

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
            "ok": not self.drift,
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


def check_policy(session: Session) -> list[SafeCheck]:
    return [check_safe(session, safe) for safe in session.policy.safes.values()]
