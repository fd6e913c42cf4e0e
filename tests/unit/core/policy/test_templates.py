"""Function templates: checking signatures and arguments, and rendering calldata."""

from __future__ import annotations

import pytest

from safeops.core.decoding.selectors import encode_call
from safeops.core.policy import CallTemplate, render_args
from safeops.core.policy.templates import check_template, check_type, constant
from safeops.errors import BadInput
from tests.unit.core.policy.sample import ADDRESSES

ACCOUNT = ADDRESSES["COLD"]
TOKEN = ADDRESSES["USDC"]
ROLE = "0x" + "ab" * 32


def template(call: str, args: list[object], **kwargs: object) -> CallTemplate:
    parsed, issues = check_template(call, args, **kwargs)  # type: ignore[arg-type]
    assert issues == []
    assert parsed is not None
    return parsed


def test_any_argument_order_renders_the_same_calldata_as_encode_call() -> None:
    withdraw = template(
        "rescue(uint256,address,address)",
        ["{amount}", "{to}", "{token}"],
        allowed=("token", "to", "amount"),
    )
    values = {"token": TOKEN, "to": ACCOUNT, "amount": 12_500_000}
    assert withdraw.render(values) == [12_500_000, ACCOUNT, TOKEN]
    expected = encode_call("rescue(uint256,address,address)", 12_500_000, ACCOUNT, TOKEN)
    assert withdraw.calldata(values) == expected
    assert withdraw.placeholders == frozenset({"token", "to", "amount"})


def test_constants_are_converted_for_the_abi() -> None:
    revoke = template("revokeRole(bytes32,address)", [ROLE, "{account}"], allowed=("account",))
    assert revoke.render({"account": ACCOUNT}) == [bytes.fromhex("ab" * 32), ACCOUNT]
    assert revoke.calldata({"account": ACCOUNT}) == encode_call(
        "revokeRole(bytes32,address)", bytes.fromhex("ab" * 32), ACCOUNT
    )


def test_render_args_is_usable_on_its_own() -> None:
    rendered = render_args(
        ["{accounts}", [1, 2], True, "memo"],
        ["address[]", "uint8[2]", "bool", "string"],
        {"accounts": [ACCOUNT, TOKEN]},
    )
    assert rendered == [[ACCOUNT, TOKEN], (1, 2), True, "memo"]


def test_render_args_refuses_a_missing_value() -> None:
    with pytest.raises(BadInput, match="no value for the placeholder"):
        render_args(["{account}"], ["address"], {})


def test_batch_revoke_takes_accounts_as_an_address_array() -> None:
    batch = template(
        "revokeMany(address[])",
        ["{accounts}"],
        allowed=("account", "accounts"),
        needs=[("account", "accounts")],
    )
    assert batch.calldata({"accounts": [ACCOUNT]}) == encode_call(
        "revokeMany(address[])", [ACCOUNT]
    )


def test_a_check_keeps_its_single_output() -> None:
    check = template("paused()(bool)", [], allowed=(), view=True)
    assert check.signature.outputs == ("bool",)
    assert check.text == "paused()(bool)"


@pytest.mark.parametrize(
    ("abi_type", "fragment"),
    [
        ("uint", "write 'uint256', not 'uint'"),
        ("adress", "not a supported ABI type"),
        ("uint257", "not an ABI type"),
        ("fixed128x18", "not a supported ABI type"),
    ],
)
def test_types_must_be_canonical_and_supported(abi_type: str, fragment: str) -> None:
    problem = check_type(abi_type)
    assert problem is not None
    assert fragment in problem


@pytest.mark.parametrize(
    ("abi_type", "value", "fragment"),
    [
        ("uint8", 256, "does not fit uint8"),
        ("uint256", True, "not a valid uint256"),
        ("bool", 1, "not a valid bool"),
        ("address", ACCOUNT.lower(), "not an EIP-55 checksummed address"),
        ("bytes32", "0xabcd", "2 bytes, bytes32 needs 32"),
        ("bytes", "abcd", "not a valid bytes"),
        ("address[]", ACCOUNT, "not an array"),
        ("(uint8,bool)", [1], "does not fit (uint8,bool)"),
    ],
)
def test_constants_that_do_not_fit_are_refused(abi_type: str, value: object, fragment: str) -> None:
    with pytest.raises(ValueError, match=fragment.replace("(", r"\(").replace(")", r"\)")):
        constant(abi_type, value)


@pytest.mark.parametrize(
    ("call", "args", "where", "fragment"),
    [
        ("f(address)", ["{acount}"], ("args", 0), "unknown placeholder {acount}"),
        ("f(address)", [["{account}"]], ("args", 0), "must be a whole argument"),
        ("f(address[])", ["{account}"], ("args", 0), "typed address, not address[]"),
        ("f(address,address[])", ["{account}", "{accounts}"], ("args",), "not both"),
        ("f(address)", ["{to}"], ("args", 0), "use {account}, {accounts}"),
    ],
)
def test_placeholder_mistakes(
    call: str, args: list[object], where: tuple[object, ...], fragment: str
) -> None:
    parsed, issues = check_template(
        call, args, allowed=("account", "accounts"), needs=[("account", "accounts")]
    )
    assert parsed is None
    assert [w for w, _ in issues] == [where]
    assert fragment in issues[0][1]
