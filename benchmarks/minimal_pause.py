"""The Python floor: build one Safe transaction, sign it with eth_account, execTransaction it."""

from __future__ import annotations

import os
import sys
from typing import Any

from eth_account import Account
from web3 import Web3

ZERO = "0x0000000000000000000000000000000000000000"
SAFE_ABI: list[dict[str, Any]] = [
    {
        "name": "nonce",
        "type": "function",
        "stateMutability": "view",
        "inputs": [],
        "outputs": [{"name": "", "type": "uint256"}],
    },
    {
        "name": "execTransaction",
        "type": "function",
        "stateMutability": "payable",
        "inputs": [
            {"name": "to", "type": "address"},
            {"name": "value", "type": "uint256"},
            {"name": "data", "type": "bytes"},
            {"name": "operation", "type": "uint8"},
            {"name": "safeTxGas", "type": "uint256"},
            {"name": "baseGas", "type": "uint256"},
            {"name": "gasPrice", "type": "uint256"},
            {"name": "gasToken", "type": "address"},
            {"name": "refundReceiver", "type": "address"},
            {"name": "signatures", "type": "bytes"},
        ],
        "outputs": [{"name": "success", "type": "bool"}],
    },
]
SAFE_TX_TYPES = {
    "EIP712Domain": [
        {"name": "chainId", "type": "uint256"},
        {"name": "verifyingContract", "type": "address"},
    ],
    "SafeTx": [
        {"name": "to", "type": "address"},
        {"name": "value", "type": "uint256"},
        {"name": "data", "type": "bytes"},
        {"name": "operation", "type": "uint8"},
        {"name": "safeTxGas", "type": "uint256"},
        {"name": "baseGas", "type": "uint256"},
        {"name": "gasPrice", "type": "uint256"},
        {"name": "gasToken", "type": "address"},
        {"name": "refundReceiver", "type": "address"},
        {"name": "nonce", "type": "uint256"},
    ],
}


def main(rpc_url: str, safe_address: str, to: str, data: str) -> None:
    """Sign `data` to `to` as the Safe's only needed owner and execute it (threshold 1)."""
    account = Account.from_key(os.environ["MINIMAL_PAUSE_KEY"])  # never a key on argv
    w3 = Web3(Web3.HTTPProvider(rpc_url))
    safe = w3.eth.contract(address=Web3.to_checksum_address(safe_address), abi=SAFE_ABI)
    message = {
        "to": Web3.to_checksum_address(to),
        "value": 0,
        "data": bytes.fromhex(data.removeprefix("0x")),
        "operation": 0,
        "safeTxGas": 0,
        "baseGas": 0,
        "gasPrice": 0,
        "gasToken": ZERO,
        "refundReceiver": ZERO,
        "nonce": safe.functions.nonce().call(),
    }
    typed = {
        "types": SAFE_TX_TYPES,
        "primaryType": "SafeTx",
        "domain": {"chainId": w3.eth.chain_id, "verifyingContract": safe.address},
        "message": message,
    }
    signature = account.sign_typed_data(full_message=typed).signature
    fields = [message[name["name"]] for name in SAFE_TX_TYPES["SafeTx"][:-1]]
    transaction = safe.functions.execTransaction(*fields, signature).build_transaction(
        {"from": account.address, "nonce": w3.eth.get_transaction_count(account.address)}
    )
    signed = account.sign_transaction(transaction)
    tx_hash = w3.eth.send_raw_transaction(signed.raw_transaction)
    receipt = w3.eth.wait_for_transaction_receipt(tx_hash)
    if receipt["status"] != 1:  # safeTxGas 0: an inner failure reverts the whole call (GS013)
        sys.exit(f"execTransaction failed in {tx_hash.to_0x_hex()}")
    print(tx_hash.to_0x_hex())


if __name__ == "__main__":
    if len(sys.argv) != 5:
        sys.exit("usage: MINIMAL_PAUSE_KEY=0x… minimal_pause.py RPC_URL SAFE TO DATA")
    main(*sys.argv[1:])
