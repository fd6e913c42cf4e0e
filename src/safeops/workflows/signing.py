"""Owner signatures over the EIP-712 typed data, made or imported, checked against our hash."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from safeops.core.hexes import hex0x
from safeops.core.json_text import parse_json
from safeops.core.plan import Plan
from safeops.core.signatures import SIGNATURE_HINT, recover_signer
from safeops.core.typed_data import safe_tx_typed_data
from safeops.errors import BadInput, Refused


class TypedDataSigner(Protocol):
    @property
    def name(self) -> str: ...

    @property
    def address(self) -> str: ...

    def sign_typed_data(self, typed: Mapping[str, Any]) -> bytes: ...


def not_an_owner(who: str, address: str) -> Refused:
    return Refused(
        f"{who} ({address}) is not an owner of the Safe now",
        hint="Only current owners sign; `safeops policy check` shows them.",
    )


def owner_signature(plan: Plan, signer: TypedDataSigner, owners: tuple[str, ...]) -> str:
    """Sign the plan's typed data; the result must recover to the signer, a current owner."""
    if signer.address not in owners:
        raise not_an_owner(f"signer {signer.name}", signer.address)
    raw = signer.sign_typed_data(safe_tx_typed_data(plan.tx, plan.chain_id, plan.safe_version))
    verified = recover_signer(plan.inspection.hashes.safe_tx_hash.raw, raw)
    if verified.owner != signer.address:
        raise Refused(
            f"the signature recovers to {verified.owner}, not {signer.address}", hint=SIGNATURE_HINT
        )
    return hex0x(verified.signature)


def imported_signature(plan: Plan, signature: str, owners: tuple[str, ...]) -> tuple[str, str]:
    """A signature made elsewhere (a hardware wallet): it must recover to a current owner.
    Returns the owner and the signature in its normal (low-s) form."""
    text = signature.strip()
    if text.startswith("{"):  # `cast wallet sign` and some wallets print JSON
        document = parse_json(text, "--signature")
        text = str(document.get("signature", "")) if isinstance(document, dict) else ""
    try:
        raw = bytes.fromhex(text.removeprefix("0x"))
    except ValueError as error:
        raise BadInput("the signature is not hex", hint=SIGNATURE_HINT) from error
    verified = recover_signer(plan.inspection.hashes.safe_tx_hash.raw, raw)
    if verified.owner not in owners:
        raise Refused(
            f"the signature recovers to {verified.owner}, who is not an owner now",
            hint=SIGNATURE_HINT,
        )
    return verified.owner, hex0x(verified.signature)
