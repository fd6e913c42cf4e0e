"""Ctrl-C and SIGTERM handling: held-back signals, SIGTERM as an exception, test pauses."""

from __future__ import annotations

import json
import os
import signal
import time
from pathlib import Path

import pytest

from safeops.cli.app import _command_path
from safeops.interrupts import (
    MAX_PAUSE_S,
    Interrupted,
    Terminated,
    arm_pause_points,
    exit_code_of,
    pause_point,
    signals_held,
    sigterm_raises,
)


def _step(steps: list[str], signum: int) -> None:
    os.kill(os.getpid(), signum)
    time.sleep(0.05)  # time enough for a signal that is not held back to arrive
    steps.append("finished")


def test_a_signal_held_back_is_delivered_when_the_step_ends() -> None:
    steps: list[str] = []

    def held_step() -> None:
        with signals_held():
            _step(steps, signal.SIGINT)

    with pytest.raises(KeyboardInterrupt):
        held_step()
    assert steps == ["finished"]


def test_sigterm_raises_terminated_within_and_only_within() -> None:
    before = signal.getsignal(signal.SIGTERM)
    steps: list[str] = []

    def terminated_step() -> None:
        with sigterm_raises():
            _step(steps, signal.SIGTERM)

    with pytest.raises(Terminated):
        terminated_step()
    assert steps == []
    assert signal.getsignal(signal.SIGTERM) == before


def test_exit_codes_follow_the_shell() -> None:
    assert exit_code_of(KeyboardInterrupt()) == 130
    assert exit_code_of(Terminated()) == 143
    assert exit_code_of(Interrupted("after sending 0x12", Terminated(), tx_hash="0x12")) == 143


def test_the_interrupted_command_is_named_for_the_audit_log() -> None:
    assert _command_path(["--json", "--policy", "p.toml", "rehearse", "plan.json"]) == "rehearse"
    assert _command_path(["emergency", "pause", "--all", "--signer", "oncall"]) == (
        "emergency pause"
    )
    assert _command_path(["--json"]) == "safeops"


def test_pause_points_do_nothing_unless_named(tmp_path: Path) -> None:
    flag = tmp_path / "paused.json"
    arm_pause_points("elsewhere", str(flag))
    started = time.monotonic()
    pause_point("here", port=1)
    assert time.monotonic() - started < MAX_PAUSE_S / 10
    assert not flag.exists()
    arm_pause_points(None, str(flag))
    pause_point("here", port=1)
    assert not flag.exists()


def test_a_named_pause_point_reports_and_waits_for_a_signal(tmp_path: Path) -> None:
    flag = tmp_path / "paused.json"
    arm_pause_points("here", str(flag))
    signal.setitimer(signal.ITIMER_REAL, 0.2)  # SIGALRM: the test's own "signal at that step"
    previous = signal.signal(signal.SIGALRM, signal.default_int_handler)
    try:
        with pytest.raises(KeyboardInterrupt):
            pause_point("here", port=8545)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        arm_pause_points(None, None)
    assert json.loads(flag.read_text()) == {"point": "here", "pid": os.getpid(), "port": 8545}
