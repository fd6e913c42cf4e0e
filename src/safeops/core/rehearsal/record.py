"""The rehearsal record: bound to the transaction, chain, fork block and policy, and digested."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from safeops.core.lag import MAX_LAG_BLOCKS
from safeops.core.plan import Plan
from safeops.core.policy import Policy
from safeops.core.safe_tx import SafeTxHash
from safeops.errors import BadInput, Refused

RECORD_FORMAT = 1
REHEARSE_HINT = "Run `safeops rehearse PLAN` and read its report."


def canonical_json(document: object) -> bytes:
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode()


def record_digest(document: Mapping[str, Any]) -> str:
    # It covers every other field, so an edited verdict or result no longer verifies.
    body = {key: value for key, value in document.items() if key != "digest"}
    return hashlib.sha256(canonical_json(body)).hexdigest()


def results_pass(results: Mapping[str, Any]) -> bool:
    """The verdict, recomputed from the results themselves."""
    return (
        results.get("intent_mismatch") is None
        and bool(results["execution"]["success"])
        and all(run["success"] for run in results["stacked"])
        and all(check["ok"] for check in results["postconditions"])
        and all(finding["ok"] for finding in results["storage_diff"])
    )


def failure_reasons(results: Mapping[str, Any]) -> list[str]:
    """Why the rehearsal failed, most fundamental first; empty when it passed."""
    reasons = [
        f"stacked proposal {run['safe_tx_hash']} (nonce {run['nonce']}) failed: {run['reason']}"
        for run in results["stacked"]
        if not run["success"]
    ]
    execution = results["execution"]
    if not execution["success"] and execution.get("reason"):
        reasons.append(str(execution["reason"]))
    reasons += [
        f"postcondition {check['check']}: expected {_shown(check['expected'])}, "
        f"got {_shown(check['actual'])}"
        for check in results["postconditions"]
        if not check["ok"]
    ]
    reasons += [str(finding["message"]) for finding in results["storage_diff"] if not finding["ok"]]
    # Last: what the chain showed explains a hand-made plan better than "not its intent".
    if results.get("intent_mismatch"):
        reasons.append(str(results["intent_mismatch"]))
    return reasons


def _shown(value: object) -> str:
    if isinstance(value, dict) and "delta" in value:
        return str(value["delta"])
    return json.dumps(value) if not isinstance(value, str) else value


@dataclass(frozen=True)
class RehearsalRecord:
    """What `propose` relies on: a passing rehearsal of this safeTxHash, recent enough."""

    document: Mapping[str, Any]

    @property
    def safe_tx_hash(self) -> str:
        return str(self.document["safe_tx_hash"])

    @property
    def passed(self) -> bool:
        return bool(self.document["passed"])

    @property
    def digest(self) -> str:
        return str(self.document["digest"])

    @property
    def fork_block(self) -> int:
        return int(self.document["fork_block"])

    @property
    def rehearsed_at(self) -> int:
        return int(self.document["rehearsed_at"])

    @property
    def stack_skipped(self) -> bool:
        """True when the rehearsal ran alone (--no-stack), ignoring queued proposals."""
        return bool(self.document.get("stack_skipped", False))

    def to_json(self) -> dict[str, Any]:
        return dict(self.document)


def build_record(
    plan: Plan,
    *,
    fork_block: int,
    fork_block_timestamp: int,
    rehearsed_at: int,
    stacked: Sequence[SafeTxHash],
    stack_skipped: bool,
    passed: bool,
    results: Mapping[str, Any],
) -> RehearsalRecord:
    """The record of a rehearsal whose verdict, `passed`, was reached on typed results; the
    results are stored with it so that a reader can recompute and compare it."""
    document: dict[str, Any] = {
        "format": RECORD_FORMAT,
        "safe_tx_hash": plan.safe_tx_hash.hex0x,
        "safe": plan.tx.safe,
        "nonce": plan.tx.nonce,
        "chain_id": plan.chain_id,
        "fork_block": fork_block,
        "fork_block_timestamp": fork_block_timestamp,
        "rehearsed_at": rehearsed_at,
        "policy_digest": plan.policy_digest,
        "stacked": [str(safe_tx_hash) for safe_tx_hash in stacked],
        "stack_skipped": stack_skipped,
        "passed": passed,
        "results": dict(results),
    }
    document["digest"] = record_digest(document)
    return RehearsalRecord(document)


_RECORD_KEYS = (
    "format",
    "safe_tx_hash",
    "safe",
    "nonce",
    "chain_id",
    "fork_block",
    "fork_block_timestamp",
    "rehearsed_at",
    "policy_digest",
    "stacked",
    "stack_skipped",
    "passed",
    "results",
    "digest",
)


def record_from_json(document: object) -> RehearsalRecord:
    """A record as read from disk; BadInput when it is not one."""
    if not isinstance(document, dict) or document.get("format") != RECORD_FORMAT:
        raise BadInput(f"not a safeops rehearsal record (format {RECORD_FORMAT})")
    if missing := [key for key in _RECORD_KEYS if key not in document]:
        raise BadInput(f"the rehearsal record lacks {', '.join(missing)}")
    return RehearsalRecord(document)


def check_fresh(
    record: RehearsalRecord, plan: Plan, policy: Policy, current_block: int, now: int
) -> None:
    """Refuse a record that does not prove this plan under this policy, now."""
    document = record.document

    def refuse(message: str) -> Refused:
        return Refused(message, hint=REHEARSE_HINT)

    if record_digest(document) != record.digest:
        raise refuse("the rehearsal record was altered: its digest does not match its content")
    try:
        recomputed = results_pass(document["results"])
    except (KeyError, TypeError) as error:
        raise refuse(f"the rehearsal record's results are incomplete ({error})") from None
    if recomputed != record.passed:
        raise refuse("the rehearsal record's verdict contradicts its results")
    if record.safe_tx_hash != plan.safe_tx_hash.hex0x:
        raise refuse(f"the rehearsal was of {record.safe_tx_hash}, not of {plan.safe_tx_hash}")
    if int(document["chain_id"]) != plan.chain_id:
        raise refuse(f"the rehearsal ran on chain {document['chain_id']}, not {plan.chain_id}")
    if document["policy_digest"] != policy.digest:
        raise refuse("the rehearsal ran under another policy: the policy changed since")
    if not record.passed:
        reasons = failure_reasons(document["results"])
        raise refuse(f"the last rehearsal of this plan failed: {reasons[0] if reasons else '?'}")
    age_blocks = current_block - record.fork_block
    # A fork up to MAX_LAG_BLOCKS ahead of the pin is honest lag between RPCs (another set
    # answered then), not a rehearsal of a chain this one has not seen.
    if age_blocks < -MAX_LAG_BLOCKS:
        raise refuse(
            f"the chain is at block {current_block}, behind the fork ({record.fork_block}) by "
            f"more than the {MAX_LAG_BLOCKS} blocks RPCs may lag"
        )
    limits = policy.settings
    if age_blocks > limits.rehearsal_max_age_blocks:
        raise refuse(
            f"the rehearsal is {age_blocks} blocks old "
            f"(limit {limits.rehearsal_max_age_blocks}, settings.rehearsal_max_age_blocks)"
        )
    age_seconds = now - record.rehearsed_at
    if age_seconds > limits.rehearsal_max_age_seconds:
        raise refuse(
            f"the rehearsal is {age_seconds} s old "
            f"(limit {limits.rehearsal_max_age_seconds} s, settings.rehearsal_max_age_seconds)"
        )
