"""`libraries = { multisend_call_only = … }` under a Safe: read, validated, used for its batches
and trusted for that Safe only."""

from __future__ import annotations

import pytest

from safeops.core.actions import plan_pause
from safeops.core.batch import MULTISEND_CALL_ONLY
from safeops.core.checks import UNTRUSTED_DELEGATECALL
from safeops.core.deployments import FULL_MULTISEND
from safeops.core.evaluate import evaluate
from safeops.core.policy import InvalidPolicy, Policy, load_policy
from safeops.core.safe_tx import Operation, SafeVersion
from tests.unit.core.policy.sample import ENV, SAMPLE, address, bad_checksum

OWN_MULTISEND = address("non-canonical multisend call only")
V141 = SafeVersion.parse("1.4.1")
SECOND_TARGET = """
[targets.lending]
address = "{lending}"
safe = "guardian"
pause = "pause()"
check = {{ call = "paused()(bool)", after_pause = true }}
"""


def with_libraries(line: str) -> str:
    """The sample policy with `line` under [safes.guardian] and a second pausable target."""
    text = SAMPLE.replace(
        'guard = "0x0000000000000000000000000000000000000000" }\n',
        'guard = "0x0000000000000000000000000000000000000000" }\n' + line + "\n",
        1,
    )
    return text + SECOND_TARGET.format(lending=address("lending"))


def load(text: str) -> Policy:
    return load_policy(text, "policy.toml", ENV)


def test_a_safe_without_libraries_uses_the_canonical_ones() -> None:
    policy = load(with_libraries(""))
    assert policy.safes["guardian"].libraries.multisend_call_only is None
    (plan,) = plan_pause(policy, [], all_targets=True)
    tx = plan.to_safe_tx(policy, 0, V141)
    assert (tx.to, tx.operation) == (MULTISEND_CALL_ONLY["1.4.1"], Operation.DELEGATECALL)


def test_a_declared_multisend_batches_that_safe_and_is_trusted_for_it() -> None:
    policy = load(with_libraries(f'libraries = {{ multisend_call_only = "{OWN_MULTISEND}" }}'))
    assert policy.safes["guardian"].libraries.by_address() == {OWN_MULTISEND: "MultiSendCallOnly"}
    (action,) = plan_pause(policy, [], all_targets=True)
    plan = action.to_plan(policy, nonce=0, version=V141, created_at="now")
    assert plan.tx.to == OWN_MULTISEND
    assert [f.code for f in plan.inspection.findings] == []
    assert evaluate(policy, "guardian", plan.tx, 1, action="pause") == []


def test_a_declared_multisend_is_not_trusted_for_another_safe() -> None:
    policy = load(with_libraries(f'libraries = {{ multisend_call_only = "{OWN_MULTISEND}" }}'))
    (action,) = plan_pause(policy, [], all_targets=True)
    tx = action.to_safe_tx(policy, 0, V141)
    codes = [v.code for v in evaluate(policy, "admin", tx, 1)]
    assert UNTRUSTED_DELEGATECALL in codes
    assert "DELEGATECALL_NOT_ALLOWED" in codes


def test_the_canonical_multisend_is_refused_where_the_safe_declares_its_own() -> None:
    policy = load(with_libraries(f'libraries = {{ multisend_call_only = "{OWN_MULTISEND}" }}'))
    canonical = load(with_libraries(""))
    (action,) = plan_pause(canonical, [], all_targets=True)
    tx = action.to_safe_tx(canonical, 0, V141)
    codes = [v.code for v in evaluate(policy, "guardian", tx, 1, action="pause")]
    assert codes == ["DELEGATECALL_NOT_ALLOWED"]


@pytest.mark.parametrize(
    ("line", "message"),
    [
        (
            f'libraries = {{ multisend_call_only = "{bad_checksum(OWN_MULTISEND)}" }}',
            "checksum",
        ),
        (
            f'libraries = {{ multisend_call_only = "{next(iter(FULL_MULTISEND))}" }}',
            "not a MultiSendCallOnly",
        ),
        (f'libraries = {{ multisend = "{OWN_MULTISEND}" }}', "unknown key 'multisend'"),
        ('libraries = "nope"', "table"),
    ],
)
def test_bad_libraries_are_named(line: str, message: str) -> None:
    with pytest.raises(InvalidPolicy) as raised:
        load(with_libraries(line))
    where = [p.where for p in raised.value.problems]
    assert any(w.startswith("safes.guardian.libraries") for w in where), where
    assert any(message in p.message for p in raised.value.problems), raised.value.problems
