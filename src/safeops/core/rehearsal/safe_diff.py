"""Judge every change to the Safe itself: in the tracer's diff, and by reading the Safe again."""

from __future__ import annotations

from dataclasses import dataclass

from safeops.core.decoding.decode import JsonValue
from safeops.core.rehearsal.slots import SlotNames, show_slot_value
from safeops.core.rehearsal.storage_diff import AccountDiff
from safeops.core.safe_state import NONCE_SLOT, SafeState


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
    shown_before, shown_after = show_slot_value(slot, before), show_slot_value(slot, after)
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
