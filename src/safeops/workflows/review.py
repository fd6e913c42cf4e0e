"""`safeops review`: everything a reviewer must see before signing, computed independently."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from safeops.chain.simulate import Simulation
from safeops.core.actions import Violation
from safeops.core.decoding.decode import call_to_json
from safeops.core.decoding.events import decode_events
from safeops.core.decoding.inspection import Inspection, inspect_transaction
from safeops.core.evaluate import evaluate
from safeops.core.transactions.safe_tx import SafeVersion
from safeops.workflows.guards import require_chain_hashes, require_code
from safeops.workflows.policy_check import SafeCheck, check_safe
from safeops.workflows.session import Session
from safeops.workflows.subjects import Subject


@dataclass(frozen=True)
class Review:
    subject: Subject
    inspection: Inspection
    violations: tuple[Violation, ...]
    live: SafeCheck
    simulation: Simulation | None
    guard_simulation: Simulation | None

    @property
    def onchain_nonce(self) -> int | None:
        return self.live.nonce

    @property
    def nonce_spent(self) -> bool:
        """The Safe already executed something at this nonce: this can never run."""
        return self.onchain_nonce is not None and self.subject.tx.nonce < self.onchain_nonce

    @property
    def ok(self) -> bool:
        simulations = [s for s in (self.simulation, self.guard_simulation) if s is not None]
        return not self.nonce_spent and (
            not self.violations
            and not self.live.drift
            and bool(simulations)
            and all(s.success for s in simulations)
        )

    def verdict(self) -> str:
        """Why the review failed, in one line."""
        problems = []
        if self.nonce_spent:
            problems.append(
                f"nonce {self.subject.tx.nonce} is already spent (the Safe is at "
                f"{self.onchain_nonce})"
            )
        if self.violations:
            problems.append(f"{len(self.violations)} policy violation(s)")
        if self.live.drift:
            problems.append(f"{len(self.live.drift)} drift(s) from the policy")
        for name, sim in (
            ("simulation", self.simulation),
            ("guarded simulation", self.guard_simulation),
        ):
            if sim is not None and not sim.success:
                problems.append(f"{name} failed: {_why(sim)}")
        if self.simulation is None:
            problems.append("no simulation (the Safe could not be read)")
        return "review failed: " + "; ".join(problems)

    def to_json(self) -> dict[str, Any]:
        inspection = self.inspection
        decoded = inspection.decoded
        return {
            "source": self.subject.source,
            "safe": self.subject.safe.name,
            "safe_address": self.subject.tx.safe,
            "chain_id": inspection.chain_id,
            "safe_version": str(inspection.version),
            "nonce": self.subject.tx.nonce,
            "onchain_nonce": self.onchain_nonce,
            **inspection.hashes.to_json(),
            "calls": [call_to_json(call) for call in decoded.inner or (decoded,)],
            "decoded": call_to_json(decoded),
            "warnings": [
                {"code": f.code, "message": f.message, "path": f.path} for f in inspection.findings
            ],
            "violations": [v.to_json() for v in self.violations],
            "drift": [
                {"check": d.check, "expected": d.expected, "actual": d.actual, "message": d.message}
                for d in self.live.drift
            ],
            "live": self.live.to_json()["live"],
            "simulation": simulation_json(self.simulation),
            "guard_simulation": simulation_json(self.guard_simulation),
            "ok": self.ok,
        }


def _why(simulation: Simulation) -> str:
    """The decoded reason of each inner call that reverts (`EnforcedPause()`), which says
    more than the Safe's own GS013; the Safe's reason when no inner call could be replayed."""
    failed = [
        f"{'call' if f.index is None else f'batch item {f.index}'} to {f.to} reverts "
        f"with {f.reason}"
        for f in simulation.failures
    ]
    return "; ".join(failed) or str(simulation.revert_reason)


def simulation_json(simulation: Simulation | None) -> dict[str, Any] | None:
    if simulation is None:
        return None
    return {
        "success": simulation.success,
        "gas_used": simulation.gas_used,
        "revert_reason": simulation.revert_reason,
        "block": simulation.block,
        "with_guard": simulation.with_guard,
        "failures": [
            {"index": f.index, "to": f.to, "reason": f.reason} for f in simulation.failures
        ],
        "events": [e.describe() for e in decode_events(simulation.logs)],
    }


def review(session: Session, subject: Subject) -> Review:
    """Hashes, decoding, findings, policy evaluation, live state, and simulation at one block,
    again with the Safe's own guard in place when it has one."""
    safe = subject.safe
    live = check_safe(session, safe)
    require_code(session, safe, subject.tx, live.block)
    if subject.plan is not None and live.state is not None:
        # A plan's hashes must be the chain's: a relabelled version or chain is refused.
        require_chain_hashes(safe, live.state, subject.plan)
    version = SafeVersion.parse(live.state.version if live.state else safe.expect.version)
    inspection = inspect_transaction(
        subject.tx, safe.chain_id, version, safe.libraries.by_address()
    )
    action = subject.plan.action if subject.plan else None
    violations = tuple(
        evaluate(session.policy, safe.name, subject.tx, safe.chain_id, action=action)
    )
    simulation = guarded = None
    state = live.state
    if state is not None and state.owners:
        chain = session.chain(safe)
        safe_tx_hash = inspection.hashes.safe_tx_hash
        queued = subject.tx.nonce > state.nonce

        def simulate(keep_guard: bool) -> Simulation:
            return chain.simulate(
                subject.tx,
                safe_tx_hash,
                state.owners[0],
                state.block,
                keep_guard=keep_guard,
                nonce_override=queued,
            )

        simulation = simulate(keep_guard=False)
        if int(state.guard, 16):
            guarded = simulate(keep_guard=True)
    return Review(subject, inspection, violations, live, simulation, guarded)


def review_all(session: Session, subjects: Sequence[Subject]) -> list[Review]:
    """Every subject reviewed, Safe by Safe in nonce order: the order they would execute in.
    Each is simulated at its own nonce, on the run's one read of its Safe."""
    order = {name: index for index, name in enumerate(dict.fromkeys(s.safe.name for s in subjects))}
    ordered = sorted(subjects, key=lambda s: (order[s.safe.name], s.tx.nonce))
    return [review(session, subject) for subject in ordered]
