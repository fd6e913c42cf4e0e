"""Keystore password files: one trailing newline stripped, private mode required."""

from __future__ import annotations

from pathlib import Path

import pytest

from safeops.keys.errors import PasswordFileInsecure
from safeops.keys.keystore import read_password_file


@pytest.mark.parametrize(
    ("content", "password"),
    [
        (b"pw", "pw"),
        (b"pw\n", "pw"),
        (b"pw\r\n", "pw"),
        (b"pw\n\n", "pw\n"),
        (b" pw \n", " pw "),
        (b"", ""),
    ],
)
def test_one_trailing_newline_is_stripped(tmp_path: Path, content: bytes, password: str) -> None:
    path = tmp_path / "password"
    path.write_bytes(content)
    path.chmod(0o600)
    assert read_password_file(path) == password


@pytest.mark.parametrize("mode", [0o640, 0o604, 0o620, 0o660])
def test_group_or_other_access_is_refused(tmp_path: Path, mode: int) -> None:
    path = tmp_path / "password"
    path.write_text("pw")
    path.chmod(mode)
    with pytest.raises(PasswordFileInsecure, match=f"mode {mode:o}"):
        read_password_file(path)
