"""Suite-wide secret hygiene: no test may let a demo or sentinel key show in output or a file."""

from __future__ import annotations

import os
import re
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from safeops.devnet.deploy import DEV_KEYS
from tests.helpers_secrets import HEX_WINDOW, SENTINEL_KEY, secret_needles

# Registered from tests/conftest.py (`pytest_plugins`). For every test it scans what the test
# could have shown an operator: the output pytest captured (stdout, stderr, logs, all phases),
# everything read through `capsys`/`capfd.readouterr()` (the in-process CLI runs), and everything
# a subprocess returned through `communicate()` (`cli_process` and the like). For integration
# tests it also reads the files written during the test in the temp folders created for it (its
# tmp_path, its fixtures'), in the session's system temp folder and in the checkout's `.safeops/`.
# At the end of the session it reads every file written under pytest's temp folder during the
# session once more (audit logs, plans, proposal stores, keystores, OpenBao and gnome-keyring
# homes and logs included) and the checkout's `.safeops/`; a leak there fails the last test.
#
# The keys looked for are the devnet's signer keys (`DEV_KEYS`: public anvil keys, but the rule
# is that no command ever prints or writes a key, whichever it is) and the suite's SENTINEL_KEY,
# in every spelling `tests.helpers_secrets` knows: any run of 16 hex digits of one, any case,
# and the raw or base64 bytes. Encrypted keystores and keyrings hold none of these.
#
# The system temp folder is pointed (TMPDIR, `tempfile.tempdir`) at a folder inside pytest's for
# the session, so that what any library or child process writes "to /tmp" is scanned too, and
# nothing another user of the machine wrote there can raise a false alarm.
KEYS = {**{f"devnet {name}": key for name, key in DEV_KEYS.items()}, "sentinel": SENTINEL_KEY}
MAX_FILE_BYTES = 50_000_000
SYSTEM_TMP = "system-tmp"
_HEX_RUN = re.compile(rb"[0-9a-f]{%d,}" % HEX_WINDOW)


class KeyScanner:
    """Finds any of `keys` in text or bytes in one pass over the hex runs of the data."""

    def __init__(self, keys: Mapping[str, str]) -> None:
        self._windows: dict[bytes, str] = {}
        self._byte_forms: list[tuple[bytes, str]] = []
        for label, key in keys.items():
            windows, byte_forms = secret_needles(key)
            self._windows.update({window.encode(): label for window in windows})
            self._byte_forms += [(form, label) for form in byte_forms]

    def find(self, data: str | bytes) -> str | None:
        """Which key occurs in `data` and where, without repeating any of its digits."""
        if isinstance(data, str):
            data = data.encode("utf-8", errors="surrogateescape")
        for form, label in self._byte_forms:
            if form in data:
                return f"the {label} key (raw or base64 bytes) at offset {data.index(form)}"
        for run in _HEX_RUN.finditer(data.lower()):
            digits = run.group()
            for start in range(len(digits) - HEX_WINDOW + 1):
                label = self._windows.get(digits[start : start + HEX_WINDOW])
                if label is not None:
                    return f"the {label} key (hex digits) at offset {run.start() + start}"
        return None


SCANNER = KeyScanner(KEYS)


@dataclass
class _Test:
    """What one test showed, collected while it runs."""

    started: float
    folders_before: set[str]
    shown: list[tuple[str, str | bytes]] = field(default_factory=list)


@dataclass
class _Session:
    base: Path | None = None
    checkout_state: Path = field(default_factory=lambda: Path.cwd() / ".safeops")
    started: float = field(default_factory=time.time)
    current: _Test | None = None
    outputs: int = 0
    files: int = 0
    audit_logs: int = 0
    restore: list[Callable[[], None]] = field(default_factory=list)


STATE = _Session()


def _record(where: str, data: object) -> None:
    if STATE.current is not None and isinstance(data, str | bytes) and data:
        STATE.current.shown.append((where, data))


def _wrap_readouterr() -> None:
    original = pytest.CaptureFixture.readouterr

    def readouterr(self: pytest.CaptureFixture[Any]) -> Any:
        result = original(self)
        _record("captured stdout (readouterr)", result.out)
        _record("captured stderr (readouterr)", result.err)
        return result

    pytest.CaptureFixture.readouterr = readouterr  # type: ignore[method-assign]
    STATE.restore.append(lambda: setattr(pytest.CaptureFixture, "readouterr", original))


def _wrap_communicate() -> None:
    original = subprocess.Popen.communicate

    def communicate(self: subprocess.Popen[Any], *args: Any, **kwargs: Any) -> Any:
        out, err = original(self, *args, **kwargs)
        command = " ".join(map(str, self.args[:4])) if isinstance(self.args, list) else "?"
        _record(f"stdout of `{command}`", out)
        _record(f"stderr of `{command}`", err)
        return out, err

    subprocess.Popen.communicate = communicate  # type: ignore[method-assign]
    STATE.restore.append(lambda: setattr(subprocess.Popen, "communicate", original))


def pytest_configure(config: pytest.Config) -> None:
    _wrap_readouterr()
    _wrap_communicate()


def pytest_unconfigure(config: pytest.Config) -> None:
    while STATE.restore:
        STATE.restore.pop()()


def _files(roots: Iterable[Path], since: float) -> Iterator[Path]:
    for root in roots:
        for folder, _dirs, names in os.walk(root):
            for name in names:
                path = Path(folder) / name
                try:
                    info = path.lstat()
                except OSError:
                    continue  # removed meanwhile
                recent = info.st_mtime >= since and info.st_size <= MAX_FILE_BYTES
                if recent and path.is_file() and not path.is_symlink():
                    yield path


def _scan_files(roots: Iterable[Path], since: float) -> list[str]:
    leaks = []
    for path in _files(roots, since):
        try:
            data = path.read_bytes()
        except OSError:
            continue  # unreadable (a socket's neighbour, a lock held elsewhere): not ours
        STATE.files += 1
        if path.name.endswith("audit.jsonl"):
            STATE.audit_logs += 1
        found = SCANNER.find(data)
        if found:
            leaks.append(f"{found} in file {path}")
    return leaks


def _roots() -> list[Path]:
    roots = [STATE.base] if STATE.base is not None else []
    return roots + ([STATE.checkout_state] if STATE.checkout_state.is_dir() else [])


def _folders() -> set[str]:
    return set(os.listdir(STATE.base)) if STATE.base is not None else set()


def _test_roots(test: _Test) -> list[Path]:
    """The folders a test can have written to: those created under pytest's temp folder since
    it started (its tmp_path, its fixtures' mktemp), the session's temp folder and the
    checkout's .safeops. Older folders (session fixtures' homes) wait for the final sweep:
    walking all of them after each test would cost more than the tests."""
    if STATE.base is None:
        return []
    new = [STATE.base / name for name in sorted(_folders() - test.folders_before)]
    shared = [STATE.base / SYSTEM_TMP, STATE.checkout_state]
    return new + [folder for folder in shared if folder.is_dir()]


@pytest.fixture(scope="session", autouse=True)
def _secret_hygiene_session(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Redirect the temp folder into pytest's for the session, sweep every file at the end."""
    STATE.base = tmp_path_factory.getbasetemp()
    system_tmp = STATE.base / SYSTEM_TMP
    system_tmp.mkdir(exist_ok=True)
    previous_env, previous_dir = os.environ.get("TMPDIR"), tempfile.tempdir
    os.environ["TMPDIR"], tempfile.tempdir = str(system_tmp), str(system_tmp)
    try:
        yield
    finally:
        tempfile.tempdir = previous_dir
        if previous_env is None:
            os.environ.pop("TMPDIR", None)
        else:
            os.environ["TMPDIR"] = previous_env
    leaks = _scan_files(_roots(), STATE.started - 1)
    assert not leaks, "secret hygiene, end of session:\n" + "\n".join(leaks)


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    # Before any fixture of the test runs, so that the folders they create count as its own.
    STATE.current = _Test(started=time.time() - 1, folders_before=_folders())


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    report = yield
    if call.when != "teardown" or STATE.current is None:
        return report
    test, STATE.current = STATE.current, None
    # The teardown report carries the sections of every phase: captured out, err and log.
    shown = [*((title, text) for title, text in report.sections), *test.shown]
    STATE.outputs += len(shown)
    leaks = [f"{found} in {where}" for where, text in shown if (found := SCANNER.find(text))]
    if "integration" in item.path.parts:
        leaks += _scan_files(_test_roots(test), test.started)
    if leaks:
        report.outcome = "failed"
        report.longrepr = "secret hygiene: a key was shown or written\n" + "\n".join(leaks)
    return report


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if STATE.outputs:
        terminalreporter.write_line(
            f"secret hygiene: {STATE.outputs} outputs and {STATE.files} file reads "
            f"({STATE.audit_logs} of audit logs) scanned for {len(KEYS)} keys"
        )
