"""The live status line: what safeops is doing right now, and for how long, once it is slow.

Progress lines are printed as they come; the step a line announces lasts until the next one.
A step (or a request inside it, such as an RPC that does not answer) that runs past
SHOW_AFTER_S gets a rich status below the lines, on stderr, with the time elapsed: a person
at a terminal sees what is being waited for. It is never shown off a terminal or with --json
(the Output decides), and a prompt for a password pauses it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rich.console import Console
    from rich.status import Status

SHOW_AFTER_S = 0.5
TICK_S = 0.1

_active: LiveStatus | None = None  # the one a password prompt must pause


class LiveStatus:
    """The current step and what it waits for; `tick` shows, updates or hides the status."""

    def __init__(
        self, console: Console, *, clock: Callable[[], float] = time.monotonic, thread: bool = True
    ) -> None:
        self._console = console
        self._clock = clock
        self._use_thread = thread
        self._lock = threading.RLock()
        self._step: tuple[str, float] | None = None
        self._waits: list[tuple[str, float]] = []
        self._paused = 0
        self._status: Status | None = None
        self._shown: str | None = None
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()

    def step(self, message: str) -> None:
        """A new step begins (the previous one is over)."""
        global _active
        with self._lock:
            self._step = (message.rstrip(" …"), self._clock())
            _active = self
            if self._use_thread and self._thread is None:
                self._thread = threading.Thread(target=self._run, name="safeops-status")
                self._thread.daemon = True  # never keeps the process alive
                self._thread.start()

    @contextmanager
    def waiting(self, label: str) -> Iterator[None]:
        """While the block runs, the status (once shown) names `label`."""
        entry = (label, self._clock())
        with self._lock:
            self._waits.append(entry)
        try:
            yield
        finally:
            with self._lock:
                self._waits.remove(entry)

    @contextmanager
    def paused(self) -> Iterator[None]:
        """Nothing drawn meanwhile: a prompt owns the terminal."""
        with self._lock:
            self._paused += 1
            self._hide()
        try:
            yield
        finally:
            with self._lock:
                self._paused -= 1

    def text(self) -> str | None:
        """What the status says now, or None while everything is quick."""
        now = self._clock()
        with self._lock:
            step, waits = self._step, list(self._waits)
        if waits and now - waits[-1][1] >= SHOW_AFTER_S:
            # What is waited for first: on a narrow terminal the end of the line is cut.
            label, since = waits[-1]
            return f"waiting {now - since:.1f} s for {label}"
        if step and now - step[1] >= SHOW_AFTER_S:
            return f"{step[0]}, {now - step[1]:.1f} s"
        return None

    @property
    def shown(self) -> str | None:
        """The status on screen now, if any."""
        return self._shown

    def tick(self) -> None:
        with self._lock:
            text = None if self._paused else self.text()
            if text is None:
                self._hide()
            elif self._status is None:
                self._status = self._console.status(text, spinner="dots")
                self._status.start()
            else:
                self._status.update(text)
            if text is not None:
                self._shown = text

    def close(self) -> None:
        """Hide the status for good: the result (or an error) is printed next."""
        global _active
        self._stop.set()
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=1)
        with self._lock:
            self._step, self._waits = None, []
            self._hide()
            if _active is self:
                _active = None

    def _hide(self) -> None:
        self._shown = None
        if self._status is not None:
            self._status.stop()
            self._status = None

    def _run(self) -> None:
        while not self._stop.wait(TICK_S):
            self.tick()


@contextmanager
def paused() -> Iterator[None]:
    """Pause the live status, if one is running, around a prompt."""
    status = _active
    if status is None:
        yield
        return
    with status.paused():
        yield
