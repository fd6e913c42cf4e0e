"""Everything a reviewer needs about one Safe transaction: hashes, decoded calls, findings."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from safeops.core.decoding.checks import Finding, check_transaction
from safeops.core.decoding.decode import DecodedCall, call_to_json, decode_call
from safeops.core.transactions.safe_tx import SafeTx, SafeTxHashes, SafeVersion, safe_tx_hashes
from safeops.core.transactions.service_tx import to_service_json


@dataclass(frozen=True)
class Inspection:
    """The result of inspecting a transaction offline."""

    tx: SafeTx
    chain_id: int
    version: SafeVersion
    hashes: SafeTxHashes
    decoded: DecodedCall
    findings: tuple[Finding, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            **self.hashes.to_json(),
            "warnings": [
                {"code": f.code, "message": f.message, "path": f.path} for f in self.findings
            ],
            "chain_id": self.chain_id,
            "safe_version": str(self.version),
            "safe": self.tx.safe,
            "transaction": to_service_json(self.tx),
            "decoded": call_to_json(self.decoded),
        }


def inspect_transaction(
    tx: SafeTx,
    chain_id: int,
    version: SafeVersion,
    libraries: Mapping[str, str] | None = None,
) -> Inspection:
    """Hash, decode and check `tx` as a Safe of `version` on `chain_id` would execute it;
    `libraries` are the Safe's own library addresses from the policy (see check_transaction)."""
    hashes = safe_tx_hashes(tx, chain_id, version)
    decoded = decode_call(tx.to, tx.value, tx.data, tx.operation)
    findings = tuple(check_transaction(tx, decoded, chain_id, libraries))
    return Inspection(tx, chain_id, version, hashes, decoded, findings)
