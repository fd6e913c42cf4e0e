"""Who may sign, propose and execute, by policy name."""

from __future__ import annotations

from safeops.core.policy.roles import executors_of, owners_who_sign, proposers_of
from tests.unit.workflows.fakes import policy


def test_owners_with_the_signer_role_minus_those_who_signed() -> None:
    chosen = policy()
    assert owners_who_sign(chosen, "admin") == ["alice", "bob", "carol"]
    bob = chosen.signers["bob"].address
    assert owners_who_sign(chosen, "admin", {bob, "carol"}) == ["alice"]


def test_executors_and_proposers() -> None:
    chosen = policy()
    assert executors_of(chosen, "pause") == ["oncall", "alice"]
    # the admin Safe's owners first: an owner who proposes also signs
    assert proposers_of(chosen, "unpause", "admin") == ["alice", "oncall"]
    assert proposers_of(chosen, "pause", "guardian") == ["oncall", "alice"]
