"""`${VAR}` references in RPC and service URLs, expanded from an environment mapping."""

from __future__ import annotations

import re
from collections.abc import Mapping

_REFERENCE = re.compile(r"\$\{([^}]*)\}")
_VARIABLE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_URL = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*)://[^\s/?#]+\S*$")


def expand(text: str, environ: Mapping[str, str] | None) -> tuple[str, list[str]]:
    """`text` with every `${VAR}` replaced, and the problems met (unset, empty, malformed).

    With `environ=None` only the references' syntax is checked and `text` is returned as is.
    The messages name variables, never their values: an RPC URL often holds an API key.
    """
    problems: list[str] = []

    def replace(match: re.Match[str]) -> str:
        name = match.group(1)
        if not _VARIABLE.match(name):
            problems.append(f"{match.group(0)!r} is not a variable reference (letters, digits, _)")
            return match.group(0)
        if environ is None:
            return match.group(0)
        value = environ.get(name)
        if value is None:
            problems.append(f"environment variable {name} is not set")
            return match.group(0)
        if not value.strip():
            problems.append(f"environment variable {name} is empty")
        return value

    expanded = _REFERENCE.sub(replace, text)
    if "${" in _REFERENCE.sub("", text):
        problems.append("unclosed '${': write ${VARIABLE}")
    return expanded, problems


def has_references(text: str) -> bool:
    return _REFERENCE.search(text) is not None


def url_problem(url: str, schemes: tuple[str, ...], *, show: bool) -> str | None:
    """Why `url` is not a URL with one of `schemes`; the URL is quoted only when `show`."""
    match = _URL.match(url)
    wanted = ", ".join(f"{scheme}://" for scheme in schemes)
    if not match:
        got = f"got {url!r}" if show else "the variable holds something else"
        return f"expected a URL starting with {wanted}; {got}"
    if match.group(1).lower() not in schemes:
        return f"scheme {match.group(1)}:// is not allowed here; use {wanted}"
    return None
