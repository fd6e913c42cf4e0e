"""Sample Safe transactions on the devnet, hashed by the Safe contract itself, for the demo."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

from safeops.core.decoding.decode import encode_multisend
from safeops.core.decoding.selectors import encode_call
from safeops.core.transactions.safe_tx import Operation, SafeTx
from safeops.core.transactions.service_tx import to_service_json
from safeops.devnet import contracts as c
from safeops.devnet.deploy import COLD_WALLET

if TYPE_CHECKING:
    from safeops.devnet.deploy import Deployment


def onchain_safe_tx_hash(rpc_url: str, tx: SafeTx) -> bytes:
    """The safeTxHash as the Safe contract computes it (`getTransactionHash`)."""
    from safe_eth.eth.contracts import get_safe_V1_4_1_contract
    from web3 import Web3

    w3 = Web3(Web3.HTTPProvider(rpc_url))
    safe = get_safe_V1_4_1_contract(w3, tx.safe)
    return bytes(safe.functions.getTransactionHash(*tx.call_fields, tx.nonce).call())


def example_transactions(deployment: Deployment) -> dict[str, SafeTx]:
    """A guardian pause of every target, and a Bybit-shaped transaction for contrast."""
    pause = encode_call("pause()")
    batch = [
        (Operation.CALL, deployment.contracts[name], 0, pause)
        for name in ("router", "lending", "vault")
    ]
    return {
        "pause-all": SafeTx(
            safe=deployment.safes["guardian"],
            to=c.MULTISEND_CALL_ONLY_141,
            data=encode_multisend(batch),
            operation=Operation.DELEGATECALL,
        ),
        # Looks like a token transfer, but is a DELEGATECALL into an arbitrary contract.
        "bybit-shaped": SafeTx(
            safe=deployment.safes["admin"],
            to=deployment.contracts["token"],
            data=encode_call("transfer(address,uint256)", COLD_WALLET, 10**6),
            operation=Operation.DELEGATECALL,
        ),
    }


def write_examples(folder: Path, rpc_url: str, deployment: Deployment) -> dict[str, Path]:
    """Write each example as Safe Transaction Service JSON with the contract's own hash."""
    folder.mkdir(parents=True, exist_ok=True)
    written = {}
    for name, tx in example_transactions(deployment).items():
        document = to_service_json(tx, onchain_safe_tx_hash(rpc_url, tx))
        path = folder / f"{name}.json"
        path.write_text(json.dumps(document, indent=2) + "\n")
        written[name] = path
    return written
