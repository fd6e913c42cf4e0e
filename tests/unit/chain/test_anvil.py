"""Locating the anvil binary."""

from __future__ import annotations

from pathlib import Path

import pytest

from safeops.chain.anvil import find_anvil
from safeops.errors import ToolMissing


def test_safeops_anvil_wins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    binary = tmp_path / "anvil"
    binary.write_text("#!/bin/sh\n")
    binary.chmod(0o755)
    assert find_anvil(str(binary)) == binary


def test_a_wrong_safeops_anvil_is_not_silently_ignored(tmp_path: Path) -> None:
    with pytest.raises(ToolMissing, match="SAFEOPS_ANVIL"):
        find_anvil(str(tmp_path / "nothing"))


def test_node_modules_is_searched(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    found = find_anvil()
    assert found.name == "anvil"
    assert "node_modules" in found.parts
