"""The EIP-712 typed data of a Safe transaction, as hardware wallets and `cast` sign it."""

from __future__ import annotations

from typing import Any

from safeops.core.hexes import hex0x
from safeops.core.transactions.safe_tx import SafeTx, SafeVersion


def safe_tx_typed_data(tx: SafeTx, chain_id: int, version: SafeVersion) -> dict[str, Any]:
    """The full EIP-712 message; its hash is the safeTxHash for that Safe version.

    Numbers are decimal strings so that no JSON reader rounds a uint256.
    """
    base_gas_key = "dataGas" if version.uses_data_gas else "baseGas"
    domain_type = [{"name": "verifyingContract", "type": "address"}]
    domain: dict[str, Any] = {"verifyingContract": tx.safe}
    if version.domain_has_chain_id:
        domain_type.insert(0, {"name": "chainId", "type": "uint256"})
        domain = {"chainId": str(chain_id), **domain}
    return {
        "types": {
            "EIP712Domain": domain_type,
            "SafeTx": [
                {"name": "to", "type": "address"},
                {"name": "value", "type": "uint256"},
                {"name": "data", "type": "bytes"},
                {"name": "operation", "type": "uint8"},
                {"name": "safeTxGas", "type": "uint256"},
                {"name": base_gas_key, "type": "uint256"},
                {"name": "gasPrice", "type": "uint256"},
                {"name": "gasToken", "type": "address"},
                {"name": "refundReceiver", "type": "address"},
                {"name": "nonce", "type": "uint256"},
            ],
        },
        "primaryType": "SafeTx",
        "domain": domain,
        "message": {
            "to": tx.to,
            "value": str(tx.value),
            "data": hex0x(tx.data),
            "operation": tx.operation,
            "safeTxGas": str(tx.safe_tx_gas),
            base_gas_key: str(tx.base_gas),
            "gasPrice": str(tx.gas_price),
            "gasToken": tx.gas_token,
            "refundReceiver": tx.refund_receiver,
            "nonce": str(tx.nonce),
        },
    }
