"""The safeops home: beside the policy, or $SAFEOPS_HOME; older ./.safeops plans still found."""

from __future__ import annotations

from pathlib import Path

import pytest

from safeops.cli.home import audit_log, older_audit_log, older_plan_dirs, plan_dir, safeops_home
from safeops.core.transactions.safe_tx import SafeTxHash
from tests.unit.workflows.fakes import world

HASH = SafeTxHash(bytes(range(32)))


def test_the_home_is_beside_the_policy() -> None:
    assert safeops_home("/ops/policy.toml", {}) == Path("/ops/.safeops")
    assert safeops_home("policy.toml", {}) == Path(".safeops")
    assert safeops_home(None, {"SAFEOPS_POLICY": "/ops/p.toml"}) == Path("/ops/.safeops")
    assert safeops_home(None, {}) == Path(".safeops")


def test_safeops_home_overrides_it() -> None:
    environ = {"SAFEOPS_HOME": "/var/safeops"}
    assert safeops_home("/ops/policy.toml", environ) == Path("/var/safeops")
    assert plan_dir(safeops_home(None, environ)) == Path("/var/safeops/plans")


def test_the_audit_log_is_in_the_home_unless_given() -> None:
    assert audit_log(Path("/ops/.safeops"), {}) == Path("/ops/.safeops/audit.jsonl")
    assert audit_log(Path("/ops/.safeops"), {"SAFEOPS_AUDIT_LOG": "/l.jsonl"}) == Path("/l.jsonl")


def test_the_working_folders_plans_are_searched_when_elsewhere(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert older_plan_dirs(Path(".safeops")) == ()
    assert older_plan_dirs(tmp_path / ".safeops") == ()  # the same folder, spelled otherwise
    assert older_plan_dirs(Path("/ops/.safeops")) == (Path(".safeops/plans"),)


def test_an_older_audit_log_is_pointed_out(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert older_audit_log(Path("/ops/.safeops/audit.jsonl")) is None  # none here
    (tmp_path / ".safeops").mkdir()
    (tmp_path / ".safeops" / "audit.jsonl").write_text("")
    assert older_audit_log(Path("/ops/.safeops/audit.jsonl")) == Path(".safeops/audit.jsonl")
    assert older_audit_log(tmp_path / ".safeops" / "audit.jsonl") is None


def test_a_plan_is_found_in_the_home_then_in_older_folders(tmp_path: Path) -> None:
    session = world(tmp_path).session
    older = tmp_path / "older"
    session.older_plan_dirs = (older,)
    assert session.plan_file(HASH) == session.plan_dir / f"{HASH}.json"  # where it would go
    older.mkdir()
    (older / f"{HASH}.json").write_text("{}")
    assert session.plan_file(HASH) == older / f"{HASH}.json"
    session.plan_dir.mkdir(parents=True, exist_ok=True)
    (session.plan_dir / f"{HASH}.json").write_text("{}")
    assert session.plan_file(HASH) == session.plan_dir / f"{HASH}.json"
