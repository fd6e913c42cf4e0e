"""Operator-supplied JSON: every way it breaks is one BadInput, never a crash."""

from __future__ import annotations

import sys

import pytest

from safeops.core.json_text import MAX_NESTING, parse_json
from safeops.errors import BadInput


def test_documents_parse_from_bytes_or_text() -> None:
    assert parse_json(b'\xef\xbb\xbf{"a": [1, {"b": "[[["}]}', "x.json") == {"a": [1, {"b": "[[["}]}
    assert parse_json('["]]]", 2]', "x.json") == ["]]]", 2]


@pytest.mark.parametrize(
    ("source", "message"),
    [
        (b"", "x.json is not JSON: Expecting value (line 1, column 1)"),
        (b'{"safe": "0x', "x.json is not JSON: Unterminated string"),
        (b"\xff\xd8\xff\xe0 a picture", "x.json is not JSON: not UTF-8 text"),
        (b'{"nonce": ' + b"9" * 5000 + b"}", "x.json is not JSON: a number has too many digits"),
        (b"[" * (MAX_NESTING + 1) + b"]" * (MAX_NESTING + 1), "nested deeper than 128"),
    ],
)
def test_broken_documents_are_bad_input(source: bytes, message: str) -> None:
    with pytest.raises(BadInput) as caught:
        parse_json(source, "x.json")
    assert message in caught.value.message
    assert caught.value.exit_code == 2


def test_a_nesting_bomb_is_refused_even_with_a_raised_recursion_limit() -> None:
    """py_ecc (imported with web3) sets the limit to 100,000; json would then overflow the C
    stack and kill the process on this file instead of raising RecursionError."""
    bomb = "[" * 100_000 + "]" * 100_000
    previous = sys.getrecursionlimit()
    sys.setrecursionlimit(max(previous, 100_000))
    try:
        with pytest.raises(BadInput, match="nested deeper than"):
            parse_json(bomb, "bomb.json")
    finally:
        sys.setrecursionlimit(previous)
