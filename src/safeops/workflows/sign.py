"""`safeops sign`: re-verify a proposal independently, then add this owner's signature."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from safeops.chain.rpc import RpcPools
from safeops.core.json_text import parse_json
from safeops.core.plan import Plan
from safeops.core.policy import Policy
from safeops.core.signatures import recover_signer
from safeops.core.typed_data import safe_tx_typed_data
from safeops.errors import BadInput, Refused
from safeops.workflows.code_guard import require_code
from safeops.workflows.plan import live_safe, write_json
from safeops.workflows.proposals import Found, find_proposal
from safeops.workflows.review import Review, Subject, review
from safeops.workflows.signing import TypedDataSigner, add_signature, owner_signature


@dataclass(frozen=True)
class Signed:
    safe_tx_hash: str
    plan: Plan
    review: Review
    confirmations: int
    threshold: int
    signer: str | None  # the owner whose signature was added; None when only exported
    exported: str | None = None


def verify_for_signing(policy: Policy, safe_tx_hash: str, rpcs: RpcPools) -> tuple[Found, Review]:
    """The proposal, rebuilt and compared, then reviewed again: policy, drift, simulation."""
    found = find_proposal(policy, safe_tx_hash)
    if found.executed_tx is not None:
        raise Refused(f"proposal {safe_tx_hash} was already executed in {found.executed_tx}")
    result = review(policy, Subject("store", found.safe, found.plan.tx, found.plan), rpcs)
    if not result.ok:
        raise Refused(
            "the proposal does not pass review now",
            hint=f"Run `safeops review {safe_tx_hash}` to see why; do not sign it.",
        )
    reviewed = "0x" + result.inspection.hashes.safe_tx_hash.hex()
    if reviewed != found.plan.safe_tx_hash:
        # The review hashes for the Safe's live VERSION(); the plan for the version it
        # recorded. Signing one while having simulated the other is what Radiant exploited.
        raise Refused(
            f"the plan hashes to {found.plan.safe_tx_hash} for Safe {found.plan.safe_version}, "
            f"but the live Safe ({result.inspection.version}) gives {reviewed}",
            hint="Plan it again against the live Safe.",
        )
    return found, result


def sign(
    policy: Policy,
    safe_tx_hash: str,
    signer: TypedDataSigner | None,
    rpcs: RpcPools,
    *,
    export_typed_data: Path | None = None,
    signature: str | None = None,
) -> Signed:
    """Sign with `signer`, import an external `signature`, or export the typed data."""
    found, result = verify_for_signing(policy, safe_tx_hash, rpcs)
    plan = found.plan
    live = live_safe(policy, found.safe.name, rpcs)
    require_code(policy, found.safe, plan.tx, rpcs, live.block)
    if export_typed_data is not None:
        typed = safe_tx_typed_data(plan.tx, plan.chain_id, plan.safe_version)
        try:
            write_json(export_typed_data, typed)
        except OSError as error:
            raise BadInput(f"cannot write {export_typed_data}: {error.strerror}") from None
        return Signed(
            plan.safe_tx_hash,
            plan,
            result,
            len(found.signatures),
            live.threshold,
            None,
            str(export_typed_data),
        )
    if signature is not None:
        owner, normal = _imported(plan, signature, live.owners)
    elif signer is not None:
        owner, normal = signer.address, owner_signature(plan, signer, live.owners)
    else:
        raise BadInput("nothing to do: give --signer, --signature or --export-typed-data")
    stored = add_signature(found.store, plan, owner, normal)
    return Signed(plan.safe_tx_hash, plan, result, len(stored), live.threshold, owner)


def _imported(plan: Plan, signature: str, owners: tuple[str, ...]) -> tuple[str, str]:
    """A signature made elsewhere (a hardware wallet): it must recover to a current owner."""
    text = signature.strip()
    if text.startswith("{"):  # `cast wallet sign` and some wallets print JSON
        document = parse_json(text, "--signature")
        text = str(document.get("signature", "")) if isinstance(document, dict) else ""
    try:
        raw = bytes.fromhex(text.removeprefix("0x"))
    except ValueError as error:
        raise BadInput("the signature is not hex") from error
    verified = recover_signer(plan.inspection.hashes.safe_tx_hash, raw)
    if verified.owner not in owners:
        raise Refused(f"the signature recovers to {verified.owner}, who is not an owner now")
    return verified.owner, "0x" + verified.signature.hex()
