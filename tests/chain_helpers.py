"""Changing a Safe's configuration the way only the Safe itself may: by impersonating it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from safeops.core.decoding.selectors import encode_call

if TYPE_CHECKING:
    from web3 import Web3


def as_safe(w3: Web3, safe: str, signature: str, *args: object) -> None:
    """Call one of the Safe's `authorized` functions from the Safe itself (anvil only)."""
    provider = w3.provider
    provider.make_request("anvil_impersonateAccount", [safe])  # type: ignore[arg-type]
    provider.make_request("anvil_setBalance", [safe, hex(10**18)])  # type: ignore[arg-type]
    tx = w3.eth.send_transaction(
        {"from": safe, "to": safe, "data": encode_call(signature, *args)}  # type: ignore[typeddict-item]
    )
    receipt = w3.eth.wait_for_transaction_receipt(tx)
    provider.make_request("anvil_stopImpersonatingAccount", [safe])  # type: ignore[arg-type]
    assert receipt["status"] == 1, f"{signature} reverted"
