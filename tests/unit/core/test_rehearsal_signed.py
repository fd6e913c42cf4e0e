"""Rehearsal records vouched for by a policy signer: EIP-191 over the digest, checked against
the policy; an unsigned, edited or outsider-signed record never counts."""

from __future__ import annotations

from dataclasses import replace

import pytest
from eth_account import Account
from eth_account.messages import _hash_eip191_message, encode_defunct

from safeops.core.actions import plan_pause
from safeops.core.rehearsal import (
    UNSIGNED_HINT,
    Origin,
    RehearsalRecord,
    build_record,
    may_rehearse,
    record_digest,
    record_hash,
    record_signer,
    signed_record,
)
from safeops.core.rehearsal.signed import eip191_hash, record_message
from safeops.core.transactions.safe_tx import SafeVersion
from safeops.errors import Refused
from tests.unit.workflows.fakes import policy, signer

EVE_KEY = "0x" + "42" * 32


def _record() -> RehearsalRecord:
    (action,) = plan_pause(policy(), ["router"])
    plan = action.to_plan(policy(), nonce=0, version=SafeVersion.parse("1.4.1"), created_at="x")
    results = {
        "stacked": [],
        "execution": {"success": True},
        "postconditions": [{"check": "c", "expected": True, "actual": True, "ok": True}],
        "storage_diff": [],
    }
    return build_record(
        plan,
        origin=Origin(plan.chain_id, 7, "0x" + "ab" * 32),
        fork_block=7,
        fork_block_timestamp=1,
        rehearsed_at=2,
        stacked=[],
        stack_skipped=False,
        passed=True,
        results=results,
    )


def _signed(name: str = "alice") -> RehearsalRecord:
    record = _record()
    entry = policy().signers[name]
    return signed_record(record, entry, signer(name).sign_digest(record_hash(record)))


def test_the_message_is_eip191_text_never_a_32_byte_hash() -> None:
    record = _record()
    message = record_message(record.digest)
    assert message == f"safeops rehearsal record 0x{record.digest}".encode()
    assert len(message) != 32  # cannot double as a Safe eth_sign approval
    expected = _hash_eip191_message(encode_defunct(primitive=message))
    assert eip191_hash(message) == expected


def test_a_signed_record_names_its_signer() -> None:
    signed = _signed()
    assert signed.signature is not None
    assert signed.signature["address"] == signer("alice").address
    assert record_signer(signed, policy()).name == "alice"
    assert record_digest(signed.document) == signed.digest  # the signature is outside it


def test_an_unsigned_record_never_counts() -> None:
    with pytest.raises(Refused, match="the rehearsal record is not signed") as refused:
        record_signer(_record(), policy())
    assert refused.value.hint == UNSIGNED_HINT


def test_an_edit_after_signing_breaks_the_signature() -> None:
    document = dict(_signed().document)
    document["rehearsed_at"] = 3
    document["digest"] = record_digest(document)
    with pytest.raises(Refused, match=r"recovers to 0x[0-9a-fA-F]{40}, not to signer alice"):
        record_signer(RehearsalRecord(document), policy())


def test_an_outsiders_signature_in_a_signers_name_is_refused() -> None:
    record = _record()
    eve = Account.from_key(EVE_KEY).unsafe_sign_hash(record_hash(record)).signature
    document = dict(record.document)
    document["signature"] = {
        "signer": "alice",
        "address": signer("alice").address,
        "signature": "0x" + bytes(eve).hex(),
    }
    with pytest.raises(Refused, match=f"recovers to {Account.from_key(EVE_KEY).address}"):
        record_signer(RehearsalRecord(document), policy())
    with pytest.raises(Refused, match="recovers to"):
        signed_record(record, policy().signers["alice"], bytes(eve))


def test_only_proposers_and_signers_may_vouch() -> None:
    base = policy()
    relayer = replace(base.signers["bob"], roles=frozenset({"executor"}))
    executor_only = replace(base, signers={**base.signers, "bob": relayer})
    with pytest.raises(Refused, match="signer bob may not vouch"):
        may_rehearse(executor_only, "bob")
    with pytest.raises(Refused, match="'mallory' is not a signer of the policy"):
        may_rehearse(base, "mallory")
    signed_by_bob = _signed("bob")
    assert record_signer(signed_by_bob, base).name == "bob"
    with pytest.raises(Refused, match="signer bob may not vouch"):
        record_signer(signed_by_bob, executor_only)
