"""The committed deployments table is what the pinned @safe-global/safe-deployments gives."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from safeops.core.deployments import table

REPO_ROOT = Path(__file__).resolve().parents[3]
COMMITTED = REPO_ROOT / "src" / "safeops" / "core" / "deployments_data.json"
PACKAGE = "@safe-global/safe-deployments"
INSTALLED = REPO_ROOT / "node_modules" / PACKAGE / "package.json"
HINT = "the deployments table is stale: run scripts/build-deployments and commit the result"


def _pinned() -> str:
    return str(json.loads((REPO_ROOT / "package.json").read_text())["devDependencies"][PACKAGE])


def test_the_package_is_pinned_exactly_and_the_table_says_which() -> None:
    pinned = _pinned()
    assert pinned[0].isdigit(), f"{PACKAGE} must be pinned to one version, not {pinned!r}"
    assert table().source == f"{PACKAGE} {pinned}", HINT


def test_committed_table_matches_a_fresh_build_from_the_pinned_package(tmp_path: Path) -> None:
    if shutil.which("node") is None:
        pytest.skip("node is not on PATH; needed to read the npm package")
    if not INSTALLED.is_file():
        pytest.fail(f"{PACKAGE} is not installed: run `npm install` in the repo root")
    assert json.loads(INSTALLED.read_text())["version"] == _pinned(), "run `npm install`"
    fresh = tmp_path / "deployments_data.json"
    result = subprocess.run(
        ["node", str(REPO_ROOT / "scripts" / "build-deployments.mjs"), str(fresh)],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, f"scripts/build-deployments failed:\n{result.stderr}"
    assert fresh.read_bytes() == COMMITTED.read_bytes(), HINT
