"""`emergency` on one chain (fakes): one command per signer, idempotent, each refusal named."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from safeops.core.emergency import ALREADY_DONE, DONE, FAILED, REHEARSED, WAITING
from safeops.errors import RpcUnavailable
from safeops.keys.run_signer import RunScopedSigner
from safeops.workflows.emergency import EmergencyRun, emergency
from safeops.workflows.emergency_flow import run_safe
from safeops.workflows.emergency_intents import PauseIntent, RevokeIntent, WithdrawIntent
from tests.unit.workflows.fakes import World, signer, world

ALL = PauseIntent((), all_targets=True, unpause=False)
UNPAUSE_ROUTER = PauseIntent(("router",), all_targets=False, unpause=True)


@pytest.fixture
def w(tmp_path: Path) -> World:
    return world(tmp_path)


def statuses(run: EmergencyRun) -> list[tuple[str, str]]:
    return [(o.safe.name, o.status) for o in run.outcomes]


def test_pause_executes_when_the_signer_meets_the_threshold(w: World) -> None:
    run = emergency(w.session, ALL, signer("oncall"))
    (outcome,) = run.outcomes
    assert (outcome.status, outcome.rehearsed, run.exit_code, run.done) == (DONE, True, 0, True)
    assert outcome.executed is not None
    assert outcome.executed.proven
    assert outcome.items == ["router", "lending", "vault"]
    assert w.chain("guardian").sent == [outcome.written.plan.safe_tx_hash]  # type: ignore[union-attr]
    assert run.to_json()["tx_hash"] == outcome.executed.tx_hash


def test_targets_already_paused_are_left_out_and_reported(w: World) -> None:
    policy = w.session.policy
    w.chain("guardian").holding = {policy.targets["lending"].address}
    (outcome,) = emergency(w.session, ALL, signer("oncall")).outcomes
    assert (outcome.status, outcome.items, outcome.already) == (
        DONE,
        ["router", "vault"],
        ["lending"],
    )
    plan = outcome.written.plan  # type: ignore[union-attr]
    assert [c.to for c in plan.calls] == [
        policy.targets["router"].address,
        policy.targets["vault"].address,
    ]


def test_everything_already_paused_proposes_nothing_and_exits_0(w: World) -> None:
    w.chain("guardian").holding = {t.address for t in w.session.policy.targets.values()}
    run = emergency(w.session, ALL, signer("oncall"))
    (outcome,) = run.outcomes
    assert (outcome.status, outcome.words, run.exit_code) == (ALREADY_DONE, "already paused", 0)
    assert outcome.already == ["router", "lending", "vault"]
    assert outcome.written is None
    assert w.store("guardian").pending() == []
    assert w.chain("guardian").sent == []


def test_unpause_stops_after_proposing_and_names_who_must_sign(w: World) -> None:
    run = emergency(w.session, UNPAUSE_ROUTER, signer("alice"))
    (outcome,) = run.outcomes
    assert (outcome.status, outcome.confirmations, outcome.threshold) == (WAITING, 1, 2)
    assert outcome.signed_by == ["alice"]
    assert outcome.missing_signers == ["bob", "carol"]
    assert outcome.waiting_for == {"signatures": 1, "signers": ["bob", "carol"]}
    assert run.exit_code == 1  # the router is not unpaused yet
    assert w.chain("admin").sent == []


def test_the_next_signers_run_the_same_command_and_the_threshold_completer_executes(
    w: World,
) -> None:
    first = emergency(w.session, UNPAUSE_ROUTER, signer("alice")).outcomes[0]
    # bob may only sign: the threshold is met, but an executor must send it.
    second = emergency(w.session, UNPAUSE_ROUTER, signer("bob")).outcomes[0]
    assert (second.status, second.resumed, second.confirmations) == (WAITING, True, 2)
    assert second.waiting_for == {"signatures": 0, "executors": ["oncall", "alice"]}
    assert w.chain("admin").sent == []
    third = emergency(w.session, UNPAUSE_ROUTER, signer("alice")).outcomes[0]
    assert (third.status, third.resumed) == (DONE, True)
    hashes = {o.written.plan.safe_tx_hash for o in (first, second, third)}  # type: ignore[union-attr]
    assert len(hashes) == 1
    assert w.chain("admin").sent == list(hashes)


def test_a_signer_who_may_not_propose_has_nothing_to_sign_yet(w: World) -> None:
    (outcome,) = emergency(w.session, UNPAUSE_ROUTER, signer("bob")).outcomes
    assert outcome.status == FAILED
    assert outcome.failure is not None
    assert (outcome.failure.step, outcome.failure.exit_code) == ("propose", 1)
    assert "may not propose, and nothing is pending to sign" in outcome.failure.message
    assert w.store("admin").pending() == []


@pytest.mark.parametrize(("broken", "step"), [("review", "review"), ("rehearsal", "rehearse")])
def test_a_failed_review_or_rehearsal_proposes_nothing_and_says_why(
    w: World, broken: str, step: str
) -> None:
    if broken == "review":
        w.chain("guardian").simulation_ok = False
    else:
        w.rehearser.passed = False
    run = emergency(w.session, ALL, signer("oncall"))
    (outcome,) = run.outcomes
    assert outcome.failure is not None
    assert (outcome.status, outcome.failure.step, run.exit_code) == (FAILED, step, 1)
    if broken == "review":  # the decoded revert reason is in the one line
        assert outcome.failure.message == "review failed: simulation failed: Pausable: paused"
    assert w.store("guardian").pending() == []
    assert w.chain("guardian").sent == []


def test_a_dry_run_stops_after_the_rehearsal(w: World) -> None:
    run = emergency(w.session, ALL, signer("oncall"), dry_run=True)
    (outcome,) = run.outcomes
    assert (outcome.status, outcome.rehearsed, run.exit_code, run.done) == (
        REHEARSED,
        True,
        0,
        False,
    )
    assert w.store("guardian").pending() == []


def test_an_interrupted_run_stops_before_its_next_step(w: World) -> None:
    import threading

    cancel = threading.Event()
    cancel.set()
    (outcome,) = run_safe(w.session, ALL, "guardian", signer("oncall"), cancel=cancel)
    assert outcome.failure is not None
    assert (outcome.failure.kind, outcome.failure.step) == ("Cancelled", "read")
    assert w.chain("guardian").sent == []


def test_revoke_leaves_out_accounts_already_revoked(w: World) -> None:
    members = ["0x" + f"{i:040x}" for i in (1, 2, 3)]
    from eth_utils.address import to_checksum_address

    accounts = tuple(to_checksum_address(m) for m in members)
    allowlist = w.session.policy.allowlists["members"]
    w.chain("admin").holding = set()
    intent = RevokeIntent("members", accounts)
    (outcome,) = emergency(w.session, intent, signer("alice")).outcomes
    assert (outcome.status, outcome.items, outcome.already) == (WAITING, list(accounts), [])
    # Once revoked, the same command has nothing left to do on that allow-list.
    w.chain("admin").holding = {allowlist.address}
    (again,) = emergency(w.session, intent, signer("alice")).outcomes
    assert (again.status, again.already) == (ALREADY_DONE, list(accounts))


def test_withdraw_all_tokens_of_an_empty_vault_is_already_done(
    w: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    chain = w.chain("admin")
    monkeypatch.setattr(chain, "token_balances", lambda holder, tokens: dict.fromkeys(tokens, 0))
    intent = WithdrawIntent("main", "cold", all_tokens=True)
    (outcome,) = emergency(w.session, intent, signer("alice")).outcomes
    assert (outcome.status, outcome.note) == (ALREADY_DONE, "vault main holds none of its tokens")


def test_a_withdrawal_just_executed_is_not_repeated_unless_asked(w: World) -> None:
    intent = WithdrawIntent("main", "cold", token="dUSD", amount="1000")
    emergency(w.session, intent, signer("alice"))
    emergency(w.session, intent, signer("bob"))
    done = emergency(w.session, intent, signer("alice")).outcomes[0]
    assert done.status == DONE
    late = emergency(w.session, intent, signer("carol")).outcomes[0]
    assert (late.status, late.executed_before) == (ALREADY_DONE, done.executed.tx_hash)  # type: ignore[union-attr]
    assert w.store("admin").pending() == []
    again = WithdrawIntent("main", "cold", token="dUSD", amount="1000", once=False)
    (second,) = emergency(w.session, again, signer("alice")).outcomes
    assert (second.status, second.written.plan.tx.nonce) == (WAITING, 1)  # type: ignore[union-attr]


def test_the_key_is_fetched_once_per_run_and_wiped_after(w: World) -> None:
    from tests.unit.workflows.fakes import DEV_KEYS

    fetches = []

    def fetch() -> bytes:
        fetches.append(1)
        return bytes.fromhex(DEV_KEYS["oncall"][2:])

    address = w.session.policy.signers["oncall"].address
    with RunScopedSigner("oncall", address, "test", fetch) as key:
        run = emergency(w.session, ALL, key)
        assert key.fetched
    assert run.outcomes[0].status == DONE  # it signed the proposal and the execution
    assert fetches == [1]
    assert not key.fetched
    with pytest.raises(RuntimeError, match="closed"):
        key.verify()


def test_a_pending_proposal_of_another_policy_is_not_resumed(w: World) -> None:
    from dataclasses import replace

    from safeops.core.actions import plan_pause
    from safeops.workflows.plan import make_plans

    (written,) = make_plans(w.session, plan_pause(w.session.policy, ["router"], unpause=True))
    w.store("admin").put(replace(written.plan, policy_digest="0" * 64), {}, "alice")
    (outcome,) = emergency(w.session, UNPAUSE_ROUTER, signer("alice")).outcomes
    assert (outcome.resumed, outcome.status) == (False, WAITING)
    assert outcome.written.plan.tx.nonce == 1  # type: ignore[union-attr]


def test_a_stored_signature_execution_would_not_count_is_not_counted(tmp_path: Path) -> None:
    """Anyone who can write the proposal folder can file junk under an owner: the report
    counts what execution would count, and still waits for that owner."""
    w = world(tmp_path)
    first = emergency(w.session, UNPAUSE_ROUTER, signer("alice")).outcomes[0]
    assert first.status == WAITING
    assert first.written is not None
    bob = w.session.policy.signers["bob"].address
    w.store("admin").add_signature(first.written.plan, bob, "0x" + "11" * 65)
    again = emergency(w.session, UNPAUSE_ROUTER, signer("alice")).outcomes[0]
    assert again.status == WAITING, again.failure
    assert again.confirmations == 1
    assert again.signed_by == ["alice"]
    assert "bob" in again.missing_signers


def test_a_node_that_will_not_search_its_logs_does_not_stop_the_emergency(w: World) -> None:
    """An earlier proposal left below the Safe's nonce is looked up on chain; a node that
    refuses the log search (a capped eth_getLogs range) is worked around, not fatal."""
    emergency(w.session, UNPAUSE_ROUTER, signer("alice"))  # pending at the Safe's nonce
    admin = w.chain("admin")
    assert admin.current is not None
    admin.current = replace(admin.current, nonce=admin.current.nonce + 1)  # used elsewhere
    admin.log_search_error = RpcUnavailable(
        "RPC failed on eth_getLogs (HTTP 400)", hint="Check the RPC URL."
    )
    (outcome,) = emergency(w.session, UNPAUSE_ROUTER, signer("alice")).outcomes
    assert outcome.status == WAITING, outcome.failure
    assert outcome.written is not None
    assert outcome.written.plan.tx.nonce == admin.current.nonce
