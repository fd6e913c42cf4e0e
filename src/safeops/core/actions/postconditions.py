"""What must hold after each action, for the fork rehearsal and the real execution to check.

Two kinds of `plan.Postcondition` exist:

- a **view**: `call` is a signature with one output (`paused()(bool)`), called on `target` with
  `args`; it must return exactly `expected` (a JSON value: bool, int, checksummed address...);
- a **balance change**: `expected` is `{"delta": "+N"}` or `{"delta": "-N"}`, N in base units as
  a decimal string. `call` is `balanceOf(address)(uint256)` on the ERC-20 `target` with the
  account in `args`, or `eth_getBalance` for the native coin, with the account as `target` and
  no `args`. The check compares the balance at the block before the Safe transaction with the
  balance after it: a fixed value cannot be known when the plan is built.
"""

from __future__ import annotations

from safeops.core.actions.common import format_units, json_value, show
from safeops.core.decoding.decode import JsonValue
from safeops.core.plan import Postcondition
from safeops.core.policy import AllowlistEntry, CallTemplate, TargetEntry, TokenEntry

BALANCE_OF = "balanceOf(address)(uint256)"
ETH_BALANCE = "eth_getBalance"
DELTA = "delta"


def is_balance_change(postcondition: Postcondition) -> bool:
    expected = postcondition.expected
    return isinstance(expected, dict) and set(expected) == {DELTA}


def balance_delta(postcondition: Postcondition) -> int:
    """The signed change in base units a balance-change postcondition expects."""
    expected = postcondition.expected
    if not isinstance(expected, dict) or not isinstance(text := expected.get(DELTA), str):
        raise ValueError(f"{postcondition.description!r} is not a balance change")
    return int(text)


def after_target(target: TargetEntry, unpause: bool) -> Postcondition | None:
    """The target's check after pause (or unpause), when the policy gives one for it."""
    check = target.check
    if check is None:
        return None
    expected = check.after_unpause if unpause else check.after_pause
    if expected is None:
        return None
    return _view(target.name, target.address, check.call, {}, expected)


def after_revoke(allowlist: AllowlistEntry, account: str) -> Postcondition | None:
    """The allow-list's check on one revoked account, when the policy gives one."""
    check = allowlist.check
    if check is None:
        return None
    return _view(allowlist.name, allowlist.address, check.call, {"account": account}, check.after)


def balance_changes(
    token: TokenEntry, units: int, *, source: tuple[str, str], recipient: tuple[str, str]
) -> tuple[Postcondition, Postcondition]:
    """The recipient gains `units` of `token` and the source loses them; each is (name, address).

    Exact deltas assume a plain token: a fee-on-transfer or rebasing token fails them, which is
    what a reviewer needs to know before moving funds with it.
    """
    return (
        _balance(token, units, recipient, gain=True),
        _balance(token, units, source, gain=False),
    )


def _balance(
    token: TokenEntry, units: int, holder: tuple[str, str], *, gain: bool
) -> Postcondition:
    name, address = holder
    sign = "+" if gain else "-"
    shown = f"{sign}{format_units(units, token.decimals)} {token.name}"
    description = f"{token.name} balance of {name} {shown} ({sign}{units} base units)"
    expected: JsonValue = {DELTA: f"{sign}{units}"}
    if token.is_native:
        return Postcondition(description, address, ETH_BALANCE, (), expected)
    return Postcondition(description, token.address, BALANCE_OF, (address,), expected)


def _view(
    name: str, address: str, call: CallTemplate, values: dict[str, object], expected: object
) -> Postcondition:
    args = tuple(json_value(arg) for arg in call.render(values))
    shown = ", ".join(show(arg) for arg in args)
    description = f"{name}.{call.signature.name}({shown}) == {show(expected)}"
    return Postcondition(description, address, call.text, args, json_value(expected))
