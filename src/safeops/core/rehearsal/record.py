"""The rehearsal record: bound to the transaction, the fork's origin (chain, block, hash) and
the policy, and digested. The digest only detects an edit; what makes a record count is a policy
signer's signature over it (`core.rehearsal.signed`) or having rehearsed in this process."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from safeops.core.lag import MAX_LAG_BLOCKS
from safeops.core.plan import Plan
from safeops.core.policy import Policy
from safeops.core.transactions.safe_tx import SafeTxHash
from safeops.errors import BadInput, Refused

_HASH = re.compile(r"0x[0-9a-fA-F]{64}")

RECORD_FORMAT = 2
"""2: the fork's origin (chain id, block number, block hash) and a signer's signature."""
REHEARSE_HINT = "Run `safeops rehearse PLAN --signer NAME` and read its report."
UNSIGNED_FIELDS = ("digest", "signature")
"""What the digest does not cover: itself, and the signature made over it."""


def canonical_json(document: object) -> bytes:
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode()


def record_digest(document: Mapping[str, Any]) -> str:
    # It covers every other field, so an edited verdict or result no longer verifies.
    body = {key: value for key, value in document.items() if key not in UNSIGNED_FIELDS}
    return hashlib.sha256(canonical_json(body)).hexdigest()


def results_pass(results: Mapping[str, Any]) -> bool:
    """The verdict, recomputed from the results themselves."""
    return (
        results.get("intent_mismatch") is None
        and bool(results["execution"]["success"])
        and all(run["success"] for run in results["stacked"])
        # No postcondition, no proof: a call that changed nothing would pass otherwise.
        and bool(results["postconditions"])
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
    reasons += [_failed_check(check) for check in results["postconditions"] if not check["ok"]]
    reasons += [str(finding["message"]) for finding in results["storage_diff"] if not finding["ok"]]
    if execution["success"] and not results["postconditions"]:
        reasons.append("no postcondition proves what the transaction did")
    # Last: what the chain showed explains a hand-made plan better than "not its intent".
    if results.get("intent_mismatch"):
        reasons.append(str(results["intent_mismatch"]))
    return reasons


def _failed_check(check: Mapping[str, Any]) -> str:
    if check.get("note"):
        return f"postcondition {check['check']}: {check['note']}"
    return (
        f"postcondition {check['check']}: expected {_shown(check['expected'])}, "
        f"got {_shown(check['actual'])}"
    )


def _shown(value: object) -> str:
    if isinstance(value, dict) and "delta" in value:
        return str(value["delta"])
    return json.dumps(value) if not isinstance(value, str) else value


@dataclass(frozen=True)
class Origin:
    """Where the fork came from: `propose` asks the policy's RPCs for this block's hash, so a
    record made on another chain, another fork of it, or a made-up one cannot pass."""

    chain_id: int
    block_number: int
    block_hash: str

    def to_json(self) -> dict[str, Any]:
        return {
            "chain_id": self.chain_id,
            "block_number": self.block_number,
            "block_hash": self.block_hash,
        }

    @classmethod
    def from_json(cls, value: object) -> Origin:
        if not isinstance(value, dict):
            raise BadInput("the rehearsal record's origin is not an object")
        try:
            chain_id, number = value["chain_id"], value["block_number"]
            block_hash = value["block_hash"]
        except KeyError as missing:
            raise BadInput(f"the rehearsal record's origin lacks {missing}") from None
        if not all(isinstance(n, int) and not isinstance(n, bool) for n in (chain_id, number)):
            raise BadInput("the rehearsal record's origin chain id and block must be integers")
        if not isinstance(block_hash, str) or not _HASH.fullmatch(block_hash):
            raise BadInput("the rehearsal record's origin block hash is not 0x + 64 hex digits")
        return cls(chain_id, number, block_hash.lower())


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
    def origin(self) -> Origin:
        return Origin.from_json(self.document["origin"])

    @property
    def signature(self) -> Mapping[str, Any] | None:
        """`{signer, address, signature}` of the policy signer who vouched for it, or None."""
        signature = self.document.get("signature")
        return signature if isinstance(signature, dict) else None

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
    origin: Origin,
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
        "origin": origin.to_json(),
        "fork_block": fork_block,
        "fork_block_timestamp": fork_block_timestamp,
        "rehearsed_at": rehearsed_at,
        "policy_digest": plan.policy_digest,
        "stacked": [str(safe_tx_hash) for safe_tx_hash in stacked],
        "stack_skipped": stack_skipped,
        "passed": passed,
        "results": dict(results),
        "signature": None,
    }
    document["digest"] = record_digest(document)
    return RehearsalRecord(document)


_RECORD_KEYS = (
    "format",
    "safe_tx_hash",
    "safe",
    "nonce",
    "chain_id",
    "origin",
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
    Origin.from_json(document["origin"])
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
    origin = record.origin
    for chain_id in (int(document["chain_id"]), origin.chain_id):
        if chain_id != plan.chain_id:
            raise refuse(f"the rehearsal ran on chain {chain_id}, not {plan.chain_id}")
    if origin.block_number != record.fork_block:
        raise refuse("the rehearsal record's origin block is not its fork block")
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
