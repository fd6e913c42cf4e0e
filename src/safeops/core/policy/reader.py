"""Typed reading of parsed TOML that records every problem, with its line, and carries on."""

from __future__ import annotations

import difflib
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time

from eth_utils.address import to_checksum_address

from safeops.core.policy.errors import PolicyProblem
from safeops.core.policy.locate import KeyPath, format_where

_HEX_ADDRESS = re.compile(r"^0x[0-9a-fA-F]{40}$")
# Names are typed on the command line and shown to reviewers: plain ASCII, no look-alike letters.
_NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_-]{0,63}$")


@dataclass
class Problems:
    """The problems found so far, and every address met on the way (for the cross-checks)."""

    lines: Mapping[KeyPath, int]
    items: list[PolicyProblem] = field(default_factory=list)
    addresses: list[tuple[KeyPath, str]] = field(default_factory=list)

    def add(self, path: KeyPath, message: str, *, at: KeyPath | None = None) -> None:
        """Record a problem at `path`, located at `at` when given (a missing key's table)."""
        line = self.lines.get(path if at is None else at)
        self.items.append(PolicyProblem(format_where(path), message, line))


def kind_of(value: object) -> str:
    """How a TOML value is called in messages."""
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a float"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, datetime | date | time):
        return "a date"
    return type(value).__name__


def check_address(
    value: object, path: KeyPath, problems: Problems, *, allow_zero: bool = False
) -> str | None:
    """A checksummed address, or None after recording why `value` is not one."""
    if not isinstance(value, str):
        problems.add(path, f"expected an address string, got {kind_of(value)}")
        return None
    if not _HEX_ADDRESS.match(value):
        problems.add(path, f"{value!r} is not a 20-byte hex address (0x and 40 hex digits)")
        return None
    if int(value, 16) == 0:
        if not allow_zero:
            problems.add(path, "must not be the zero address")
            return None
        return to_checksum_address(value)
    checksummed = to_checksum_address(value)
    if value != checksummed:
        # Never suggest the checksummed form: it would bless a mistyped address.
        if value in (value.lower(), "0x" + value[2:].upper()):
            problems.add(path, f"{value} has no EIP-55 checksum; copy it from a trusted source")
        else:
            problems.add(path, f"{value} has a wrong EIP-55 checksum: a character is mistyped")
        return None
    problems.addresses.append((path, checksummed))
    return checksummed


@dataclass
class Table:
    """One TOML table being read: its data, where it sits, and where problems go."""

    data: Mapping[str, object]
    path: KeyPath
    problems: Problems

    def at(self, *keys: str | int) -> KeyPath:
        return (*self.path, *keys)

    def add(self, key: str | int, message: str) -> None:
        self.problems.add(self.at(key), message)

    def check_keys(self, allowed: Collection[str], *, what: str = "") -> None:
        """Report every key not in `allowed`, suggesting the nearest allowed one."""
        for key in self.data:
            if key in allowed:
                continue
            close = difflib.get_close_matches(key, list(allowed), n=1, cutoff=0.6)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            known = "" if close else f"; expected {', '.join(sorted(allowed))}"
            self.add(key, f"unknown key {key!r}{what}{hint}{known}")

    def missing(self, key: str, why: str = "") -> None:
        self.problems.add(self.at(key), f"missing required key {key!r}{why}", at=self.path)

    def get(self, key: str, *, required: bool = True) -> object | None:
        if key not in self.data:
            if required:
                self.missing(key)
            return None
        return self.data[key]

    def string(self, key: str, *, required: bool = True, non_empty: bool = True) -> str | None:
        value = self.get(key, required=required)
        if value is None:
            return None
        if not isinstance(value, str):
            self.add(key, f"expected a string, got {kind_of(value)}")
            return None
        if non_empty and not value.strip():
            self.add(key, "must not be empty")
            return None
        return value

    def integer(
        self,
        key: str,
        *,
        required: bool = True,
        minimum: int | None = None,
        maximum: int | None = None,
    ) -> int | None:
        value = self.get(key, required=required)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            quoted = " (write it without quotes)" if isinstance(value, str) else ""
            self.add(key, f"expected an integer, got {kind_of(value)}{quoted}")
            return None
        if minimum is not None and value < minimum:
            self.add(key, f"must be at least {minimum}, got {value}")
            return None
        if maximum is not None and value > maximum:
            self.add(key, f"must be at most {maximum}, got {value}")
            return None
        return value

    def address(self, key: str, *, required: bool = True, allow_zero: bool = False) -> str | None:
        value = self.get(key, required=required)
        if value is None:
            return None
        return check_address(value, self.at(key), self.problems, allow_zero=allow_zero)

    def array(self, key: str, *, required: bool = True) -> list[object] | None:
        value = self.get(key, required=required)
        if value is None:
            return None
        if not isinstance(value, list):
            self.add(key, f"expected an array, got {kind_of(value)}")
            return None
        return value

    def names(self, key: str, *, required: bool = True, non_empty: bool = True) -> list[str] | None:
        """An array of names (strings); duplicates are reported."""
        items = self.array(key, required=required)
        if items is None:
            return None
        if non_empty and not items:
            self.add(key, "must not be empty")
            return None
        names: list[str] = []
        for index, item in enumerate(items):
            if not isinstance(item, str):
                self.problems.add(self.at(key, index), f"expected a name, got {kind_of(item)}")
                return None
            if item in names:
                self.problems.add(self.at(key, index), f"{item!r} is listed twice")
                continue
            names.append(item)
        return names

    def table(self, key: str, *, required: bool = True) -> Table | None:
        value = self.get(key, required=required)
        if value is None:
            return None
        if not isinstance(value, dict):
            self.add(key, f"expected a table, got {kind_of(value)}")
            return None
        return Table(value, self.at(key), self.problems)

    def entries(self, key: str) -> dict[str, Table]:
        """The `[KEY.NAME]` tables of a section, by name; bad names are reported and kept."""
        section = self.table(key, required=False)
        if section is None:
            return {}
        entries: dict[str, Table] = {}
        for name, value in section.data.items():
            if not _NAME.match(name):
                section.add(name, f"name {name!r} must be letters, digits, '_' or '-' (max 64)")
            if not isinstance(value, dict):
                section.add(name, f"expected a table [{key}.{name}], got {kind_of(value)}")
                continue
            entries[name] = Table(value, section.at(name), self.problems)
        return entries


def unknown_reference(what: str, name: str, known: Collection[str]) -> str:
    """`unknown signer 'alcie' (did you mean 'alice'?)`."""
    close = difflib.get_close_matches(name, list(known), n=1, cutoff=0.6)
    return f"unknown {what} {name!r}" + (f" (did you mean {close[0]!r}?)" if close else "")
