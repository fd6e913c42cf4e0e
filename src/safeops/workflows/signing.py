"""Owner signatures over the EIP-712 typed data, checked against our own hash, and stored."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Protocol

from safeops.core.plan import Plan
from safeops.core.signatures import recover_signer
from safeops.core.typed_data import safe_tx_typed_data
from safeops.errors import Refused
from safeops.proposals.local import LocalStore, Proposal

if TYPE_CHECKING:
    # Only for types: the Service's client loads safe-eth-py, which local stores never need.
    from safeops.proposals.tx_service import ServiceStore


class TypedDataSigner(Protocol):
    @property
    def name(self) -> str: ...

    @property
    def address(self) -> str: ...

    def sign_typed_data(self, typed: Mapping[str, Any]) -> bytes: ...


def owner_signature(plan: Plan, signer: TypedDataSigner, owners: tuple[str, ...]) -> str:
    """Sign the plan's typed data; the result must recover to the signer, a current owner."""
    if signer.address not in owners:
        raise Refused(
            f"signer {signer.name} ({signer.address}) is not an owner of the Safe now",
            hint="Only current owners sign; `safeops policy check` shows them.",
        )
    raw = signer.sign_typed_data(safe_tx_typed_data(plan.tx, plan.chain_id, plan.safe_version))
    verified = recover_signer(plan.inspection.hashes.safe_tx_hash, raw)
    if verified.owner != signer.address:
        raise Refused(f"the signature recovers to {verified.owner}, not {signer.address}")
    return "0x" + verified.signature.hex()


def add_signature(
    store: LocalStore | ServiceStore, plan: Plan, owner: str, signature: str
) -> dict[str, str]:
    """Store one more owner signature; returns every signature now stored."""
    if not isinstance(store, LocalStore):  # the Safe Transaction Service
        store.add_confirmation(plan.safe_tx_hash, owner, signature)
        stored = store.get(plan.safe_tx_hash)
        return dict(stored.signatures) if stored else {owner: signature}
    with store.locked():  # read-modify-write: another signer may be adding theirs right now
        proposal = store.get(plan.safe_tx_hash) or Proposal(plan)
        proposal.signatures[owner] = signature
        store.put(proposal)
        return dict(proposal.signatures)
