"""The one error line an emergency run exits with: its hint says what is down and how to fix it."""

from __future__ import annotations

import pytest

from safeops.cli.render_emergency import raise_for
from safeops.core.emergency import DONE, FAILED, Failure
from safeops.errors import EnvironmentProblem
from safeops.workflows.emergency import EmergencyRun
from safeops.workflows.emergency_outcome import Outcome
from tests.unit.workflows.fakes import multichain_policy

KEYRING_HINT = "Unlock the keyring (log in to the desktop session or unlock it), then retry."


def _locked(safe: str) -> Outcome:
    return Outcome(
        multichain_policy().safes[safe],
        "pause",
        status=FAILED,
        failure=Failure(
            "propose", "KeyringUnavailable", "the OS keyring is locked", KEYRING_HINT, 3
        ),
    )


def test_a_locked_keyring_is_named_in_the_hint_not_an_rpc() -> None:
    with pytest.raises(EnvironmentProblem) as raised:
        raise_for(EmergencyRun("pause", [_locked("guardian")]))
    assert raised.value.hint == f"{KEYRING_HINT} Then run the same command again."


def test_the_hint_says_the_other_safes_went_through_only_when_they_did() -> None:
    done = Outcome(multichain_policy().safes["guardian"], "pause", status=DONE)
    with pytest.raises(EnvironmentProblem) as raised:
        raise_for(EmergencyRun("pause", [done, _locked("guardian_2")]))
    assert raised.value.hint == (
        f"{KEYRING_HINT} The other Safes went through: run the same command again once it is fixed."
    )
    assert "guardian_2 (chain 31338) propose: the OS keyring is locked" in raised.value.message
