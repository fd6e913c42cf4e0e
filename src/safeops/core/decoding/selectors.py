"""Function signatures: parsing `name(type,...)`, 4-byte selectors and call encoding."""

from __future__ import annotations

import re
from dataclasses import dataclass

from eth_hash.auto import keccak

from safeops.errors import BadInput

_NAME = re.compile(r"^[A-Za-z_$][A-Za-z0-9_$]*$")


@dataclass(frozen=True)
class FunctionSignature:
    """`name(t1,t2)` with optional `(r1,r2)` outputs, as in `paused()(bool)`."""

    name: str
    inputs: tuple[str, ...]
    outputs: tuple[str, ...] = ()

    @property
    def canonical(self) -> str:
        return f"{self.name}({','.join(self.inputs)})"

    @property
    def selector(self) -> bytes:
        return keccak(self.canonical.encode())[:4]


def _split_types(text: str) -> tuple[str, ...]:
    """Split `a,(b,c)[],d` at top-level commas only."""
    if not text:
        return ()
    parts, depth, current = [], 0, ""
    for char in text:
        if char == "," and depth == 0:
            parts.append(current)
            current = ""
            continue
        depth += {"(": 1, ")": -1}.get(char, 0)
        if depth < 0:
            raise ValueError("unbalanced parentheses")
        current += char
    if depth:
        raise ValueError("unbalanced parentheses")
    parts.append(current)
    if any(not part for part in parts):
        raise ValueError("empty type")
    return tuple(parts)


def _closing(text: str, start: int) -> int:
    depth = 0
    for index in range(start, len(text)):
        depth += {"(": 1, ")": -1}.get(text[index], 0)
        if depth == 0:
            return index
    raise ValueError("unbalanced parentheses")


def parse_signature(text: str) -> FunctionSignature:
    """Parse `name(types)` or `name(types)(outputs)`; whitespace is not allowed."""
    try:
        open_at = text.index("(")
        name = text[:open_at]
        close_at = _closing(text, open_at)
        inputs = _split_types(text[open_at + 1 : close_at])
        rest = text[close_at + 1 :]
        outputs: tuple[str, ...] = ()
        if rest:
            if not (rest.startswith("(") and _closing(rest, 0) == len(rest) - 1):
                raise ValueError("trailing text")
            outputs = _split_types(rest[1:-1])
        if not _NAME.match(name):
            raise ValueError("bad function name")
    except ValueError as error:
        raise BadInput(f"not a function signature: {text!r} ({error})") from error
    return FunctionSignature(name, inputs, outputs)


def encode_call(signature: str, *args: object) -> bytes:
    """Calldata for `signature` with `args`: `encode_call("transfer(address,uint256)", a, 1)`."""
    from eth_abi.abi import encode

    parsed = parse_signature(signature)
    if len(args) != len(parsed.inputs):
        raise BadInput(f"{parsed.canonical} takes {len(parsed.inputs)} arguments, got {len(args)}")
    return parsed.selector + encode(list(parsed.inputs), list(args))
