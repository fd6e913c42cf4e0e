"""The write-ahead record of one execTransaction: written before it is broadcast, never after."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from safeops.core.transactions.safe_tx import SafeTxHash
from safeops.errors import BadInput

SENDING = "sending"
"""The audit action of a write-ahead entry: outcome RECORDED before its broadcast, ABANDONED
when the run stopped before broadcasting it."""
RECORDED = "recorded before broadcast"
ABANDONED = "abandoned: not broadcast"

_TX_HASH = re.compile(r"0x[0-9a-f]{64}")
_ADDRESS = re.compile(r"0x[0-9a-fA-F]{40}")


@dataclass(frozen=True)
class SendRecord:
    """An execTransaction signed for `safe_tx_hash`: its Ethereum hash is known before it is
    sent, so a run killed right after the broadcast leaves what a re-run must look for."""

    safe_tx_hash: SafeTxHash
    chain_id: int
    safe: str
    safe_nonce: int
    tx_hash: str
    sender: str
    nonce: int
    """The sender's account nonce the transaction uses: only one transaction per nonce mines."""
    recorded_at: int

    def to_json(self) -> dict[str, Any]:
        return {
            "safeTxHash": self.safe_tx_hash.hex0x,
            "chainId": self.chain_id,
            "safe": self.safe,
            "safeNonce": self.safe_nonce,
            "txHash": self.tx_hash,
            "sender": self.sender,
            "nonce": self.nonce,
            "recordedAt": self.recorded_at,
        }


def send_record_from_json(document: object) -> SendRecord:
    """A record as stored; BadInput when it is not one (a hand-edited file)."""
    if not isinstance(document, dict):
        raise BadInput("a send record must be an object")
    try:
        record = SendRecord(
            SafeTxHash.parse(str(document["safeTxHash"])),
            _int(document["chainId"]),
            _address(document["safe"]),
            _int(document["safeNonce"]),
            _tx_hash(document["txHash"]),
            _address(document["sender"]),
            _int(document["nonce"]),
            _int(document["recordedAt"]),
        )
    except KeyError as missing:
        raise BadInput(f"a send record lacks {missing}") from None
    return record


def _int(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise BadInput(f"a send record holds {value!r} where a number belongs")
    return value


def _address(value: object) -> str:
    if not isinstance(value, str) or not _ADDRESS.fullmatch(value):
        raise BadInput(f"a send record holds {value!r} where an address belongs")
    return value


def _tx_hash(value: object) -> str:
    if not isinstance(value, str) or not _TX_HASH.fullmatch(value):
        raise BadInput(f"a send record holds {value!r} where a transaction hash belongs")
    return value
