"""Owner signatures over the EIP-712 typed data, made or imported, checked against our hash."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from safeops.core.hexes import hex0x
from safeops.core.json_text import parse_json
from safeops.core.plan import Plan
from safeops.core.policy import SafeEntry
from safeops.core.safe_state import SafeState
from safeops.core.transactions.confirmations import pack
from safeops.core.transactions.signatures import SIGNATURE_HINT, recover_signer
from safeops.core.transactions.typed_data import safe_tx_typed_data
from safeops.errors import Refused
from safeops.workflows.ports import SafeChain


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


def imported_signature(
    plan: Plan, signature: str, chain: SafeChain, safe: SafeEntry, state: SafeState
) -> tuple[str, str]:
    """A signature made elsewhere (a hardware wallet, protocol-kit, an on-chain approval):
    kept only if execution would count it now (a current owner, a kind the policy allows,
    verified on chain where it must be). Returns the owner and the signature as stored."""
    text = signature.strip()
    if text.startswith("{"):  # `cast wallet sign` and some wallets print JSON
        document = parse_json(text, "--signature")
        text = str(document.get("signature", "")) if isinstance(document, dict) else ""
    claim = chain.verify_imported(
        plan.tx,
        plan.chain_id,
        plan.safe_version,
        text if text.startswith("0x") else "0x" + text,
        state.owners,
        safe.signatures,
        state.block,
    )
    return claim.owner, hex0x(pack([claim]))


def counted_confirmations(
    chain: SafeChain,
    plan: Plan,
    safe: SafeEntry,
    signatures: Mapping[str, str],
    state: SafeState,
    unreadable: Mapping[str, str],
) -> tuple[str, ...]:
    """The owners whose confirmations execution would count now: stored is not usable."""
    classified = chain.verify_confirmations(
        plan.tx,
        plan.chain_id,
        plan.safe_version,
        signatures,
        state.owners,
        safe.signatures,
        state.block,
        unreadable=unreadable,
    )
    return classified.owners
