"""`safeops tx hash`: the hashes, decoding and warnings of one Safe transaction, offline."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from safeops.core.decoding.inspection import Inspection, inspect_transaction
from safeops.core.json_text import parse_json
from safeops.core.transactions.safe_tx import SafeTx, SafeVersion
from safeops.core.transactions.service_tx import parse_service_tx
from safeops.errors import BadInput, HashMismatch
from safeops.files import READ_HINT

T = TypeVar("T")


@dataclass(frozen=True)
class HashReport:
    """The inspection, and for a file its claimed safeTxHash and the values only it gave."""

    inspection: Inspection
    claimed: str | None = None
    taken_from_file: tuple[str, ...] | None = None
    """The flags (`--chain-id`, `--safe-version`) whose values came only from the file: a
    tampered file can make its hash "match" with them. None when no file was read."""

    @property
    def computed(self) -> str:
        return self.inspection.hashes.safe_tx_hash.hex0x

    @property
    def matches(self) -> bool:
        return self.claimed is None or self.claimed.lower() == self.computed

    def to_json(self) -> dict[str, Any]:
        document = self.inspection.to_json()
        if self.claimed is not None:
            document["claimed_safe_tx_hash"] = self.claimed
            document["hash_matches"] = self.matches
        if self.taken_from_file is not None:
            document["taken_from_file"] = [flag.removeprefix("--") for flag in self.taken_from_file]
        return document

    def require_match(self) -> None:
        if not self.matches:
            raise HashMismatch(
                f"the file's safeTxHash {self.claimed} differs from the computed {self.computed}"
            )


def hash_fields(tx: SafeTx, chain_id: int | None, version: SafeVersion | None) -> HashReport:
    return HashReport(_inspect(tx, chain_id, version))


def hash_file(path: Path, chain_id: int | None, version: SafeVersion | None) -> HashReport:
    """A Safe Transaction Service JSON (or a plan); the flags given must agree with it."""
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise BadInput(f"cannot read {path}: {error.strerror}", hint=READ_HINT) from error
    service = parse_service_tx(parse_json(raw, str(path)))
    taken = tuple(
        flag
        for flag, given, in_file in (
            ("--chain-id", chain_id, service.chain_id),
            ("--safe-version", version, service.safe_version),
        )
        if given is None and in_file is not None
    )
    chain_id = _agree("chain id", chain_id, service.chain_id)
    version = _agree("Safe version", version, service.safe_version)
    inspection = _inspect(service.tx, chain_id, version)
    return HashReport(inspection, service.claimed_safe_tx_hash, taken)


def _inspect(tx: SafeTx, chain_id: int | None, version: SafeVersion | None) -> Inspection:
    if chain_id is None:
        raise BadInput("missing --chain-id", hint="The domain hash depends on the chain.")
    if version is None:
        raise BadInput("missing --safe-version", hint="Read it from the Safe's VERSION().")
    return inspect_transaction(tx, chain_id, version)


def _agree(what: str, flag: T | None, from_file: T | None) -> T | None:
    if flag is not None and from_file is not None and flag != from_file:
        raise BadInput(
            f"the {what} given ({flag}) differs from the file's ({from_file})",
            hint="Check which Safe the file is for: its chain and version decide the hash.",
        )
    return flag if flag is not None else from_file
