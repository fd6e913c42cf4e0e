"""Line numbers of the keys of a TOML text, which tomllib does not report."""

from __future__ import annotations

import tomllib
from bisect import bisect_left

KeyPath = tuple[str | int, ...]
"""A key's place in the document: table and key names, and array indices."""

_BARE_KEY = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-")
_SCALAR_END = frozenset(",]}#\r\n")


class _Surprise(Exception):
    """The text is not shaped as this scanner expects: give no line rather than a wrong one."""


def key_lines(text: str) -> dict[KeyPath, int]:
    """The 1-based line of every table header, key and array element of a valid TOML text.

    Best effort and never wrong: anything the scanner does not understand yields an empty map,
    so that callers report no line instead of a misleading one.
    """
    try:
        return _Scanner(text).scan()
    except (_Surprise, IndexError, tomllib.TOMLDecodeError):
        return {}


def format_where(path: KeyPath) -> str:
    """`("safes", "guardian", "rpc", 0)` -> `safes.guardian.rpc[0]`."""
    where = ""
    for part in path:
        if isinstance(part, int):
            where += f"[{part}]"
        else:
            where += f".{part}" if where else part
    return where


class _Scanner:
    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0
        self.lines: dict[KeyPath, int] = {}
        self._newlines = [index for index, char in enumerate(text) if char == "\n"]

    def line(self) -> int:
        return bisect_left(self._newlines, self.pos) + 1

    def record(self, path: KeyPath, line: int) -> None:
        # A dotted key or a header also tells where its parent tables start, if nothing did.
        for end in range(1, len(path) + 1):
            self.lines.setdefault(path[:end], line)

    def scan(self) -> dict[KeyPath, int]:
        table: KeyPath = ()
        counts: dict[KeyPath, int] = {}
        while True:
            self.skip(newlines=True)
            if self.pos >= len(self.text):
                return self.lines
            line = self.line()
            if self.text.startswith("[[", self.pos):
                self.pos += 2
                array: KeyPath = self.key()
                self.expect("]]")
                counts[array] = counts.get(array, -1) + 1
                table = (*array, counts[array])
                self.record(table, line)
            elif self.text[self.pos] == "[":
                self.pos += 1
                table = self.key()
                self.expect("]")
                self.record(table, line)
            else:
                key: KeyPath = (*table, *self.key())
                self.record(key, line)
                self.expect("=")
                self.value(key)

    def skip(self, *, newlines: bool) -> None:
        text = self.text
        while self.pos < len(text):
            char = text[self.pos]
            if char in " \t" or (newlines and char in "\r\n"):
                self.pos += 1
            elif char == "#":
                end = text.find("\n", self.pos)
                self.pos = len(text) if end < 0 else end
            else:
                return

    def expect(self, token: str) -> None:
        self.skip(newlines=False)
        if not self.text.startswith(token, self.pos):
            raise _Surprise(token)
        self.pos += len(token)

    def key(self) -> tuple[str, ...]:
        parts: list[str] = []
        while True:
            self.skip(newlines=False)
            char = self.text[self.pos]
            if char in "\"'":
                start = self.pos
                self.string()
                # Let tomllib decode the quoted key: escapes come out exactly as it reads them.
                parts.append(tomllib.loads("k = " + self.text[start : self.pos])["k"])
            else:
                start = self.pos
                while self.pos < len(self.text) and self.text[self.pos] in _BARE_KEY:
                    self.pos += 1
                if self.pos == start:
                    raise _Surprise("key")
                parts.append(self.text[start : self.pos])
            self.skip(newlines=False)
            if self.text[self.pos] != ".":
                return tuple(parts)
            self.pos += 1

    def value(self, path: KeyPath) -> None:
        self.skip(newlines=False)
        char = self.text[self.pos]
        if char == "{":
            self.inline_table(path)
        elif char == "[":
            self.array(path)
        elif char in "\"'":
            self.string()
        else:
            start = self.pos
            while self.pos < len(self.text) and self.text[self.pos] not in _SCALAR_END:
                self.pos += 1
            if self.pos == start:
                raise _Surprise("value")

    def inline_table(self, path: KeyPath) -> None:
        self.pos += 1
        self.skip(newlines=True)
        if self.text[self.pos] == "}":
            self.pos += 1
            return
        while True:
            self.skip(newlines=True)
            line = self.line()
            sub = (*path, *self.key())
            self.record(sub, line)
            self.expect("=")
            self.value(sub)
            self.skip(newlines=True)
            if self.text[self.pos] == "}":
                self.pos += 1
                return
            self.expect(",")

    def array(self, path: KeyPath) -> None:
        self.pos += 1
        index = 0
        while True:
            self.skip(newlines=True)
            if self.text[self.pos] == "]":
                self.pos += 1
                return
            self.record((*path, index), self.line())
            self.value((*path, index))
            self.skip(newlines=True)
            if self.text[self.pos] == "]":
                self.pos += 1
                return
            self.expect(",")
            index += 1

    def string(self) -> None:
        text = self.text
        quote = text[self.pos]
        if text.startswith(quote * 3, self.pos):
            end = self._find(quote * 3, self.pos + 3, escapes=quote == '"')
            # Up to two quotes may end the content right before the closing delimiter.
            self.pos = end + 3
            while self.pos < len(text) and text[self.pos] == quote and self.pos < end + 5:
                self.pos += 1
            return
        end = self._find(quote, self.pos + 1, escapes=quote == '"')
        self.pos = end + 1

    def _find(self, closing: str, start: int, *, escapes: bool) -> int:
        index = start
        while index < len(self.text):
            if escapes and self.text[index] == "\\":
                index += 2
            elif self.text.startswith(closing, index):
                return index
            else:
                index += 1
        raise _Surprise("unterminated string")
