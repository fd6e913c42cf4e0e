"""Find a private key in anything the suite captured: text, bytes, exceptions, files."""

from __future__ import annotations

import base64
import os
import traceback
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")
E = TypeVar("E", bound=BaseException)

# Test keys, generated for this suite and used nowhere else. SENTINEL_KEY is the one that must
# never appear in any output; OTHER_KEY is a second, valid key for address mismatches.
SENTINEL_KEY = "0x3c9df106347f61da9d18c60e88c630f6028dead6861a8f8865a727a38acbe83d"
SENTINEL_ADDRESS = "0xd5DED3C89029e0d19Eba6eb0Cde9AEc4009949e3"
OTHER_KEY = "0x780af9df9f4d5ab948051406a53d98c7e39d0144623c3b6c2aa8bef51355810e"
OTHER_ADDRESS = "0x7fDe8B0581435030D8AbfF0adB274414B23d8956"

# A leak of part of a key is still a leak: any run of this many hex digits of it counts
# (2**-64 chance of a false alarm per position of unrelated hex).
HEX_WINDOW = 16


def secret_needles(key_hex: str) -> tuple[list[str], list[bytes]]:
    """Lowercase hex windows, and byte forms (raw key, base64), that must never appear."""
    digits = key_hex.lower().removeprefix("0x")
    assert len(digits) == 64, "the sentinel must be a 32-byte hex key"
    windows = [digits[i : i + HEX_WINDOW] for i in range(len(digits) - HEX_WINDOW + 1)]
    raw = bytes.fromhex(digits)
    return windows, [raw, base64.b64encode(raw), base64.urlsafe_b64encode(raw)]


def find_secret(data: str | bytes, key_hex: str) -> str | None:
    """Where the key (or a HEX_WINDOW-digit run of it, any case, with or without 0x) occurs."""
    windows, byte_forms = secret_needles(key_hex)
    if isinstance(data, str):
        data = data.encode("utf-8", errors="surrogateescape")
    for needle in byte_forms:
        if needle in data:
            return f"byte form at offset {data.index(needle)}"
    lowered = data.lower()
    for window in windows:
        if window.encode() in lowered:
            return f"hex digits {window[:4]}... at offset {lowered.index(window.encode())}"
    return None


def assert_no_secret(data: str | bytes, key_hex: str, *, where: str = "output") -> None:
    """Fail when `data` holds the key; the failure message does not repeat it."""
    found = find_secret(data, key_hex)
    assert found is None, f"the sentinel key leaked into {where}: {found}"


def assert_no_secret_in_files(roots: Iterable[Path], key_hex: str) -> int:
    """Read every regular file under `roots` (sockets and the like are skipped); return how many."""
    count = 0
    for root in roots:
        for folder, _dirs, names in os.walk(root):
            for name in names:
                path = Path(folder) / name
                if not path.is_file() or path.is_symlink():
                    continue
                assert_no_secret(path.read_bytes(), key_hex, where=str(path))
                count += 1
    return count


def describe_error(error: BaseException) -> str:
    """All an operator or a log could see of an error: message, repr, hint, full traceback with
    its chained causes."""
    parts = [str(error), repr(error), str(getattr(error, "hint", ""))]
    parts += traceback.format_exception(error)
    return "\n".join(parts)


class LeakWitness:
    """Collects everything key paths showed (results, reprs, errors) to scan it at the end."""

    def __init__(self, key_hex: str) -> None:
        self.key_hex = key_hex
        self.seen: list[tuple[str, str]] = []

    def record(self, label: str, value: Any) -> None:
        """Something an operator could see: printed output, a result, an object's repr."""
        self.seen.append((label, f"{value!s}\n{value!r}"))

    def ok(self, label: str, action: Callable[[], T]) -> T:
        """Run `action`, which must succeed; its result is recorded."""
        result = action()
        self.record(label, result)
        return result

    def fails(self, label: str, error_type: type[E], action: Callable[[], object]) -> E:
        """Run `action`, which must raise `error_type`; everything about the error is recorded."""
        try:
            result = action()
        except error_type as error:
            self.seen.append((label, describe_error(error)))
            return error
        raise AssertionError(f"{label}: expected {error_type.__name__}, got {result!r}")

    def check(self) -> None:
        assert self.seen, "nothing was recorded"
        for label, text in self.seen:
            assert_no_secret(text, self.key_hex, where=label)
