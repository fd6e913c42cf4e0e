"""The Python floor: build Safe transactions, sign them with eth_account, execTransaction them."""

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


def main(rpc_url: str, safe_address: str, calls: list[tuple[str, str]]) -> None:
    """Sign each (to, data) as the Safe's owners whose keys are given (enough to meet its
    threshold) and execute them one after the other."""
    # Never a key on argv: one or several, comma-separated, in the environment.
    accounts = [Account.from_key(k) for k in os.environ["MINIMAL_PAUSE_KEY"].split(",")]
    accounts.sort(key=lambda account: int(account.address, 16))  # the Safe's order (GS026)
    w3 = Web3(Web3.HTTPProvider(rpc_url))
    safe = w3.eth.contract(address=Web3.to_checksum_address(safe_address), abi=SAFE_ABI)
    nonce = safe.functions.nonce().call()
    for to, data in calls:
        execute(w3, safe, accounts, nonce, to, data)
        nonce += 1


def execute(w3: Web3, safe: Any, accounts: list[Any], nonce: int, to: str, data: str) -> None:
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
        "nonce": nonce,
    }
    typed = {
        "types": SAFE_TX_TYPES,
        "primaryType": "SafeTx",
        "domain": {"chainId": w3.eth.chain_id, "verifyingContract": safe.address},
        "message": message,
    }
    signatures = b"".join(
        account.sign_typed_data(full_message=typed).signature for account in accounts
    )
    sender = accounts[0]
    fields = [message[name["name"]] for name in SAFE_TX_TYPES["SafeTx"][:-1]]
    transaction = safe.functions.execTransaction(*fields, signatures).build_transaction(
        {"from": sender.address, "nonce": w3.eth.get_transaction_count(sender.address)}
    )
    signed = sender.sign_transaction(transaction)
    tx_hash = w3.eth.send_raw_transaction(signed.raw_transaction)
    receipt = w3.eth.wait_for_transaction_receipt(tx_hash)
    if receipt["status"] != 1:  # safeTxGas 0: an inner failure reverts the whole call (GS013)
        sys.exit(f"execTransaction failed in {tx_hash.to_0x_hex()}")
    print(tx_hash.to_0x_hex())


if __name__ == "__main__":
    if len(sys.argv) < 5 or len(sys.argv) % 2 == 0:
        sys.exit(
            "usage: MINIMAL_PAUSE_KEY=0x…[,0x…] minimal_pause.py RPC_URL SAFE TO DATA [TO DATA…]"
        )
    pairs = sys.argv[3:]
    main(sys.argv[1], sys.argv[2], list(zip(pairs[::2], pairs[1::2], strict=True)))
