"""`safeops policy validate`: exit codes, one JSON object, every problem with its line."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from tests.helpers import cli
from tests.unit.core.policy.sample import ENV, SAMPLE

BROKEN = (
    SAMPLE.replace("threshold = 2", "threshold = 9")
    .replace('roles = ["signer"]', 'roles = ["signer", "approver"]')
    .replace('max_withdraw = "5000000"', "max_withdraw = 5000000.0")
)


@pytest.fixture(autouse=True)
def environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SAFEOPS_POLICY", raising=False)
    for name, value in ENV.items():
        monkeypatch.setenv(name, value)


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "policy.toml"
    path.write_bytes(text.encode())
    return path


def test_a_valid_policy_exits_0_with_its_digest(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = write(tmp_path, SAMPLE)
    run = cli(capsys, "--json", "policy", "validate", str(path))
    assert run.code == 0, run.stderr
    assert run.json == {
        "valid": True,
        "errors": [],
        "policy": str(path),
        "digest": hashlib.sha256(SAMPLE.encode()).hexdigest(),
    }


def test_an_invalid_policy_exits_2_with_every_error_in_one_object(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = write(tmp_path, BROKEN)
    run = cli(capsys, "--json", "policy", "validate", str(path))
    assert run.code == 2
    document = json.loads(run.stdout)  # exactly one object: no error object appended
    assert document["valid"] is False
    assert document["digest"] is None
    assert [(e["where"], e["line"]) for e in document["errors"]] == [
        ("safes.admin.expect.threshold", 14),
        ("signers.bob.roles[1]", 29),
        ("tokens.USDC.max_withdraw", 59),
    ]
    assert "threshold 9 exceeds the 2 owners" in document["errors"][0]["message"]
    assert f"error: policy {path} has 3 problems" in run.stderr


def test_human_output_lists_file_line_where_and_message(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = write(tmp_path, BROKEN)
    run = cli(capsys, "policy", "validate", str(path))
    assert run.code == 2
    lines = run.stdout.splitlines()
    assert lines[0] == (
        f"{path}:14: safes.admin.expect.threshold — threshold 9 exceeds the 2 owners"
    )
    assert lines[-1] == "3 problems"
    valid = cli(capsys, "policy", "validate", str(write(tmp_path, SAMPLE)))
    assert valid.code == 0
    assert "policy is valid (2 Safes, 3 signers, 1 target, 1 allow-list, 1 vault, 2 tokens)" in (
        valid.stdout
    )


def test_the_root_policy_option_and_the_environment_variable_are_used(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    good, bad = write(tmp_path, SAMPLE), tmp_path / "broken.toml"
    bad.write_text(BROKEN)
    assert cli(capsys, "--policy", str(good), "policy", "validate").code == 0
    assert cli(capsys, "--policy", str(good), "policy", "validate", str(bad)).code == 2
    monkeypatch.setenv("SAFEOPS_POLICY", str(bad))
    assert cli(capsys, "policy", "validate").code == 2


def test_missing_policy_is_bad_input_with_a_hint(capsys: pytest.CaptureFixture[str]) -> None:
    run = cli(capsys, "--json", "policy", "validate")
    assert run.code == 2
    assert run.json["error"]["type"] == "BadInput"
    assert run.json["error"]["message"] == "no policy given"
    assert "--policy" in run.json["error"]["hint"]
    assert "SAFEOPS_POLICY" in run.json["error"]["hint"]


def test_unreadable_policy_is_bad_input(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    run = cli(capsys, "policy", "validate", str(tmp_path / "absent.toml"))
    assert run.code == 2
    assert "cannot read policy" in run.stderr
    assert "Traceback" not in run.stderr


def test_no_env_validates_a_policy_whose_variables_are_unset(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("RPC_1")
    path = write(tmp_path, SAMPLE)
    unset = cli(capsys, "--json", "policy", "validate", str(path))
    assert unset.code == 2
    assert unset.json["errors"][0]["message"] == "environment variable RPC_1 is not set"
    assert cli(capsys, "policy", "validate", "--no-env", str(path)).code == 0


def test_no_secret_from_the_environment_reaches_the_output(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RPC_1", "ftp://secret-api-key@node")
    run = cli(capsys, "--json", "policy", "validate", str(write(tmp_path, SAMPLE)))
    assert run.code == 2
    assert "secret-api-key" not in run.stdout + run.stderr
