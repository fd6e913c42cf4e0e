"""`emergency` across chains (fakes): each Safe on its own, at once, reported one by one."""

from __future__ import annotations

from pathlib import Path

import pytest

from safeops.core.actions import plan_pause
from safeops.core.emergency import ALREADY_DONE, DONE, FAILED, WAITING
from safeops.errors import BadInput
from safeops.workflows.emergency import emergency
from safeops.workflows.emergency_intents import PauseIntent
from safeops.workflows.plan import make_plans
from safeops.workflows.proposals import find_proposal
from safeops.workflows.propose import propose
from safeops.workflows.rehearse import rehearse_plan
from tests.unit.workflows.fakes import (
    CHAINS,
    OWN_MULTISEND,
    World,
    multichain_policy,
    signer,
    world,
)

ALL = PauseIntent((), all_targets=True, unpause=False)
GUARDIANS = ["guardian", "guardian_2", "guardian_3"]


@pytest.fixture
def w(tmp_path: Path) -> World:
    return world(tmp_path, multichain_policy())


def test_the_policy_spans_three_chains_with_one_safe_address_on_two() -> None:
    safes = multichain_policy().safes
    assert [safes[name].chain_id for name in GUARDIANS] == list(CHAINS)
    assert safes["guardian"].address == safes["guardian_2"].address
    assert safes["guardian_3"].address != safes["guardian"].address
    assert safes["guardian_3"].libraries.multisend_call_only == OWN_MULTISEND


def test_one_address_on_two_chains_is_named_after_its_own_chain() -> None:
    policy = multichain_policy()
    router = policy.targets["router"].address
    assert policy.targets["router_2"].address == router
    assert policy.labels()[router] == "targets.router"
    assert policy.labels(CHAINS[1])[router] == "targets.router_2"
    assert policy.labels(CHAINS[1])[policy.signers["alice"].address] == "signers.alice"
    assert policy.labels(CHAINS[2])[policy.safes["admin_3"].address] == "safes.admin_3"


def test_pause_all_pauses_every_chain_each_with_its_own_transaction(w: World) -> None:
    run = emergency(w.session, ALL, signer("oncall"))
    assert [(o.safe.name, o.status) for o in run.outcomes] == [(n, DONE) for n in GUARDIANS]
    assert (run.exit_code, run.done) == (0, True)
    plans = [o.written.plan for o in run.outcomes]  # type: ignore[union-attr]
    assert [p.chain_id for p in plans] == list(CHAINS)
    for name, plan in zip(GUARDIANS, plans, strict=True):
        assert w.chain(name).sent == [plan.safe_tx_hash]
    assert plans[2].tx.to == OWN_MULTISEND  # the non-canonical chain's own batcher
    assert len({p.safe_tx_hash for p in plans}) == 3


def test_a_dead_chain_is_named_and_the_others_still_go_through(w: World) -> None:
    w.chain("guardian_2").down = True
    run = emergency(w.session, ALL, signer("oncall"))
    assert [(o.safe.name, o.status) for o in run.outcomes] == [
        ("guardian", DONE),
        ("guardian_2", FAILED),
        ("guardian_3", DONE),
    ]
    failure = run.outcomes[1].failure
    assert failure is not None
    assert (failure.step, failure.exit_code, failure.kind) == ("read", 3, "RpcUnavailable")
    assert f"chain {CHAINS[1]}" in failure.message
    assert run.exit_code == 3  # only an unreachable environment is in the way
    assert w.chain("guardian_2").sent == []


def test_a_refusal_on_one_chain_is_exit_1_and_leaves_the_others_done(w: World) -> None:
    w.chain("guardian_2").down = True
    w.chain("guardian_3").simulation_ok = False
    run = emergency(w.session, ALL, signer("oncall"))
    assert [o.status for o in run.outcomes] == [DONE, FAILED, FAILED]
    assert run.exit_code == 1


def test_a_failed_rehearsal_on_one_chain_stops_only_that_chain(w: World) -> None:
    w.rehearser.failing = {w.chain("guardian").fork_origin()}
    run = emergency(w.session, ALL, signer("oncall"))
    assert [o.status for o in run.outcomes] == [FAILED, DONE, DONE]
    assert run.outcomes[0].failure.step == "rehearse"  # type: ignore[union-attr]


def test_an_already_paused_target_on_one_chain_does_not_stop_the_rest(w: World) -> None:
    router = w.session.policy.targets["router_2"].address
    w.chain("guardian_2").holding = {router}
    run = emergency(w.session, ALL, signer("oncall"))
    assert [o.status for o in run.outcomes] == [DONE, DONE, DONE]
    second = run.outcomes[1]
    assert (second.items, second.already) == (["lending_2", "vault_2"], ["router_2"])
    # The same address on chain 1 is another contract: nothing was left out there.
    assert run.outcomes[0].items == ["router", "lending", "vault"]


def test_a_chain_with_everything_paused_is_already_done(w: World) -> None:
    w.chain("guardian_3").holding = {
        t.address for n, t in w.session.policy.targets.items() if n.endswith("_3")
    }
    run = emergency(w.session, ALL, signer("oncall"))
    assert [o.status for o in run.outcomes] == [DONE, DONE, ALREADY_DONE]
    assert w.chain("guardian_3").sent == []
    assert run.exit_code == 0


def test_a_proposal_pending_on_one_chain_never_affects_another(w: World) -> None:
    """The measured bug: a proposal pending for the guardian on chain 1 made the same Safe
    address on chain 2 plan at nonce 1 and "resume" chain 1's proposal."""
    policy = w.session.policy
    (pending,) = make_plans(w.session, plan_pause(policy, ["router"], unpause=True))
    rehearse_plan(w.session, pending.path, pending.plan)
    propose(w.session, pending.path, signer("alice"))  # admin (chain 1): 1 of 2
    (on_two,) = make_plans(w.session, plan_pause(policy, ["router_2"], unpause=True))
    assert (on_two.plan.chain_id, on_two.plan.tx.nonce) == (CHAINS[1], 0)
    intent = PauseIntent(("router_2",), all_targets=False, unpause=True)
    (outcome,) = emergency(w.session, intent, signer("alice")).outcomes
    assert (outcome.safe.name, outcome.resumed, outcome.status) == ("admin_2", False, WAITING)
    assert outcome.written.plan.chain_id == CHAINS[1]  # type: ignore[union-attr]
    assert [p.safe_tx_hash for p in w.store("admin").pending()] == [pending.plan.safe_tx_hash]


def test_one_hash_in_two_safes_stores_must_be_named(w: World) -> None:
    """Safes below 1.3.0 hash without the chain id: the same Safe on two chains gives the
    same safeTxHash, and looking it up by hash alone must not pick one."""
    from dataclasses import replace

    from safeops.core.transactions.safe_tx import SafeVersion

    policy = w.session.policy
    (written,) = make_plans(w.session, plan_pause(policy, ["router"]))
    legacy = replace(written.plan, safe_version=SafeVersion.parse("1.1.1"))
    other = replace(legacy, safe_name="guardian_2", chain_id=CHAINS[1])
    assert legacy.safe_tx_hash == other.safe_tx_hash
    w.store("guardian").put(legacy, {}, "oncall")
    w.store("guardian_2").put(other, {}, "oncall")
    with pytest.raises(BadInput, match=r"stores of several Safes: guardian .* guardian_2"):
        find_proposal(w.session, legacy.safe_tx_hash)


def test_an_interrupt_stops_every_safe_at_its_next_step_and_keeps_the_report(
    w: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ctrl-C reaches the main thread only: the Safes' threads stop between steps (never in
    the middle of one), and the run still reports each Safe before it exits 130."""
    import threading

    import safeops.workflows.emergency as module

    gate = threading.Event()
    for name in GUARDIANS:
        chain = w.chain(name)
        reading = chain.state

        def held(read=reading):  # type: ignore[no-untyped-def]
            gate.wait(timeout=10)
            return read()

        monkeypatch.setattr(chain, "state", held)
    real_wait = module.wait
    calls = []

    def wait(futures):  # type: ignore[no-untyped-def]
        calls.append(1)
        if len(calls) == 1:
            raise KeyboardInterrupt
        gate.set()  # the threads were mid-read when Ctrl-C came: let that read finish
        return real_wait(futures)

    monkeypatch.setattr(module, "wait", wait)
    run = emergency(w.session, ALL, signer("oncall"))
    assert isinstance(run.interrupted, KeyboardInterrupt)
    assert [(o.status, o.failure.kind, o.failure.step) for o in run.outcomes] == [  # type: ignore[union-attr]
        (FAILED, "Cancelled", "check")
    ] * 3
    assert all(w.chain(name).sent == [] for name in GUARDIANS)
