"""Every command that may use a key writes its intent to the audit log before anything else."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.helpers import cli


@pytest.mark.parametrize("command", ["reject", "emergency", "execute", "propose", "sign"])
def test_a_command_that_may_sign_is_audited_before_it_reads_anything(
    command: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    log = tmp_path / "audit.jsonl"
    monkeypatch.setenv("SAFEOPS_AUDIT_LOG", str(log))
    run = cli(capsys, "--policy", str(tmp_path / "missing.toml"), command, "--signer", "alice")
    assert run.code == 2
    entries = [json.loads(line) for line in log.read_text().splitlines()]
    assert entries[0]["outcome"] == "started"
    assert entries[0]["action"].startswith(command)


def test_reject_is_not_run_when_the_audit_log_cannot_take_its_intent(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SAFEOPS_AUDIT_LOG", str(tmp_path / "a-directory"))
    (tmp_path / "a-directory").mkdir()
    run = cli(capsys, "--policy", str(tmp_path / "missing.toml"), "reject", "--signer", "alice")
    assert run.code == 3  # the environment: before the policy is even read
    assert "missing.toml" not in run.stderr
