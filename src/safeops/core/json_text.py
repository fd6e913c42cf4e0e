"""Parse JSON an operator handed in, turning every way it can be broken into one BadInput."""

from __future__ import annotations

import json
import re

from safeops.errors import BadInput

_HINT = "Use the file as it was exported or as safeops wrote it: this one is cut short or edited."

MAX_NESTING = 128
"""Far deeper than any plan, Service or Builder file. json's C parser recurses once per level,
and py_ecc (imported with web3) raises the recursion limit to 100,000: a file nested that deep
would overflow the C stack and kill the process instead of raising RecursionError."""
# Unrolled ("normal* (special normal*)*"): the alternation form keeps backtracking state per
# character, about 150 bytes per byte of a long string such as calldata hex.
_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_BRACKET = re.compile(r"[\[\]{}]")


def parse_json(source: str | bytes, name: str) -> object:
    """The document in `source` (a file's bytes, or text), or BadInput naming `name`.

    `json.loads` fails in more ways than JSONDecodeError: bytes that are not UTF-8, numbers
    longer than Python's int-conversion limit, and nesting deeper than the stack allows.
    """
    if isinstance(source, bytes):
        try:
            source = source.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise BadInput(f"{name} is not JSON: not UTF-8 text", hint=_HINT) from None
    if _nesting(source) > MAX_NESTING:
        raise BadInput(
            f"{name} is not JSON safeops reads: nested deeper than {MAX_NESTING}", hint=_HINT
        )
    try:
        return json.loads(source)
    except json.JSONDecodeError as error:
        detail = f"{error.msg} (line {error.lineno}, column {error.colno})"
    except ValueError:
        detail = "a number has too many digits"
    except RecursionError:
        detail = "nested too deeply"
    raise BadInput(f"{name} is not JSON: {detail}", hint=_HINT)


def _nesting(text: str) -> int:
    """The deepest nesting of arrays and objects, brackets inside strings aside."""
    depth = deepest = 0
    for bracket in _BRACKET.finditer(_STRING.sub("", text)):
        depth += 1 if bracket.group() in "[{" else -1
        deepest = max(deepest, depth)
    return deepest
