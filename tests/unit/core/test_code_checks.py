"""Which contracts a transaction or a policy needs code at, and what is wrong with what is there."""

from __future__ import annotations

from dataclasses import replace

from safeops.core.actions import plan_pause, plan_withdraw
from safeops.core.code_checks import (
    CodeExpectation,
    code_problems,
    library_expectation,
    policy_expectations,
    tx_expectations,
)
from safeops.core.decoding.decode import encode_multisend
from safeops.core.decoding.selectors import encode_call
from safeops.core.deployments import official_code_hashes
from safeops.core.policy import SafeLibraries
from safeops.core.transactions.safe_tx import SafeTx
from tests.unit.core.actions.policies import V141, devnet, fake_deployment, tx_of
from tests.unit.core.policy.sample import address

MULTISEND = "0x9641d764fc13c8B624c04430C7356C1C7C8102e2"
MULTISEND_HASH = "0xecd5bd14a08c5d2122379900b2f272bdf107a7e92423c10dd5fe3254386c9939"
FULL_MULTISEND = "0x38869bf66a61cF6bDB996A6aE40D5853Fd43B526"
OWN = address("own multisend")
STRANGER = address("stranger")
CONTRACTS = fake_deployment().contracts


def test_a_pause_batch_needs_the_library_with_its_code_and_every_target() -> None:
    policy = devnet()
    (action,) = plan_pause(policy, [], all_targets=True)
    needs = tx_expectations(policy, policy.safes["guardian"], tx_of(policy, action))
    assert needs == [
        CodeExpectation(
            MULTISEND, "MultiSendCallOnly 1.4.1", "MultiSendCallOnly", frozenset({MULTISEND_HASH})
        ),
        CodeExpectation(CONTRACTS["router"], "target router"),
        CodeExpectation(CONTRACTS["lending"], "target lending"),
        CodeExpectation(CONTRACTS["vault"], "target vault"),
    ]


def test_a_withdrawal_needs_the_vault_and_the_token_it_names() -> None:
    policy = devnet()
    (action,) = plan_withdraw(policy, "main", "dUSD", "1", "cold")
    needs = tx_expectations(policy, policy.safes["admin"], tx_of(policy, action))
    assert [(n.address, n.what) for n in needs] == [
        (CONTRACTS["vault"], "target vault"),
        (CONTRACTS["token"], "token dUSD"),
    ]


def test_nested_batches_and_unknown_delegatecalls_are_covered() -> None:
    policy = devnet()
    safe = policy.safes["guardian"]
    inner = encode_multisend([(0, STRANGER, 0, encode_call("pause()"))])
    data = encode_multisend([(1, MULTISEND, 0, inner), (1, FULL_MULTISEND, 0, b"")])
    needs = tx_expectations(
        policy, safe, SafeTx(safe=safe.address, to=MULTISEND, data=data, operation=1)
    )
    assert [(n.address, n.what, n.library) for n in needs] == [
        (MULTISEND, "MultiSendCallOnly 1.4.1", "MultiSendCallOnly"),
        (STRANGER, "not in the policy", None),
        (FULL_MULTISEND, "MultiSend 1.4.1", "MultiSend"),
    ]
    anything = library_expectation(safe, STRANGER)
    assert (anything.library, anything.code_hashes) == (None, frozenset())


def test_the_policy_library_may_have_any_official_version_of_its_code() -> None:
    safe = replace(devnet().safes["guardian"], libraries=SafeLibraries(multisend_call_only=OWN))
    need = library_expectation(safe, OWN)
    assert need.what == "MultiSendCallOnly at libraries.multisend_call_only of Safe guardian"
    assert need.code_hashes == official_code_hashes("MultiSendCallOnly")
    assert len(need.code_hashes) >= 3


def test_problems_name_the_address_and_what_the_policy_calls_it() -> None:
    router = CodeExpectation(CONTRACTS["router"], "target router")
    library = CodeExpectation(
        MULTISEND, "MultiSendCallOnly 1.4.1", "MultiSendCallOnly", frozenset({MULTISEND_HASH})
    )
    assert (
        code_problems([router, library], {CONTRACTS["router"]: "0x01", MULTISEND: MULTISEND_HASH})
        == []
    )
    missing = code_problems([router, library], {CONTRACTS["router"]: None, MULTISEND: None})
    assert [p.message for p in missing] == [
        f"no contract at {CONTRACTS['router']} (target router): a call there does nothing",
        f"no library at {MULTISEND} (MultiSendCallOnly 1.4.1): a call there does nothing",
    ]
    (wrong,) = code_problems([library], {MULTISEND: "0x" + "ab" * 32})
    assert wrong.message == (
        f"library {MULTISEND} (MultiSendCallOnly 1.4.1) does not have the code of an official "
        f"MultiSendCallOnly deployment (code hash 0x{'ab' * 32})"
    )
    assert wrong.to_json() == {
        "address": MULTISEND,
        "what": "MultiSendCallOnly 1.4.1",
        "message": wrong.message,
    }


def test_policy_expectations_cover_each_safe_s_contracts_and_batcher() -> None:
    policy = devnet()
    guardian = policy_expectations(policy, policy.safes["guardian"], V141)
    assert [(n.address, n.what) for n in guardian] == [
        (CONTRACTS["router"], "target router"),
        (CONTRACTS["lending"], "target lending"),
        (CONTRACTS["vault"], "target vault"),
        (MULTISEND, "MultiSendCallOnly 1.4.1"),
    ]
    admin = policy_expectations(policy, policy.safes["admin"], V141)
    assert [n.address for n in admin] == [
        CONTRACTS["router"],
        CONTRACTS["lending"],
        CONTRACTS["vault"],
        CONTRACTS["allowlist"],
        CONTRACTS["token"],
        MULTISEND,
    ]  # the native ETH "token" has no contract to check
    own = replace(policy.safes["admin"], libraries=SafeLibraries(multisend_call_only=OWN))
    assert [n.address for n in policy_expectations(policy, own, V141)][-1] == OWN
    assert MULTISEND not in [n.address for n in policy_expectations(policy, own, V141)]
