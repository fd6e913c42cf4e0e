"""Fork rehearsal, the pure half: the Safe's storage diff, postconditions, events, the record."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from eth_hash.auto import keccak
from eth_utils.address import to_checksum_address

from safeops.core.actions.postconditions import ETH_BALANCE, balance_delta, is_balance_change
from safeops.core.decode import JsonValue
from safeops.core.execution import Log
from safeops.core.plan import Plan, Postcondition
from safeops.core.policy import Policy
from safeops.core.policy.templates import constant
from safeops.core.safe_state import (
    FALLBACK_HANDLER_SLOT,
    GUARD_SLOT,
    MODULE_GUARD_SLOT,
    NONCE_SLOT,
    OWNER_COUNT_SLOT,
    SINGLETON_SLOT,
    THRESHOLD_SLOT,
    SafeState,
)
from safeops.core.selectors import parse_signature
from safeops.errors import BadInput, Refused

RECORD_FORMAT = 1
REHEARSE_HINT = "Run `safeops rehearse PLAN` and read its report."
SENTINEL = "0x0000000000000000000000000000000000000001"
MODULES_SLOT, OWNERS_SLOT, SIGNED_MESSAGES_SLOT, APPROVED_HASHES_SLOT = 1, 2, 7, 8

# How each of the Safe's own slots is named in findings, and how its value reads best.
_ADDRESS, _NUMBER, _WORD = "address", "number", "word"
SAFE_SLOTS: Mapping[int, tuple[str, str]] = {
    SINGLETON_SLOT: ("singleton", _ADDRESS),
    MODULES_SLOT: ("modules", _WORD),
    OWNERS_SLOT: ("owners", _WORD),
    OWNER_COUNT_SLOT: ("owner count", _NUMBER),
    THRESHOLD_SLOT: ("threshold", _NUMBER),
    NONCE_SLOT: ("nonce", _NUMBER),
    6: ("deprecated domain separator", _WORD),
    SIGNED_MESSAGES_SLOT: ("signedMessages", _WORD),
    APPROVED_HASHES_SLOT: ("approvedHashes", _WORD),
    GUARD_SLOT: ("guard", _ADDRESS),
    FALLBACK_HANDLER_SLOT: ("fallback handler", _ADDRESS),
    MODULE_GUARD_SLOT: ("module guard", _ADDRESS),
}


# ---------------------------------------------------------------------------------------------
# Storage slots of the Safe's mappings, so that a changed entry is named, not just numbered.


def _word(value: int | bytes | str) -> bytes:
    if isinstance(value, str):
        return bytes(12) + bytes.fromhex(value[2:])
    if isinstance(value, bytes):
        return value.rjust(32, b"\0")
    return value.to_bytes(32, "big")


def mapping_slot(key: int | bytes | str, base: int) -> int:
    """Solidity's slot of `mapping[key]` declared at slot `base`."""
    return int.from_bytes(keccak(_word(key) + _word(base)), "big")


def approved_hash_slot(owner: str, safe_tx_hash: bytes) -> int:
    """`approvedHashes[owner][safeTxHash]`: Safes before 1.3.0 clear it when they execute."""
    return mapping_slot(safe_tx_hash, mapping_slot(owner, APPROVED_HASHES_SLOT))


@dataclass(frozen=True)
class SlotNames:
    """Names for the mapping entries a reviewer can recognise: owners, modules, approvals."""

    names: Mapping[int, str]
    consumable: frozenset[int] = frozenset()
    """approvedHashes entries of this transaction's approvers, which may be cleared to zero."""

    def describe(self, slot: int) -> str:
        if slot in SAFE_SLOTS:
            number = str(slot) if slot < 2**16 else hex(slot)
            return f"slot {number} ({SAFE_SLOTS[slot][0]})"
        name = self.names.get(slot, "unknown: a mapping entry or a stray write")
        return f"slot {hex(slot)} ({name})"


def slot_names(
    owners: Iterable[str], modules: Iterable[str], approvers: Iterable[str], safe_tx_hash: bytes
) -> SlotNames:
    """Name the owners' and modules' list entries and this transaction's approvals."""
    names: dict[int, str] = {}
    for owner in (SENTINEL, *owners):
        names[mapping_slot(owner, OWNERS_SLOT)] = f"owners[{owner}]"
    for module in (SENTINEL, *modules):
        names[mapping_slot(module, MODULES_SLOT)] = f"modules[{module}]"
    consumable = set()
    for approver in approvers:
        slot = approved_hash_slot(approver, safe_tx_hash)
        names[slot] = f"approvedHashes[{approver}][0x{safe_tx_hash.hex()}]"
        consumable.add(slot)
    return SlotNames(names, frozenset(consumable))


# ---------------------------------------------------------------------------------------------
# The prestate tracer's diff (geth semantics, which anvil follows): `pre` holds every touched
# account's balance, nonce and code but only the storage slots that changed (zero values
# omitted); `post` holds only what changed, and omits a slot that became zero.


@dataclass(frozen=True)
class AccountDiff:
    """What one transaction changed in one account; None fields did not change."""

    address: str
    balance: tuple[int, int] | None = None
    nonce: tuple[int, int] | None = None
    code_changed: bool = False
    removed: bool = False
    storage: Mapping[int, tuple[int, int]] = field(default_factory=dict)


def _int(value: object) -> int:
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        return int(value, 16) if value.startswith("0x") else int(value)
    raise ValueError(f"not a number: {value!r}")


def parse_state_diff(trace: Mapping[str, Any]) -> dict[str, AccountDiff]:
    """The tracer's `{"pre": ..., "post": ...}` as changes per checksummed address."""
    try:
        pre: Mapping[str, Mapping[str, Any]] = trace["pre"]
        post: Mapping[str, Mapping[str, Any]] = trace["post"]
        diffs: dict[str, AccountDiff] = {}
        for raw in {*pre, *post}:
            before, after = pre.get(raw, {}), post.get(raw)
            diffs[to_checksum_address(raw)] = _account_diff(raw, before, after)
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        raise ValueError(f"unreadable state diff ({type(error).__name__}: {error})") from None
    return diffs


def _account_diff(
    raw: str, before: Mapping[str, Any], after: Mapping[str, Any] | None
) -> AccountDiff:
    address = to_checksum_address(raw)
    if after is None:
        # In `pre` only: geth's diff mode lists an account that the transaction deleted.
        return AccountDiff(address, removed=True)
    old_storage = {_int(k): _int(v) for k, v in (before.get("storage") or {}).items()}
    new_storage = {_int(k): _int(v) for k, v in (after.get("storage") or {}).items()}
    storage = {
        slot: (old_storage.get(slot, 0), new_storage.get(slot, 0))
        for slot in sorted({*old_storage, *new_storage})
        if old_storage.get(slot, 0) != new_storage.get(slot, 0)
    }
    balance = nonce = None
    if "balance" in after:
        balance = (_int(before.get("balance", 0)), _int(after["balance"]))
    if "nonce" in after:
        nonce = (_int(before.get("nonce", 0)), _int(after["nonce"]))
    code_changed = "code" in after and after["code"] != before.get("code")
    return AccountDiff(address, balance, nonce, code_changed, False, storage)


@dataclass(frozen=True)
class SafeFinding:
    """One change to the Safe seen by the tracer (`trace`) or by reading it again (`read`)."""

    what: str
    before: str
    after: str
    ok: bool
    message: str
    source: str = "trace"

    def to_json(self) -> dict[str, JsonValue]:
        return {
            "what": self.what,
            "before": self.before,
            "after": self.after,
            "ok": self.ok,
            "message": self.message,
            "source": self.source,
        }


def _show_slot_value(slot: int, value: int) -> str:
    kind = SAFE_SLOTS.get(slot, ("", _WORD))[1]
    if kind == _NUMBER:
        return str(value)
    if kind == _ADDRESS and value < 2**160:
        return to_checksum_address(value.to_bytes(20, "big"))
    return hex(value)


def evaluate_safe_diff(
    diff: AccountDiff | None, names: SlotNames, *, eth_sent: int = 0, reverted: bool = False
) -> list[SafeFinding]:
    """Every change to the Safe's own account. Only the nonce may move, by exactly one; a
    pre-1.3.0 Safe may also clear its approvers' approvedHashes entries of this transaction,
    and the balance may drop by exactly the ETH the transaction itself sends. A reverted
    execTransaction changes nothing, which its own failure already reports."""
    if diff is None:
        return [] if reverted else [_nonce_unchanged()]
    if diff.removed:
        return [
            SafeFinding("account", "present", "removed", False, "the Safe's account was removed")
        ]
    findings: list[SafeFinding] = []
    if diff.code_changed:
        findings.append(SafeFinding("code", "…", "…", False, "the Safe's code changed"))
    if diff.nonce is not None:
        before, after = diff.nonce
        message = (
            f"the Safe's account nonce changed from {before} to {after}: it created a contract"
        )
        findings.append(SafeFinding("account nonce", str(before), str(after), False, message))
    findings.extend(_balance_finding(diff.balance, eth_sent))
    for slot, (before, after) in diff.storage.items():
        findings.append(_slot_finding(slot, before, after, names))
    if NONCE_SLOT not in diff.storage and not reverted:
        findings.append(_nonce_unchanged())
    return findings


def _nonce_unchanged() -> SafeFinding:
    message = "slot 5 (nonce) did not change: the transaction did not execute"
    return SafeFinding("slot 5 (nonce)", "", "", False, message)


def _balance_finding(balance: tuple[int, int] | None, eth_sent: int) -> list[SafeFinding]:
    if balance is None:
        if not eth_sent:
            return []
        message = f"the Safe's balance did not change, though the transaction sends {eth_sent} wei"
        return [SafeFinding("balance", "", "", False, message)]
    before, after = balance
    change = after - before
    if change == -eth_sent:
        if eth_sent == 0:
            return []
        message = f"the balance dropped by the {eth_sent} wei the transaction sends"
        return [SafeFinding("balance", str(before), str(after), True, message)]
    expected = f"{-eth_sent:+d} wei" if eth_sent else "no change"
    message = f"the Safe's balance changed by {change:+d} wei (expected {expected})"
    return [SafeFinding("balance", str(before), str(after), False, message)]


def _slot_finding(slot: int, before: int, after: int, names: SlotNames) -> SafeFinding:
    what = names.describe(slot)
    shown_before, shown_after = _show_slot_value(slot, before), _show_slot_value(slot, after)
    if slot == NONCE_SLOT:
        ok = after == before + 1
        tail = "by one, as it must" if ok else "not by exactly one"
        message = f"{what} changed from {before} to {after}, {tail}"
    elif slot in names.consumable:
        ok = after == 0
        message = f"{what} was {'cleared by the execution' if ok else 'changed'}"
    else:
        ok = False
        message = f"{what} changed from {shown_before} to {shown_after}"
    return SafeFinding(what, shown_before, shown_after, ok, message)


_STATE_FIELDS = (
    ("singleton", "singleton"),
    ("owners", "owners (getOwners)"),
    ("threshold", "threshold (getThreshold)"),
    ("modules", "modules (getModulesPaginated)"),
    ("guard", "guard"),
    ("fallback_handler", "fallback handler"),
    ("module_guard", "module guard"),
    ("version", "VERSION()"),
)


def _show_field(value: object) -> str:
    if isinstance(value, tuple):
        return "[" + ", ".join(map(str, value)) + "]"
    return str(value)


def compare_safe_states(
    before: SafeState, after: SafeState | None, unreadable: str = "", *, reverted: bool = False
) -> list[SafeFinding]:
    """The cross-check: the Safe read through its own functions before and after. Only the
    problems are returned; the tracer's findings already show the nonce moving."""
    if after is None:
        why = unreadable or "no code"
        message = f"the Safe no longer answers as a Safe after the transaction ({why})"
        return [SafeFinding("Safe state", "readable", "unreadable", False, message, "read")]
    findings = []
    for name, label in _STATE_FIELDS:
        old, new = getattr(before, name), getattr(after, name)
        if old != new:
            shown_old, shown_new = _show_field(old), _show_field(new)
            message = f"{label} changed from {shown_old} to {shown_new}"
            findings.append(SafeFinding(label, shown_old, shown_new, False, message, "read"))
    step = 0 if reverted else 1
    if after.nonce != before.nonce + step:
        expected = "unchanged, as execTransaction reverted" if reverted else "up by one"
        message = f"nonce() went from {before.nonce} to {after.nonce}, not {expected}"
        findings.append(
            SafeFinding("nonce()", str(before.nonce), str(after.nonce), False, message, "read")
        )
    return findings


@dataclass(frozen=True)
class ChangedAccount:
    """An account whose balance or code the transaction changed."""

    address: str
    balance_before: int | None
    balance_after: int | None
    code_changed: bool
    removed: bool = False

    def to_json(self) -> dict[str, JsonValue]:
        delta = None
        if self.balance_before is not None and self.balance_after is not None:
            delta = f"{self.balance_after - self.balance_before:+d}"
        return {
            "address": self.address,
            "balance_before": None if self.balance_before is None else str(self.balance_before),
            "balance_after": None if self.balance_after is None else str(self.balance_after),
            "balance_delta": delta,
            "code_changed": self.code_changed,
            "removed": self.removed,
        }


def changed_accounts(diffs: Mapping[str, AccountDiff]) -> list[ChangedAccount]:
    """Every account whose balance or code changed (or that disappeared), by address."""
    changed = []
    for address in sorted(diffs, key=lambda a: int(a, 16)):
        diff = diffs[address]
        moved = diff.balance is not None and diff.balance[0] != diff.balance[1]
        if not (moved or diff.code_changed or diff.removed):
            continue
        before, after = diff.balance if diff.balance is not None else (None, None)
        changed.append(ChangedAccount(address, before, after, diff.code_changed, diff.removed))
    return changed


# ---------------------------------------------------------------------------------------------
# Postconditions: views compared with their expected value, balances with their delta.


@dataclass(frozen=True)
class CheckResult:
    """One postcondition as the report shows it: check / expected / actual / ok."""

    check: str
    target: str
    expected: JsonValue
    actual: JsonValue
    ok: bool

    def to_json(self) -> dict[str, JsonValue]:
        return {
            "check": self.check,
            "target": self.target,
            "expected": self.expected,
            "actual": self.actual,
            "ok": self.ok,
        }


def view_calldata(postcondition: Postcondition) -> bytes:
    """The calldata of a view (or `balanceOf`) postcondition; BadInput if its args do not fit."""
    from eth_abi.abi import encode

    signature = parse_signature(postcondition.call)
    if len(signature.outputs) != 1 or len(signature.inputs) != len(postcondition.args):
        raise BadInput(f"postcondition {postcondition.description!r} is not a one-output view")
    try:
        args = [constant(t, a) for t, a in zip(signature.inputs, postcondition.args, strict=True)]
    except ValueError as error:
        raise BadInput(f"postcondition {postcondition.description!r}: {error}") from None
    return signature.selector + encode(list(signature.inputs), args)


def _to_json(abi_type: str, value: object) -> JsonValue:
    if isinstance(value, list | tuple):
        item = abi_type[: abi_type.rindex("[")] if abi_type.endswith("]") else abi_type
        return [_to_json(item, v) for v in value]
    if abi_type == "address" and isinstance(value, str):
        return to_checksum_address(value)
    if isinstance(value, bytes):
        return "0x" + value.hex()
    if isinstance(value, bool | int | str):
        return value
    return str(value)


def _same(expected: JsonValue, actual: JsonValue) -> bool:
    """Equal as JSON values: `True` is not `1`, and hex strings compare case-insensitively."""
    if isinstance(expected, list) and isinstance(actual, list):
        return len(expected) == len(actual) and all(map(_same, expected, actual))
    if type(expected) is not type(actual):
        return False
    if isinstance(expected, str) and isinstance(actual, str) and expected.startswith("0x"):
        return expected.lower() == actual.lower()
    return expected == actual


def evaluate_view(
    postcondition: Postcondition, success: bool, output: bytes, revert_reason: str = ""
) -> CheckResult:
    """Decode the view's single output and compare it with `expected`."""
    from eth_abi.abi import decode
    from eth_abi.exceptions import DecodingError

    p = postcondition
    if not success:
        return CheckResult(p.description, p.target, p.expected, f"reverted: {revert_reason}", False)
    (output_type,) = parse_signature(p.call).outputs
    try:
        (value,) = decode([output_type], output)
    except (DecodingError, ValueError, OverflowError):
        actual: JsonValue = f"undecodable output 0x{output.hex()}"
        return CheckResult(p.description, p.target, p.expected, actual, False)
    actual = _to_json(output_type, value)
    return CheckResult(p.description, p.target, p.expected, actual, _same(p.expected, actual))


def check_postcondition(postcondition: Postcondition) -> None:
    """BadInput unless the postcondition can be evaluated: a bad one makes a bad plan."""
    if is_balance_change(postcondition):
        try:
            balance_delta(postcondition)
        except ValueError:
            raise BadInput(
                f"postcondition {postcondition.description!r}: the delta is not an integer"
            ) from None
    if postcondition.call != ETH_BALANCE:
        view_calldata(postcondition)


def evaluate_balance(postcondition: Postcondition, before: int, after: int) -> CheckResult:
    """Compare the balance's change across the transaction with the expected delta."""
    p = postcondition
    change = after - before
    actual: JsonValue = {"delta": f"{change:+d}", "before": str(before), "after": str(after)}
    return CheckResult(p.description, p.target, p.expected, actual, change == balance_delta(p))


def failed_check(postcondition: Postcondition, reason: str) -> CheckResult:
    p = postcondition
    return CheckResult(p.description, p.target, p.expected, reason, False)


def split_postconditions(
    postconditions: Sequence[Postcondition],
) -> tuple[list[Postcondition], list[Postcondition]]:
    """(views, balance changes): balances are read before and after, views only after."""
    balances = [p for p in postconditions if is_balance_change(p)]
    views = [p for p in postconditions if not is_balance_change(p)]
    return views, balances


# ---------------------------------------------------------------------------------------------
# Events a reviewer should read by name; anything else is shown by its topic0.

KNOWN_EVENTS = (
    "ExecutionSuccess(bytes32 indexed txHash,uint256 payment)",
    "ExecutionFailure(bytes32 indexed txHash,uint256 payment)",
    "ApproveHash(bytes32 indexed approvedHash,address indexed owner)",
    "SafeMultiSigTransaction(address to,uint256 value,bytes data,uint8 operation,"
    "uint256 safeTxGas,uint256 baseGas,uint256 gasPrice,address gasToken,"
    "address refundReceiver,bytes signatures,bytes additionalInfo)",
    "AddedOwner(address indexed owner)",
    "RemovedOwner(address indexed owner)",
    "ChangedThreshold(uint256 threshold)",
    "EnabledModule(address indexed module)",
    "DisabledModule(address indexed module)",
    "ChangedGuard(address indexed guard)",
    "ChangedModuleGuard(address indexed moduleGuard)",
    "ChangedFallbackHandler(address indexed handler)",
    "SafeReceived(address indexed sender,uint256 value)",
    "Paused(address account)",
    "Unpaused(address account)",
    "AllowedSet(address indexed account,bool allowed)",
    "EmergencyWithdrawal(address indexed token,address indexed to,uint256 amount)",
    "Transfer(address indexed from,address indexed to,uint256 value)",
    "Approval(address indexed owner,address indexed spender,uint256 value)",
)


@dataclass(frozen=True)
class EventSpec:
    name: str
    params: tuple[tuple[str, str, bool], ...]  # (type, name, indexed)

    @property
    def topic0(self) -> bytes:
        return keccak(f"{self.name}({','.join(t for t, _, _ in self.params)})".encode())

    @property
    def indexed_count(self) -> int:
        return sum(1 for _, _, indexed in self.params if indexed)


def _event_spec(text: str) -> EventSpec:
    name, inside = text[:-1].split("(", 1)
    params = []
    for part in inside.split(","):
        words = part.split()
        params.append((words[0], words[-1], "indexed" in words[1:-1]))
    return EventSpec(name, tuple(params))


_EVENTS: Mapping[tuple[bytes, int], EventSpec] = {
    (spec.topic0, spec.indexed_count): spec for spec in map(_event_spec, KNOWN_EVENTS)
}


@dataclass(frozen=True)
class DecodedEvent:
    """A log by name with its arguments, or only its topic0 when safeops does not know it."""

    address: str
    topic0: str | None
    name: str | None
    args: Mapping[str, JsonValue]

    def to_json(self) -> dict[str, JsonValue]:
        return {
            "address": self.address,
            "name": self.name,
            "topic0": self.topic0,
            "args": dict(self.args),
        }


def decode_event(log: Log) -> DecodedEvent:
    """Decode `log` when its topic0 and number of indexed topics match a known event."""
    from eth_abi.abi import decode
    from eth_abi.exceptions import DecodingError

    topic0 = "0x" + log.topics[0].hex() if log.topics else None
    spec = _EVENTS.get((log.topics[0], len(log.topics) - 1)) if log.topics else None
    if spec is None:
        return DecodedEvent(log.address, topic0, None, {})
    try:
        data_types = [t for t, _, indexed in spec.params if not indexed]
        data_values = iter(decode(data_types, log.data))
        topics = iter(log.topics[1:])
        args: dict[str, JsonValue] = {}
        for abi_type, name, indexed in spec.params:
            value = decode([abi_type], next(topics))[0] if indexed else next(data_values)
            args[name] = _event_value(abi_type, value)
    except (DecodingError, ValueError, OverflowError, StopIteration):
        return DecodedEvent(log.address, topic0, None, {})
    return DecodedEvent(log.address, topic0, spec.name, args)


def _event_value(abi_type: str, value: object) -> JsonValue:
    # Amounts exceed JSON's safe integer range: decimal strings, as everywhere in safeops.
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return _to_json(abi_type, value)


# ---------------------------------------------------------------------------------------------
# Stacking: which pending proposals run first, in which order.


def nonce_moved(onchain: int, planned: int) -> str:
    return f"the Safe's nonce on chain is {onchain}, the plan was built for {planned}"


def stack_order(onchain: int, planned: int, pending: Sequence[tuple[int, str]]) -> list[str]:
    """The safeTxHashes of the pending proposals `(nonce, hash)` to execute before the plan.

    Every nonce from the on-chain one up to the plan's must be held by exactly one proposal:
    with two, nobody knows which will execute; with none, the plan cannot execute at all.
    """
    if planned < onchain:
        raise Refused(nonce_moved(onchain, planned), hint="The plan is stale: build a new one.")
    by_nonce: dict[int, list[str]] = {}
    for nonce, safe_tx_hash in pending:
        if onchain <= nonce < planned:
            by_nonce.setdefault(nonce, []).append(safe_tx_hash)
    alone = "or rehearse this plan alone with --no-stack."
    for nonce in sorted(by_nonce):
        if len(by_nonce[nonce]) > 1:
            raise Refused(
                f"{len(by_nonce[nonce])} pending proposals share nonce {nonce} "
                f"({', '.join(sorted(by_nonce[nonce]))}): only one of them can execute",
                hint=f"Resolve the conflict in the proposal store, {alone}",
            )
    if gaps := [n for n in range(onchain, planned) if n not in by_nonce]:
        raise Refused(
            f"{nonce_moved(onchain, planned)}, and no pending proposal holds nonce "
            f"{', '.join(map(str, gaps))}",
            hint=f"Propose the missing transactions first, {alone}",
        )
    return [by_nonce[n][0] for n in range(onchain, planned)]


# ---------------------------------------------------------------------------------------------
# The record: bound to the transaction, the chain, the fork block and the policy; its digest
# covers every other field, so an edited verdict or result no longer verifies.


def canonical_json(document: object) -> bytes:
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode()


def record_digest(document: Mapping[str, Any]) -> str:
    body = {key: value for key, value in document.items() if key != "digest"}
    return hashlib.sha256(canonical_json(body)).hexdigest()


def results_pass(results: Mapping[str, Any]) -> bool:
    """The verdict, recomputed from the results themselves."""
    return (
        bool(results["execution"]["success"])
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

    def to_json(self) -> dict[str, Any]:
        return dict(self.document)


def build_record(
    plan: Plan,
    *,
    fork_block: int,
    fork_block_timestamp: int,
    rehearsed_at: int,
    stacked: Sequence[str],
    stack_skipped: bool,
    results: Mapping[str, Any],
) -> RehearsalRecord:
    document: dict[str, Any] = {
        "format": RECORD_FORMAT,
        "safe_tx_hash": plan.safe_tx_hash,
        "safe": plan.tx.safe,
        "nonce": plan.tx.nonce,
        "chain_id": plan.chain_id,
        "fork_block": fork_block,
        "fork_block_timestamp": fork_block_timestamp,
        "rehearsed_at": rehearsed_at,
        "policy_digest": plan.policy_digest,
        "stacked": list(stacked),
        "stack_skipped": stack_skipped,
        "passed": results_pass(results),
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
    if record.safe_tx_hash != plan.safe_tx_hash:
        raise refuse(f"the rehearsal was of {record.safe_tx_hash}, not of {plan.safe_tx_hash}")
    if int(document["chain_id"]) != plan.chain_id:
        raise refuse(f"the rehearsal ran on chain {document['chain_id']}, not {plan.chain_id}")
    if document["policy_digest"] != policy.digest:
        raise refuse("the rehearsal ran under another policy: the policy changed since")
    if not record.passed:
        reasons = failure_reasons(document["results"])
        raise refuse(f"the last rehearsal of this plan failed: {reasons[0] if reasons else '?'}")
    age_blocks = current_block - record.fork_block
    if age_blocks < 0:
        raise refuse(
            f"the chain is at block {current_block}, behind the fork ({record.fork_block})"
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
