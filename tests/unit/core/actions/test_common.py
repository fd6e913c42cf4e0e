"""The shared pieces: exact unit formatting, template matching, postcondition kinds."""

from __future__ import annotations

import pytest

from safeops.core.actions import (
    balance_delta,
    format_units,
    is_balance_change,
    match_template,
    operations_by_address,
)
from safeops.core.decoding.selectors import encode_call
from safeops.core.plan import Postcondition
from tests.unit.core.actions.policies import accounts, devnet, production


@pytest.mark.parametrize(
    ("units", "decimals", "text"),
    [
        (12_500_000, 6, "12.5"),
        (5_000_000_000_000, 6, "5000000"),
        (1, 18, "0.000000000000000001"),
        (0, 6, "0"),
        (7, 0, "7"),
        (10**40 + 1, 36, "10000.000000000000000000000000000000000001"),
    ],
)
def test_format_units_is_exact(units: int, decimals: int, text: str) -> None:
    assert format_units(units, decimals) == text


def test_a_template_matches_only_the_bytes_it_produces() -> None:
    policy = production()
    kyc = policy.allowlists["kyc"].revoke
    account = accounts(1)[0]
    assert match_template(kyc, encode_call("setAllowed(address,bool)", account, False)) == {
        "account": account
    }
    assert match_template(kyc, encode_call("setAllowed(address,bool)", account, True)) is None
    assert match_template(kyc, encode_call("pause()")) is None
    assert match_template(kyc, b"") is None
    truncated = encode_call("setAllowed(address,bool)", account, False)[:-1]
    assert match_template(kyc, truncated) is None
    many = policy.allowlists["liquidators"].revoke
    two = accounts(2)
    assert match_template(many, encode_call("revokeMany(address[])", two)) == {
        "accounts": tuple(two)
    }


def test_one_address_may_hold_several_operations() -> None:
    policy = devnet()
    vault = policy.vaults["main"].address
    found = [(o.label, o.action, o.safe) for o in operations_by_address(policy)[vault]]
    assert found == [
        ("targets.vault", "pause", "guardian"),
        ("targets.vault", "unpause", "admin"),
        ("vaults.main", "withdraw", "admin"),
    ]


def test_balance_changes_are_told_from_views() -> None:
    view = Postcondition("router.paused() == true", accounts(1)[0], "paused()(bool)", (), True)
    change = Postcondition("x", accounts(1)[0], "eth_getBalance", (), {"delta": "-5"})
    assert (is_balance_change(view), is_balance_change(change)) == (False, True)
    assert balance_delta(change) == -5
    with pytest.raises(ValueError, match="not a balance change"):
        balance_delta(view)
