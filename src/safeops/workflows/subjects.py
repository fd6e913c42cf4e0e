"""What a review looks at, wherever it came from: a plan, a proposal, a Service JSON, a
Transaction Builder batch or a safeTxHash in a store, each checked before it is trusted."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from safeops.core.json_text import parse_json
from safeops.core.plan import Plan, plan_from_json
from safeops.core.policy import Policy, SafeEntry
from safeops.core.transactions.batch import Call, build_for_safe
from safeops.core.transactions.safe_tx import SafeTx, SafeTxHash, SafeVersion, safe_tx_hashes
from safeops.core.transactions.service_tx import parse_service_tx
from safeops.core.transactions.tx_builder import read_batch
from safeops.errors import BadInput, HashMismatch, Refused
from safeops.files import READ_HINT
from safeops.proposals.proposal_file import proposal_from_json
from safeops.workflows.guards import live_safe, require_plan_of_policy
from safeops.workflows.proposals import stored_in
from safeops.workflows.session import Session

HASH = re.compile(r"^0x[0-9a-fA-F]{64}$")


@dataclass(frozen=True)
class Subject:
    """What is under review, wherever it came from."""

    source: str  # plan | proposal | service | tx-builder | store
    safe: SafeEntry
    tx: SafeTx
    plan: Plan | None


def safe_by_address(
    policy: Policy, address: str, chain_id: int | None = None, *, source: str = "the file"
) -> SafeEntry:
    """The policy Safe at `address` (on `chain_id` when known): the same address on two
    chains is two Safes, and a file that names neither chain must not pick one silently."""
    found = [safe for safe in policy.safes.values() if safe.address == address]
    if not found:
        raise Refused(
            f"Safe {address} is not in the policy", hint="Only policy Safes are reviewed."
        )
    if chain_id is not None:
        # docs/security.md check 7: the file, the policy and the chain agree on which chain this is.
        on_chain = [safe for safe in found if safe.chain_id == chain_id]
        if not on_chain:
            raise Refused(
                f"{source} is for chain {chain_id}, Safe {found[0].name} is on chain "
                f"{found[0].chain_id}",
                hint="Review it with the policy of that chain, or get the right file.",
            )
        found = on_chain
    if len(found) > 1:
        names = ", ".join(safe.name for safe in found)
        raise BadInput(
            f"Safe {address} is on several chains in the policy ({names})",
            hint="Name the chain in the file (chainId) or review by plan.",
        )
    return found[0]


def plan_subject(policy: Policy, plan: Plan, source: str) -> Subject:
    # What the report calls "the plan" must be what its intent rebuilds, proofs included.
    return Subject(source, require_plan_of_policy(policy, plan), plan.tx, plan)


def load_subject(
    session: Session,
    target: str,
    *,
    tx_builder: bool = False,
    safe_name: str | None = None,
    nonce: int | None = None,
) -> Subject:
    """A plan file, a proposal file, a Service JSON, a Builder batch or a stored safeTxHash."""
    policy = session.policy
    path = Path(target)
    if HASH.match(target) and not path.exists():
        chosen = session.safe(safe_name) if safe_name is not None else None
        return _from_stores(session, SafeTxHash.parse(target), chosen)
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise BadInput(f"cannot read {path}: {error.strerror}", hint=READ_HINT) from error
    document = parse_json(raw, str(path))
    if isinstance(document, dict) and "format" in document:
        return plan_subject(policy, plan_from_json(document), "plan")
    if isinstance(document, dict) and "proposal" in document:
        plan = proposal_from_json(document).plan
        if plan is None:
            raise BadInput(
                f"{path} holds no plan", hint="Review the plan file or the safeTxHash instead."
            )
        return plan_subject(policy, plan, "proposal")
    if tx_builder or (isinstance(document, dict) and "meta" in document):
        return _from_builder(session, document, safe_name, nonce)
    return _from_service_file(policy, document)


def _from_stores(session: Session, wanted: SafeTxHash, safe: SafeEntry | None) -> Subject:
    safe, stored = stored_in(session, wanted, safe)
    if stored.plan is not None:
        return plan_subject(session.policy, stored.plan, "store")
    # The Service keeps no plan: review its transaction after checking that it hashes
    # to the safeTxHash asked for (the Service's own claim is not trusted).
    version = SafeVersion.parse(safe.expect.version)
    computed = safe_tx_hashes(stored.tx, safe.chain_id, version).safe_tx_hash
    if computed != wanted:
        raise HashMismatch(f"the Service's transaction for {wanted} hashes to {computed}")
    return Subject("store", safe, stored.tx, None)


def _from_service_file(policy: Policy, document: object) -> Subject:
    service = parse_service_tx(document)
    safe = safe_by_address(policy, service.tx.safe, service.chain_id)
    version = SafeVersion.parse(safe.expect.version)
    if service.safe_version is not None and service.safe_version != version:
        raise Refused(
            f"the file is for a Safe {service.safe_version}, Safe {safe.name} is {version}",
            hint="The hash depends on the version: get the file of this Safe.",
        )
    if service.claimed_safe_tx_hash is not None:
        computed = safe_tx_hashes(service.tx, safe.chain_id, version).safe_tx_hash
        if computed.hex0x != service.claimed_safe_tx_hash.lower():
            raise HashMismatch(
                f"the file's safeTxHash {service.claimed_safe_tx_hash} differs "
                f"from the computed {computed}"
            )
    return Subject("service", safe, service.tx, None)


def _from_builder(
    session: Session, document: object, safe_name: str | None, nonce: int | None
) -> Subject:
    """A Builder batch becomes the MultiSendCallOnly transaction safeops would propose for
    it, at `nonce` or the Safe's current one, hashed for the Safe's live version."""
    batch = read_batch(document)
    if safe_name is not None:
        safe = session.safe(safe_name)
    elif batch.safe is not None:
        safe = safe_by_address(session.policy, batch.safe, batch.chain_id, source="the batch file")
    else:
        raise BadInput("the batch file names no Safe", hint="Pass --safe NAME.")
    if batch.chain_id != safe.chain_id:
        raise Refused(
            f"the batch file is for chain {batch.chain_id}, Safe {safe.name} is on "
            f"chain {safe.chain_id}",
            hint="Pass --safe with the policy Safe the batch was made for.",
        )
    live = live_safe(session, safe)
    calls = [Call(c.to, c.data, c.value) for c in batch.calls]
    at = live.nonce if nonce is None else nonce
    tx = build_for_safe(safe, calls, at, SafeVersion.parse(live.version))
    return Subject("tx-builder", safe, tx, None)
