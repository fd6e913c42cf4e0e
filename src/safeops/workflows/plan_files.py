"""Plan files and the rehearsal records beside them: read, written atomically, checked."""

from __future__ import annotations

import json
from pathlib import Path

from safeops.core.json_text import parse_json
from safeops.core.plan import Plan, plan_from_json
from safeops.core.rehearsal import REHEARSE_HINT, RehearsalRecord, record_from_json
from safeops.core.transactions.safe_tx import SafeTxHash
from safeops.errors import BadInput, Refused
from safeops.files import write_atomically

RECORD_SUFFIX = ".rehearsal.json"


def read_plan(path: Path) -> Plan:
    """The plan file, checked (hashes recomputed); BadInput when it cannot be one."""
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise BadInput(
            f"cannot read plan {path}: {error.strerror}",
            hint="Give the plan file `safeops plan` printed, or its safeTxHash.",
        ) from None
    return plan_from_json(parse_json(raw, str(path)))


def write_json(path: Path, document: object) -> Path:
    """Write atomically: a reader never sees half a file. OSError reaches the caller."""
    path.parent.mkdir(parents=True, exist_ok=True)
    return write_atomically(path, json.dumps(document, indent=2) + "\n")


def write_plan(plan_dir: Path, plan: Plan) -> Path:
    """`<plan_dir>/<chainId>-<safeTxHash>.json`."""
    try:
        return write_json(plan_dir / plan.file_name, plan.to_json())
    except OSError as error:
        raise BadInput(
            f"cannot write the plan to {plan_dir}: {error.strerror}",
            hint="Plans go to the safeops home: make it writable or set SAFEOPS_HOME.",
        ) from None


def plan_path(plan_dir: Path, chain_id: int, safe_tx_hash: SafeTxHash) -> Path:
    """The plan file of `safe_tx_hash` on `chain_id`; one named `<safeTxHash>.json` by an
    earlier version is used when that is the one there (its content names its chain)."""
    current = plan_dir / f"{chain_id}-{safe_tx_hash}.json"
    legacy = plan_dir / f"{safe_tx_hash}.json"
    return legacy if legacy.exists() and not current.exists() else current


def record_path(plan_file: Path) -> Path:
    """`<plan stem>.rehearsal.json` in the plan's folder."""
    return plan_file.with_name(plan_file.stem + RECORD_SUFFIX)


def write_record(path: Path, record: RehearsalRecord) -> None:
    """Write atomically: a reader sees the old record or the new one, never half of one."""
    text = json.dumps(record.to_json(), indent=2) + "\n"
    try:
        write_atomically(path, text)
    except OSError as error:
        raise _unwritable(path, error) from None


def remove_record(path: Path) -> None:
    try:
        path.unlink(missing_ok=True)
    except OSError as error:
        raise _unwritable(path, error) from None


def _unwritable(path: Path, error: OSError) -> BadInput:
    return BadInput(
        f"cannot write the rehearsal record {path}: {error.strerror}",
        hint="The record goes beside the plan: put the plan in a folder you can write to.",
    )


def read_record(path: Path) -> RehearsalRecord:
    """The rehearsal record at `path` as written, not yet trusted; Refused when there is none.
    Whether it counts is `guards.require_rehearsal`'s to decide."""
    try:
        document = json.loads(path.read_text())
    except FileNotFoundError:
        raise Refused(
            f"no rehearsal of this plan ({path} is missing)", hint=REHEARSE_HINT
        ) from None
    except (OSError, ValueError) as error:
        raise Refused(
            f"cannot read the rehearsal record {path} ({error})", hint=REHEARSE_HINT
        ) from None
    try:
        record = record_from_json(document)
    except BadInput as error:
        raise Refused(f"{path}: {error.message}", hint=REHEARSE_HINT) from None
    return record
