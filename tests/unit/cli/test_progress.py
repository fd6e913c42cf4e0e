"""The live status: shown once a step or a request is slow, with what it waits for."""

from __future__ import annotations

import io

from rich.console import Console

from safeops.cli import progress
from safeops.cli.console import Output
from safeops.cli.progress import LiveStatus


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def _live() -> tuple[LiveStatus, Clock, io.StringIO]:
    clock, out = Clock(), io.StringIO()
    console = Console(file=out, force_terminal=True, width=120)
    return LiveStatus(console, clock=clock, thread=False), clock, out


def test_a_quick_step_shows_nothing() -> None:
    live, clock, out = _live()
    live.step("reviewing 0xab… (guardian) …")
    clock.now += 0.4
    assert live.text() is None
    live.tick()
    assert live.shown is None
    assert out.getvalue() == ""


def test_a_slow_step_shows_its_elapsed_time() -> None:
    live, clock, out = _live()
    live.step("rehearsing on a fork …")
    clock.now += 1.25
    assert live.text() == "rehearsing on a fork, 1.2 s"
    live.tick()
    assert live.shown == "rehearsing on a fork, 1.2 s"
    clock.now += 1
    live.tick()
    assert live.shown == "rehearsing on a fork, 2.2 s"
    live.close()
    assert live.shown is None
    assert "rehearsing on a fork" in out.getvalue()  # drawn on the terminal, then erased


def test_a_slow_request_names_what_it_waits_for() -> None:
    live, clock, _ = _live()
    live.step("reading Safe guardian on chain 1 (2 RPCs) …")
    clock.now += 0.1
    with live.waiting("https://rpc.example (eth_chainId, gives up after 3 s)"):
        clock.now += 2.5
        assert (
            live.text() == "waiting 2.5 s for https://rpc.example (eth_chainId, gives up after 3 s)"
        )
    assert live.text() == "reading Safe guardian on chain 1 (2 RPCs), 2.6 s"


def test_a_prompt_pauses_it() -> None:
    live, clock, _out = _live()
    live.step("signing …")
    clock.now += 1
    with progress.paused():  # a password prompt, wherever it is asked
        live.tick()
        assert live.shown is None
    live.tick()
    assert live.shown == "signing, 1.0 s"
    live.close()


def test_off_the_terminal_and_with_json_there_is_none() -> None:
    assert Output()._live_status() is None  # pytest's stderr is no terminal
    assert Output(json_mode=True)._live_status() is None
