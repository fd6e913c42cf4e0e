"""`safeops review`: everything a reviewer must see before signing, computed independently."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from safeops.chain.rpc import RpcPools
from safeops.core.actions import Violation
from safeops.core.batch import Call, build_for_safe
from safeops.core.evaluate import evaluate
from safeops.core.inspection import Inspection, inspect_transaction
from safeops.core.json_text import parse_json
from safeops.core.plan import Plan, plan_from_json
from safeops.core.policy import Policy, SafeEntry
from safeops.core.rebuild import policy_safe_of, verify_against_rebuild
from safeops.core.safe_tx import SafeTx, SafeVersion
from safeops.core.service_tx import parse_service_tx
from safeops.core.tx_builder import read_batch
from safeops.errors import BadInput, HashMismatch, Refused
from safeops.proposals.local import Proposal, proposal_from_json
from safeops.proposals.store import store_for
from safeops.simulate import Simulation, simulate_safe_tx
from safeops.workflows.code_guard import require_code
from safeops.workflows.plan import live_safe
from safeops.workflows.policy_check import SafeCheck, check_safe

HASH = re.compile(r"^0x[0-9a-fA-F]{64}$")


@dataclass(frozen=True)
class Subject:
    """What is under review, wherever it came from."""

    source: str  # plan | proposal | service | tx-builder | store
    safe: SafeEntry
    tx: SafeTx
    plan: Plan | None


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


def _safe_by_address(policy: Policy, address: str) -> SafeEntry:
    for safe in policy.safes.values():
        if safe.address == address:
            return safe
    raise Refused(f"Safe {address} is not in the policy", hint="Only policy Safes are reviewed.")


def _from_plan(policy: Policy, plan: Plan, source: str) -> Subject:
    safe = policy_safe_of(policy, plan)
    # What the report calls "the plan" must be what its intent rebuilds, proofs included.
    verify_against_rebuild(policy, plan, plan.tx)
    return Subject(source, safe, plan.tx, plan)


def load_subject(
    policy: Policy,
    target: str,
    rpcs: RpcPools,
    *,
    tx_builder: bool = False,
    safe_name: str | None = None,
    nonce: int | None = None,
) -> Subject:
    """A plan file, a proposal file, a Service JSON, a Builder batch or a stored safeTxHash."""
    path = Path(target)
    if HASH.match(target) and not path.exists():
        for safe in policy.safes.values():
            proposal = store_for(safe).get(target)
            if isinstance(proposal, Proposal):
                return _from_plan(policy, proposal.plan, "store")
            if proposal is not None:
                return _from_service_store(safe, proposal.tx, target)
        raise BadInput(f"no proposal {target} in the policy's proposal stores")
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise BadInput(f"cannot read {path}: {error.strerror}") from error
    document = parse_json(raw, str(path))
    if isinstance(document, dict) and "format" in document:
        return _from_plan(policy, plan_from_json(document), "plan")
    if isinstance(document, dict) and "proposal" in document:
        return _from_plan(policy, proposal_from_json(document).plan, "proposal")
    if tx_builder or (isinstance(document, dict) and "meta" in document):
        return _from_builder(policy, document, safe_name, nonce, rpcs)
    service = parse_service_tx(document)
    safe = _safe_by_address(policy, service.tx.safe)
    subject = Subject("service", safe, service.tx, None)
    version = SafeVersion.parse(safe.expect.version)
    # SECURITY.md rule 7: the file, the policy and the chain agree on which chain this is.
    if service.chain_id is not None and service.chain_id != safe.chain_id:
        raise Refused(
            f"the file is for chain {service.chain_id}, Safe {safe.name} is on chain "
            f"{safe.chain_id}"
        )
    if service.safe_version is not None and service.safe_version != version:
        raise Refused(
            f"the file is for a Safe {service.safe_version}, Safe {safe.name} is {version}"
        )
    if service.claimed_safe_tx_hash is not None:
        computed = (
            "0x" + inspect_transaction(service.tx, safe.chain_id, version).hashes.safe_tx_hash.hex()
        )
        if computed != service.claimed_safe_tx_hash:
            raise HashMismatch(
                f"the file's safeTxHash {service.claimed_safe_tx_hash} differs "
                f"from the computed {computed}"
            )
    return subject


def _from_service_store(safe: SafeEntry, tx: SafeTx, requested: str) -> Subject:
    """The Service keeps no plan: review its transaction, after checking that it hashes to
    the safeTxHash asked for (the Service's own claim is not trusted)."""
    version = SafeVersion.parse(safe.expect.version)
    computed = "0x" + inspect_transaction(tx, safe.chain_id, version).hashes.safe_tx_hash.hex()
    if computed != requested.lower():
        raise HashMismatch(f"the Service's transaction for {requested} hashes to {computed}")
    return Subject("store", safe, tx, None)


def _from_builder(
    policy: Policy,
    document: object,
    safe_name: str | None,
    nonce: int | None,
    rpcs: RpcPools,
) -> Subject:
    """A Builder batch becomes the MultiSendCallOnly transaction safeops would propose for
    it, at `nonce` or the Safe's current one, hashed for the Safe's live version."""
    batch = read_batch(document)
    if safe_name is not None:
        safe = policy.safes.get(safe_name)
        if safe is None:
            raise BadInput(
                f"unknown Safe {safe_name!r}", hint=f"The policy's: {', '.join(policy.safes)}."
            )
    elif batch.safe is not None:
        safe = _safe_by_address(policy, batch.safe)
    else:
        raise BadInput("the batch file names no Safe", hint="Pass --safe NAME.")
    if batch.chain_id != safe.chain_id:
        raise Refused(
            f"the batch file is for chain {batch.chain_id}, Safe {safe.name} is on "
            f"chain {safe.chain_id}"
        )
    live = live_safe(policy, safe.name, rpcs)
    calls = [Call(c.to, c.data, c.value) for c in batch.calls]
    at = live.nonce if nonce is None else nonce
    tx = build_for_safe(safe, calls, at, SafeVersion.parse(live.version))
    return Subject("tx-builder", safe, tx, None)


def review(policy: Policy, subject: Subject, rpcs: RpcPools) -> Review:
    """Hashes, decoding, findings, policy evaluation, live state, and simulation at one block,
    again with the Safe's own guard in place when it has one."""
    safe = subject.safe
    live = check_safe(safe, rpcs)
    require_code(policy, safe, subject.tx, rpcs, live.block)
    version = SafeVersion.parse(live.state.version if live.state else safe.expect.version)
    inspection = inspect_transaction(
        subject.tx, safe.chain_id, version, safe.libraries.by_address()
    )
    action = subject.plan.action if subject.plan else None
    violations = tuple(evaluate(policy, safe.name, subject.tx, safe.chain_id, action=action))
    simulation = guarded = None
    if live.state is not None and live.state.owners:
        w3 = rpcs.open(safe.rpc, safe.chain_id).primary.w3
        owner = live.state.owners[0]
        safe_tx_hash = inspection.hashes.safe_tx_hash
        queued = subject.tx.nonce > live.state.nonce
        simulation = simulate_safe_tx(
            w3,
            subject.tx,
            safe_tx_hash,
            owner,
            live.state.block,
            keep_guard=False,
            nonce_override=queued,
        )
        if int(live.state.guard, 16):
            guarded = simulate_safe_tx(
                w3,
                subject.tx,
                safe_tx_hash,
                owner,
                live.state.block,
                keep_guard=True,
                nonce_override=queued,
            )
    return Review(subject, inspection, violations, live, simulation, guarded)
