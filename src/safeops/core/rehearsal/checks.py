"""Postconditions on a fork or a chain: views compared with their value, balances by delta."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from eth_utils.address import to_checksum_address

from safeops.core.actions.postconditions import ETH_BALANCE, balance_delta, is_balance_change
from safeops.core.decoding.decode import JsonValue
from safeops.core.decoding.selectors import parse_signature
from safeops.core.hexes import hex0x
from safeops.core.plan import Postcondition
from safeops.core.policy.templates import constant
from safeops.errors import BadInput


@dataclass(frozen=True)
class CheckResult:
    """One postcondition as the report shows it: check / expected / actual / ok."""

    check: str
    target: str
    expected: JsonValue
    actual: JsonValue
    ok: bool
    note: str | None = None
    """Why a check whose value matches still fails: it already held before the transaction."""

    def to_json(self) -> dict[str, JsonValue]:
        document: dict[str, JsonValue] = {
            "check": self.check,
            "target": self.target,
            "expected": self.expected,
            "actual": self.actual,
            "ok": self.ok,
        }
        if self.note is not None:
            document["note"] = self.note
        return document


def require_change(before: CheckResult, after: CheckResult) -> CheckResult:
    """A view proves an action only if the action made it true: one that already held before
    the transaction proves nothing (a pause that changes nothing, a contract without code
    whose view answers anything, a revoke of an account that was never allowed)."""
    if not before.ok:
        return after
    note = (
        f"it already returned {_shown(before.actual)} before the transaction: "
        "the call changed nothing this check can see"
    )
    return replace(after, ok=False, note=note)


def _shown(value: JsonValue) -> str:
    return "true" if value is True else "false" if value is False else str(value)


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
        return hex0x(value)
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
