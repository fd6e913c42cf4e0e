"""Ctrl-C and SIGTERM: raised like Ctrl-C, held back across unsplittable steps; test pauses."""

from __future__ import annotations

import json
import os
import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType

from safeops.errors import ExitCode

INTERRUPTED_EXIT = int(ExitCode.INTERRUPTED)
TERMINATED_EXIT = int(ExitCode.TERMINATED)

PAUSE_AT_ENV = "SAFEOPS_TEST_PAUSE_AT"
PAUSE_FILE_ENV = "SAFEOPS_TEST_PAUSE_FILE"
MAX_PAUSE_S = 30.0


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised as a KeyboardInterrupt so that every `finally` runs exactly as for
    Ctrl-C: the fork is torn down and the audit entry written instead of dying mid-step."""


class Interrupted(KeyboardInterrupt):
    """An interrupt after a step the operator must know about, e.g. a transaction already
    handed to the node: `message` says what happened, `details` go to the audit entry."""

    def __init__(self, message: str, cause: KeyboardInterrupt, **details: str) -> None:
        super().__init__(message)
        self.message = message
        self.details = details
        self.terminated = isinstance(cause, Terminated)


def exit_code_of(interrupt: KeyboardInterrupt) -> int:
    terminated = isinstance(interrupt, Terminated) or getattr(interrupt, "terminated", False)
    return TERMINATED_EXIT if terminated else INTERRUPTED_EXIT


def _in_main_thread() -> bool:
    # Python runs signal handlers in the main thread only, and only it may install them.
    return threading.current_thread() is threading.main_thread()


@contextmanager
def sigterm_raises() -> Iterator[None]:
    """Within the block, SIGTERM raises `Terminated` instead of killing the process outright
    (Python's default), which would leave a fork's anvil running. The handler is restored."""
    if not _in_main_thread():
        yield
        return

    def terminate(_signum: int, _frame: FrameType | None) -> None:
        raise Terminated

    previous = signal.signal(signal.SIGTERM, terminate)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous if previous is not None else signal.SIG_DFL)


@contextmanager
def signals_held() -> Iterator[None]:
    """Hold SIGINT and SIGTERM back for a step that must not be split once started: stopping
    a fork, handing a transaction to the node, appending an audit entry. A signal that comes
    meanwhile is delivered as soon as the block ends."""
    if not hasattr(signal, "pthread_sigmask"):
        yield
        return
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


_armed: dict[str, str | None] = {"at": None, "flag": None}


def arm_pause_points(at: str | None, flag: str | None) -> None:
    """TEST ONLY: the CLI arms the pause point named by SAFEOPS_TEST_PAUSE_AT (with the flag
    file of SAFEOPS_TEST_PAUSE_FILE); nothing else does, so a real run never pauses."""
    _armed.update(at=at, flag=flag)


def pause_point(name: str, **info: object) -> None:
    """TEST ONLY, for the fault tests to signal a run at a known step. When armed at `name`,
    write {"point", "pid", **info} as JSON to the flag file, then sleep (at most 30 s, then
    carry on) until a signal comes. Unarmed, as in any real run, this does nothing."""
    if _armed["at"] != name:
        return
    flag = _armed["flag"]
    if flag:
        # Written whole, then renamed: the test must never read half of it.
        partial = Path(f"{flag}.partial")
        partial.write_text(json.dumps({"point": name, "pid": os.getpid(), **info}))
        partial.replace(flag)
    deadline = time.monotonic() + MAX_PAUSE_S
    while time.monotonic() < deadline:
        time.sleep(0.02)
