"""Policy problems, each with its location, and the error that carries them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from safeops.errors import BadInput


@dataclass(frozen=True)
class PolicyProblem:
    """One thing wrong with a policy: `where` is a key path such as `safes.guardian.address`.

    `line` is the 1-based line of that key in the file, or None when it cannot be told for sure.
    """

    where: str
    message: str
    line: int | None = None

    def to_json(self) -> dict[str, str | int | None]:
        return {"where": self.where, "message": self.message, "line": self.line}

    def describe(self, path: str) -> str:
        """`FILE:LINE: where — message`, the form editors and people jump to."""
        location = f"{path}:{self.line}" if self.line is not None else path
        return f"{location}: {self.where} — {self.message}"


def plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


class InvalidPolicy(BadInput):
    """A policy file that does not validate; `.problems` lists everything that is wrong."""

    def __init__(
        self,
        path: str,
        problems: Sequence[PolicyProblem],
        *,
        message: str | None = None,
        hint: str | None = None,
    ) -> None:
        self.path = path
        self.problems = tuple(problems)
        default = f"policy {path} has {plural(len(problems), 'problem')}"
        if hint is None and problems:
            hint = "first: " + problems[0].describe(path)
        super().__init__(
            message or f"{default}; run `safeops policy validate`",
            hint=hint,
        )
