"""The audit log as the workflows' audit trail: write-ahead entries of sends, claimed under
the log's lock so that two runs never both record a send of one safeTxHash."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import Any

from safeops.audit.log import AuditLog, body
from safeops.core.sending import ABANDONED, RECORDED, SENDING, SendRecord, send_record_from_json
from safeops.core.transactions.safe_tx import SafeTxHash
from safeops.errors import BadInput


def sends_in(
    entries: Sequence[Mapping[str, Any]], chain_id: int, safe_tx_hash: SafeTxHash
) -> list[SendRecord]:
    """The sends of `safe_tx_hash` recorded in `entries`, oldest first, minus abandoned ones."""
    recorded: dict[str, SendRecord] = {}
    for entry in entries:
        if entry.get("action") != SENDING:
            continue
        try:
            send = send_record_from_json(entry.get("details"))
        except BadInput:
            continue  # not ours to judge here: `audit verify` reports a damaged log
        if send.chain_id != chain_id or send.safe_tx_hash != safe_tx_hash:
            continue
        if entry.get("outcome") == RECORDED:
            recorded[send.tx_hash] = send
        elif entry.get("outcome") == ABANDONED:
            recorded.pop(send.tx_hash, None)
    return list(recorded.values())


class LogTrail:
    """The `AuditTrail` port over an AuditLog."""

    def __init__(self, log: AuditLog) -> None:
        self.log = log

    def record(self, action: str, outcome: str, **details: Any) -> None:
        self.log.append(action, outcome, **details)

    def record_send(self, record: SendRecord, known: Collection[str]) -> SendRecord | None:
        def other_send(entries: list[dict[str, Any]]) -> SendRecord | None:
            found = sends_in(entries, record.chain_id, record.safe_tx_hash)
            return next((send for send in found if send.tx_hash not in known), None)

        fields = body(SENDING, RECORDED, record.to_json())
        return self.log.append_unless(fields, other_send)[0]

    def recorded_sends(self, chain_id: int, safe_tx_hash: SafeTxHash) -> list[SendRecord]:
        return sends_in(self.log.entries(), chain_id, safe_tx_hash)
