"""The committed contract artifacts are exactly what scripts/build-contracts produces."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS_DIR = REPO_ROOT / "src" / "safeops" / "devnet" / "artifacts"
BUILD_SCRIPT = REPO_ROOT / "scripts" / "build-contracts"
HINT = "contract artifacts are stale: run scripts/build-contracts and commit the result"


def _files(directory: Path) -> set[str]:
    return {p.relative_to(directory).as_posix() for p in directory.rglob("*") if p.is_file()}


def test_committed_artifacts_match_a_fresh_build(tmp_path: Path) -> None:
    if shutil.which("node") is None:
        pytest.skip("node is not on PATH; needed to run solc-js")
    if not (REPO_ROOT / "node_modules" / "solc").is_dir():
        pytest.skip("node_modules/solc is missing; run `npm install` in the repo root")

    out_dir = tmp_path / "artifacts"
    result = subprocess.run(
        [str(BUILD_SCRIPT), str(out_dir)],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, f"scripts/build-contracts failed:\n{result.stderr}"

    committed = _files(ARTIFACTS_DIR)
    rebuilt = _files(out_dir)
    assert committed == rebuilt, (
        f"{HINT} (missing: {sorted(rebuilt - committed)}, extra: {sorted(committed - rebuilt)})"
    )
    stale = sorted(
        name
        for name in committed
        if (ARTIFACTS_DIR / name).read_bytes() != (out_dir / name).read_bytes()
    )
    assert not stale, f"{HINT} (differs: {stale})"
