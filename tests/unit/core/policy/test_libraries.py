"""`libraries` of a Safe: read, checked with locations, and used for its batches."""

from __future__ import annotations

from dataclasses import replace

import pytest

from safeops.core.decoding.checks import check_transaction
from safeops.core.decoding.decode import decode_call
from safeops.core.decoding.selectors import encode_call
from safeops.core.deployments import known_chains, known_deployment
from safeops.core.evaluate import evaluate
from safeops.core.policy import Policy, SafeEntry, SafeLibraries, validate_policy
from safeops.core.transactions.batch import (
    Call,
    batcher_for,
    build_for_safe,
    multisend_call_only_for,
)
from safeops.core.transactions.safe_tx import SafeVersion
from safeops.errors import Refused
from tests.unit.core.policy.sample import ADDRESSES, ENV, SAMPLE, address, bad_checksum
from tests.unit.core.policy.test_validate import line_of

OWN_MULTISEND = address("OWN_MULTISEND")
OWN_SIGN_MESSAGE_LIB = address("OWN_SIGN_MESSAGE_LIB")
MULTISEND_CALL_ONLY_141 = "0x9641d764fc13c8B624c04430C7356C1C7C8102e2"
MULTISEND_CALL_ONLY_130 = "0x40A2aCCbd92BCA938b02010E17A5b8929b49130D"
FULL_MULTISEND_141 = "0x38869bf66a61cF6bDB996A6aE40D5853Fd43B526"
SIGN_MESSAGE_LIB_141 = "0xd53cd0aB83D845Ac265BE939c57F53AD838012c9"
V141 = SafeVersion.parse("1.4.1")
GUARDIAN_HEADER = '[safes.guardian]\nchain_id = 1\naddress = "' + ADDRESSES["GUARDIAN"] + '"\n'


def with_libraries(line: str) -> str:
    assert SAMPLE.count(GUARDIAN_HEADER) == 1
    return SAMPLE.replace(GUARDIAN_HEADER, GUARDIAN_HEADER + line + "\n")


def test_declared_libraries_are_read() -> None:
    text = with_libraries(
        f'libraries = {{ multisend_call_only = "{OWN_MULTISEND}", '
        f'sign_message_lib = "{OWN_SIGN_MESSAGE_LIB}" }}'
    )
    result = validate_policy(text, "/ops/policy.toml", ENV)
    assert result.problems == []
    assert result.policy is not None
    guardian = result.policy.safes["guardian"]
    assert guardian.libraries == SafeLibraries(OWN_MULTISEND, OWN_SIGN_MESSAGE_LIB, None)
    assert guardian.libraries.by_address() == {
        OWN_MULTISEND: "MultiSendCallOnly",
        OWN_SIGN_MESSAGE_LIB: "SignMessageLib",
    }
    assert result.policy.safes["admin"].libraries == SafeLibraries()


@pytest.mark.parametrize(
    ("line", "where", "fragment", "snippet"),
    [
        (
            f'libraries = {{ multisend = "{OWN_MULTISEND}" }}',
            "safes.guardian.libraries.multisend",
            "unknown key 'multisend' (did you mean 'multisend_call_only'?)",
            "libraries = {",
        ),
        (
            f'libraries = {{ multisend_call_only = "{OWN_MULTISEND.lower()}" }}',
            "safes.guardian.libraries.multisend_call_only",
            "has no EIP-55 checksum",
            "libraries = {",
        ),
        (
            f'libraries = {{ multisend_call_only = "{bad_checksum(OWN_MULTISEND)}" }}',
            "safes.guardian.libraries.multisend_call_only",
            "wrong EIP-55 checksum",
            "libraries = {",
        ),
        (
            f'libraries = {{ multisend_call_only = "{FULL_MULTISEND_141}" }}',
            "safes.guardian.libraries.multisend_call_only",
            f"{FULL_MULTISEND_141} is the official MultiSend 1.4.1, not a MultiSendCallOnly",
            "libraries = {",
        ),
        (
            f'libraries = {{ safe_migration = "{SIGN_MESSAGE_LIB_141}" }}',
            "safes.guardian.libraries.safe_migration",
            "is the official SignMessageLib 1.4.1, not a SafeMigration",
            "libraries = {",
        ),
        (
            f'libraries = {{ multisend_call_only = "{OWN_MULTISEND}", '
            f'safe_migration = "{OWN_MULTISEND}" }}',
            "safes.guardian.libraries.safe_migration",
            "is also libraries.multisend_call_only: one address, one library",
            "libraries = {",
        ),
        (
            'libraries = "0x"',
            "safes.guardian.libraries",
            "expected a table, got a string",
            "libraries =",
        ),
    ],
)
def test_library_mistakes_are_reported_where_they_are(
    line: str, where: str, fragment: str, snippet: str
) -> None:
    text = with_libraries(line)
    result = validate_policy(text, "/ops/policy.toml", ENV)
    assert result.policy is None
    found = {problem.where: problem for problem in result.problems}
    assert list(found) == [where], result.problems
    assert fragment in found[where].message
    assert found[where].line == line_of(text, snippet)


def _guardian(line: str = "") -> tuple[Policy, SafeEntry]:
    result = validate_policy(with_libraries(line) if line else SAMPLE, "/p.toml", ENV)
    assert result.policy is not None, result.problems
    return result.policy, result.policy.safes["guardian"]


def test_batches_go_through_the_policy_multisend_call_only_when_declared() -> None:
    calls = [Call(ADDRESSES["ROUTER"], encode_call("pause()"))] * 2
    _, official = _guardian()
    assert batcher_for(official, V141) == MULTISEND_CALL_ONLY_141
    assert build_for_safe(official, calls, 0, V141).to == MULTISEND_CALL_ONLY_141
    policy, own = _guardian(f'libraries = {{ multisend_call_only = "{OWN_MULTISEND}" }}')
    tx = build_for_safe(own, calls, 0, V141)
    assert (tx.to, tx.operation) == (OWN_MULTISEND, 1)
    assert build_for_safe(own, calls[:1], 0, V141).to == ADDRESSES["ROUTER"]
    # Trusted for this Safe only: the policy's own address passes the delegatecall checks.
    decoded = decode_call(tx.to, tx.value, tx.data, tx.operation)
    assert check_transaction(tx, decoded, 1, own.libraries.by_address()) == []
    assert [f.code for f in check_transaction(tx, decoded, 1)] == ["UNTRUSTED_DELEGATECALL"]
    codes = [v.code for v in evaluate(policy, "guardian", tx, 1)]
    assert "DELEGATECALL_NOT_ALLOWED" not in codes
    assert "UNTRUSTED_DELEGATECALL" not in codes
    # ...and not for the admin Safe, which declared none.
    admin_tx = build_for_safe(policy.safes["admin"], calls, 0, V141)
    assert admin_tx.to == MULTISEND_CALL_ONLY_141
    foreign = evaluate(policy, "admin", replace(tx, safe=ADDRESSES["ADMIN"]), 1)
    assert "DELEGATECALL_NOT_ALLOWED" in [v.code for v in foreign]


def test_a_chain_without_an_official_multisend_call_only_needs_the_policy_to_name_one() -> None:
    v141, v130 = (known_deployment(a) for a in (MULTISEND_CALL_ONLY_141, MULTISEND_CALL_ONLY_130))
    assert v141 is not None
    assert v130 is not None
    chain = min((known_chains() & v130.chain_ids) - v141.chain_ids)  # an old chain: 1.3.0 only
    with pytest.raises(Refused, match=f"list no MultiSendCallOnly 1.4.1 on chain {chain}$"):
        multisend_call_only_for(V141, chain)
    assert multisend_call_only_for(SafeVersion.parse("1.3.0"), chain) == MULTISEND_CALL_ONLY_130
