"""The audit chain: any edit, removal, reordering or forged entry breaks verification."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from safeops.audit.log import AuditLog
from tests.helpers import cli


def _log(tmp_path: Path, count: int = 4) -> AuditLog:
    log = AuditLog(tmp_path / "audit.jsonl")
    for index in range(count):
        log.append("plan pause", "ok", safe="guardian", index=index)
    return log


def test_an_untouched_log_verifies(tmp_path: Path) -> None:
    check = _log(tmp_path).verify()
    assert (check.ok, check.entries, check.problem) == (True, 4, None)


def _rewrite(log: AuditLog, edit: object) -> None:
    lines = log.path.read_text().splitlines()
    edit(lines)  # type: ignore[operator]
    log.path.write_text("\n".join(lines) + "\n")


@pytest.mark.parametrize(
    ("edit", "problem"),
    [
        (lambda ls: ls.__setitem__(1, ls[1].replace('"ok"', '"exit 1"')), "line 2: its content"),
        (lambda ls: ls.pop(1), "line 2: sequence 2"),
        (lambda ls: ls.reverse(), "line 1: sequence 3"),
        (lambda ls: ls.__setitem__(2, "not json"), "line 3: sequence None"),
    ],
)
def test_tampering_is_found(tmp_path: Path, edit: object, problem: str) -> None:
    log = _log(tmp_path)
    _rewrite(log, edit)
    check = log.verify()
    assert not check.ok
    assert check.problem is not None
    assert check.problem.startswith(problem)


def test_a_rehashed_forgery_still_breaks_the_link(tmp_path: Path) -> None:
    from safeops.audit.chain import entry_hash

    log = _log(tmp_path)
    lines = log.path.read_text().splitlines()
    forged = json.loads(lines[1])
    forged["outcome"] = "exit 1"
    forged["hash"] = entry_hash(forged)  # consistent in itself, but line 3 links to the old one
    lines[1] = json.dumps(forged)
    log.path.write_text("\n".join(lines) + "\n")
    assert log.verify().problem == "line 3: does not link to line 2"


def test_cli_verify_and_show(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    log = _log(tmp_path)
    monkeypatch.setenv("SAFEOPS_AUDIT_LOG", str(log.path))
    ok = cli(capsys, "--json", "audit", "verify")
    assert ok.code == 0
    assert ok.json["entries"] == 4
    shown = cli(capsys, "--json", "audit", "show", "--last", "2")
    assert [e["seq"] for e in shown.json["entries"]] == [2, 3]
    _rewrite(log, lambda ls: ls.__setitem__(0, ls[0].replace("guardian", "admin")))
    broken = cli(capsys, "--json", "audit", "verify")
    assert broken.code == 1
    assert "fails verification: line 1: its content was changed" in broken.stderr


def test_audited_commands_write_their_outcome(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SAFEOPS_AUDIT_LOG", str(tmp_path / "audit.jsonl"))
    failed = cli(capsys, "keys", "import", "--signer", "alice", "--to", "floppy")
    assert failed.code == 2
    intent, entry = AuditLog(tmp_path / "audit.jsonl").entries()
    assert (intent["action"], intent["outcome"]) == ("keys import", "started")
    assert intent["details"]["args"] == ["keys", "import", "--signer", "alice", "--to", "floppy"]
    assert (entry["action"], entry["outcome"]) == ("keys import", "exit 2")
    assert entry["details"]["error"] == "--to must be keyring or vault, not 'floppy'"
