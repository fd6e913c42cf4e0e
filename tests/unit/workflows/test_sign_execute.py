"""`sign` and `execute` on fakes: every refusal before a signature or a send, and the proof."""

from __future__ import annotations

from pathlib import Path

import pytest

from safeops.core.actions import plan_pause
from safeops.core.plan import Plan
from safeops.core.transactions.safe_tx import SafeTxHash
from safeops.errors import BadInput, Refused
from safeops.workflows.execute import execute
from safeops.workflows.plan import make_plans
from safeops.workflows.propose import propose
from safeops.workflows.rehearse import rehearse_plan
from safeops.workflows.sign import sign
from tests.unit.workflows.fakes import World, signer, world


@pytest.fixture
def w(tmp_path: Path) -> World:
    return world(tmp_path)


def _proposed(w: World, *, unpause: bool = False, by: str = "oncall") -> Plan:
    actions = plan_pause(w.session.policy, ["router"], unpause=unpause)
    (written,) = make_plans(w.session, actions)
    rehearse_plan(w.session, written.path, written.plan)
    propose(w.session, written.path, signer(by))
    return written.plan


def test_a_second_owner_signs_after_a_fresh_review(w: World) -> None:
    plan = _proposed(w, unpause=True, by="alice")  # the admin Safe: 2 of 3
    signed = sign(w.session, plan.safe_tx_hash, signer("bob"))
    assert (signed.confirmations, signed.threshold, signed.signer) == (2, 2, signer("bob").address)
    assert signed.to_json()["domain_hash"] == plan.inspection.hashes.to_json()["domain_hash"]
    assert w.chain("admin").simulated  # the review ran again, on the live Safe


def test_signing_refuses_what_does_not_pass_review_now(w: World) -> None:
    plan = _proposed(w, unpause=True, by="alice")
    w.chain("admin").simulation_ok = False
    with pytest.raises(Refused, match=r"does not pass review now: .*Pausable: paused"):
        sign(w.session, plan.safe_tx_hash, signer("bob"))
    stored = w.store("admin").get(plan.safe_tx_hash)
    assert stored is not None
    assert len(stored.signatures) == 1


def test_signing_refuses_a_safe_that_runs_another_version(w: World) -> None:
    plan = _proposed(w, unpause=True, by="alice")
    w.set_state("admin", version="1.3.0")
    with pytest.raises(Refused):
        sign(w.session, plan.safe_tx_hash, signer("bob"))


def test_a_non_owner_and_a_stranger_signature_are_refused(w: World) -> None:
    plan = _proposed(w, unpause=True, by="alice")
    with pytest.raises(Refused, match=r"signer oncall .* is not an owner of the Safe now"):
        sign(w.session, plan.safe_tx_hash, signer("oncall"))
    oncall_signature = "0x" + signer("oncall").sign_digest(plan.safe_tx_hash.raw).hex()
    with pytest.raises(Refused, match=r"signature is 0x.*: not an owner now"):
        sign(w.session, plan.safe_tx_hash, None, signature=oncall_signature)


def test_unknown_and_executed_proposals(w: World) -> None:
    with pytest.raises(BadInput, match="no proposal 0x0000"):
        sign(w.session, SafeTxHash(bytes(32)), signer("bob"))
    plan = _proposed(w)
    done = execute(w.session, plan.safe_tx_hash, signer("oncall"), "oncall")
    with pytest.raises(Refused, match=f"already done: .* was executed in {done.tx_hash}"):
        sign(w.session, plan.safe_tx_hash, signer("alice"))
    again = execute(w.session, plan.safe_tx_hash, signer("oncall"), "oncall")
    assert (again.already_done, again.tx_hash, again.proven) == (True, done.tx_hash, True)
    assert w.chain("guardian").sent == [plan.safe_tx_hash]  # nothing sent the second time


def test_export_writes_the_typed_data(w: World, tmp_path: Path) -> None:
    plan = _proposed(w, unpause=True, by="alice")
    out = tmp_path / "typed.json"
    exported = sign(w.session, plan.safe_tx_hash, None, export_typed_data=out)
    assert exported.exported == str(out)
    assert '"primaryType": "SafeTx"' in out.read_text()


def test_execute_sends_once_marks_executed_and_proves(w: World) -> None:
    plan = _proposed(w)
    done = execute(w.session, plan.safe_tx_hash, signer("oncall"), "oncall")
    assert done.success
    assert done.proven
    assert w.chain("guardian").sent == [plan.safe_tx_hash]
    stored = w.store("guardian").get(plan.safe_tx_hash)
    assert stored is not None
    assert stored.executed_tx == done.tx_hash


def test_failed_proofs_are_reported_not_hidden(w: World) -> None:
    plan = _proposed(w)
    w.chain("guardian").proofs_ok = False
    done = execute(w.session, plan.safe_tx_hash, signer("oncall"), "oncall")
    assert done.success
    assert not done.proven


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        ("threshold", "drifted from the policy"),
        ("nonce", "the Safe is at nonce 1, this transaction has 0: it was executed or replaced"),
        ("final", "the final simulation with the real signatures fails"),
        ("executor", "signer bob may not execute a unpause"),
        ("signatures", "1 distinct owner signature(s), the threshold is 2"),
    ],
)
def test_execute_refuses_before_sending(w: World, setup: str, message: str) -> None:
    plan = _proposed(w, unpause=True, by="alice")
    executor = "alice"
    if setup == "threshold":
        w.set_state("admin", threshold=3)
    elif setup == "nonce":
        w.set_state("admin", nonce=1)
    elif setup == "final":
        sign(w.session, plan.safe_tx_hash, signer("bob"))
        w.chain("admin").signed_simulation_ok = False
    elif setup == "executor":
        executor = "bob"
    with pytest.raises(Refused, match=message.replace("(", r"\(").replace(")", r"\)")):
        execute(w.session, plan.safe_tx_hash, signer(executor), executor)
    assert w.chain("admin").sent == []
