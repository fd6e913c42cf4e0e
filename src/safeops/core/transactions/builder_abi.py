"""Calldata of a Transaction Builder entry written in ABI form (`contractMethod` + values).

The Builder stores what the user typed: one string per input (`"1000"`, `"true"`,
`"[0xA…, 0xB…]"`, `'["x","y"]'`, a JSON tuple). It encodes them when the batch is sent; this
module does the same with eth-abi, following the app's reading of each form, and refuses the
values the app would misread (a bool written `"yes"`, an integer in a tuple beyond what a
JavaScript number holds, a bytes32 of 31 bytes): what reviewers read must be what runs.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from eth_hash.auto import keccak

from safeops.core.addresses import parse_address
from safeops.errors import BadInput, SafeOpsError

# `receive` and `fallback` have no selector: the app sends such an entry with empty data.
NO_SELECTOR = ("receive", "fallback")
_NAME = re.compile(r"^[A-Za-z_$][A-Za-z0-9_$]*$")
_ARRAY_SUFFIX = re.compile(r"^(.*?)((?:\[[0-9]*\])+)$")
_DECIMAL = re.compile(r"^-?[0-9]+$")
_HEX_NUMBER = re.compile(r"^-?0[xX][0-9a-fA-F]+$")
# The largest integer a JavaScript number holds exactly: the app JSON.parses tuples, so a
# bigger number written as a JSON number reaches its encoder already rounded.
JS_SAFE_INTEGER = 2**53 - 1


def encode_method_call(method: object, values: object, where: str) -> bytes:
    """The calldata for `contractMethod` called with `contractInputsValues`."""
    if not isinstance(method, dict) or not isinstance(method.get("name"), str):
        raise BadInput(f"{where}.contractMethod is not a method with a name")
    name = method["name"]
    if name in NO_SELECTOR:
        return b""
    if not _NAME.match(name):
        raise BadInput(f"{where}.contractMethod.name {name!r} is not a function name")
    inputs = method.get("inputs") or []
    if not isinstance(inputs, list) or not all(isinstance(i, dict) for i in inputs):
        raise BadInput(f"{where}.contractMethod.inputs is not a list of inputs")
    types = [
        canonical_type(item, f"{where}.contractMethod.inputs[{i}]") for i, item in enumerate(inputs)
    ]
    if inputs and not isinstance(values, dict):
        raise BadInput(f"{where}.contractInputsValues is missing for {name}'s {len(inputs)} inputs")
    arguments = []
    for index, (item, abi_type) in enumerate(zip(inputs, types, strict=True)):
        key = item.get("name") or str(index)  # the app keys unnamed inputs by position
        text = values.get(key, "") if isinstance(values, dict) else ""
        path = f"{where}.contractInputsValues.{key}"
        arguments.append(_from_text(abi_type, item, text, path))
    return _encode(name, types, arguments, where)


def canonical_type(item: Mapping[str, Any], where: str) -> str:
    """The input's type as selectors spell it: tuples as `(t1,t2)` plus any array suffix."""
    from eth_abi.exceptions import ABITypeError, ParseError
    from eth_abi.grammar import normalize, parse

    raw = item.get("type")
    if not isinstance(raw, str):
        raise BadInput(f"{where}.type is missing")
    if raw.startswith("tuple"):
        components = item.get("components")
        if not isinstance(components, list) or not all(isinstance(c, dict) for c in components):
            raise BadInput(f"{where} is a tuple without components")
        inner = ",".join(
            canonical_type(c, f"{where}.components[{i}]") for i, c in enumerate(components)
        )
        raw = f"({inner}){raw[len('tuple') :]}"
    try:
        normal: str = normalize(raw)  # type: ignore[no-untyped-call]
        parse(normal).validate()
    except (ABITypeError, ParseError):
        raise BadInput(f"{where}.type {item.get('type')!r} is not an ABI type") from None
    return normal


def _encode(name: str, types: list[str], arguments: list[Any], where: str) -> bytes:
    from eth_abi.abi import encode
    from eth_abi.exceptions import EncodingError

    try:
        encoded = encode(types, arguments)
    except (EncodingError, OverflowError, TypeError, ValueError) as error:
        reason = " ".join(str(error).split())[:200]
        raise BadInput(
            f"{where}: the values do not fit {name}({','.join(types)}): {reason}"
        ) from None
    return keccak(f"{name}({','.join(types)})".encode())[:4] + encoded


def _split_array(abi_type: str) -> tuple[str, str] | None:
    """(element type, outer dimension) of an array type, e.g. `uint8[2][]` -> (`uint8[2]`, `[]`)."""
    match = _ARRAY_SUFFIX.match(abi_type)
    if match is None or abi_type.endswith(")"):
        return None
    dims = re.findall(r"\[[0-9]*\]", match[2])
    return match[1] + "".join(dims[:-1]), dims[-1]


def _base(abi_type: str) -> str:
    while (split := _split_array(abi_type)) is not None:
        abi_type = split[0]
    return abi_type


def _from_text(abi_type: str, item: Mapping[str, Any], text: object, where: str) -> Any:
    """One input as the Builder stores it (a string), read the way the app reads it."""
    if not isinstance(text, str):
        raise BadInput(f"{where} must be the text the Builder stores, got {type(text).__name__}")
    if abi_type.startswith("(") or (_base(abi_type) == "string" and abi_type != "string"):
        # Tuples (and arrays of them) and arrays of strings: the app JSON.parses the text.
        try:
            document = json.loads(text)
        except ValueError:
            raise BadInput(f"{where} is not the JSON a {item.get('type')} needs") from None
        return _from_json(abi_type, item, document, where)
    if _split_array(abi_type) is not None:
        return _from_array_text(abi_type, text, where)
    return _scalar(abi_type, text, where, from_json=False)


def _from_array_text(abi_type: str, text: str, where: str) -> list[Any]:
    """`[1, 2, [3, 4]]` split at top-level commas, quotes dropped, each item read by its type."""
    split = _split_array(abi_type)
    assert split is not None
    element = split[0]
    stripped = text.strip()
    if not (stripped.startswith("[") and stripped.endswith("]")):
        raise BadInput(f"{where} is not an array: {_show(text)}")
    items = _top_level_items(stripped[1:-1])
    if _split_array(element) is not None:
        return [_from_array_text(element, item, f"{where}[{i}]") for i, item in enumerate(items)]
    return [
        _scalar(element, item.replace('"', "").replace("'", ""), f"{where}[{i}]", from_json=False)
        for i, item in enumerate(items)
    ]


def _top_level_items(inner: str) -> list[str]:
    """The app's split: commas outside nested brackets separate items; `[]` has none."""
    if not inner.strip():
        return []
    items = [""]
    depth = 0
    for char in inner:
        if char == "," and depth == 0:
            items.append("")
            continue
        depth += {"[": 1, "]": -1}.get(char, 0)
        items[-1] += char
    return [item.strip() for item in items]


def _from_json(abi_type: str, item: Mapping[str, Any], value: Any, where: str) -> Any:
    """A JSON value (from a tuple or a string array) for `abi_type`; `item` is its ABI entry."""
    if (split := _split_array(abi_type)) is not None:
        if not isinstance(value, list):
            raise BadInput(f"{where} must be a JSON array")
        return [_from_json(split[0], item, v, f"{where}[{i}]") for i, v in enumerate(value)]
    if not abi_type.startswith("("):
        return _scalar(abi_type, value, where, from_json=True)
    components: list[Mapping[str, Any]] = item["components"]
    names = [c.get("name") or "" for c in components]
    if isinstance(value, dict):  # the app's encoder also takes a tuple keyed by names
        if sorted(value) != sorted(names) or "" in names:
            raise BadInput(f"{where} must name exactly the components {names}")
        value = [value[name] for name in names]
    if not isinstance(value, list) or len(value) != len(components):
        raise BadInput(f"{where} must be a JSON array of {len(components)} values")
    return tuple(
        _from_json(canonical_type(c, where), c, v, f"{where}[{i}]")
        for i, (c, v) in enumerate(zip(components, value, strict=True))
    )


def _scalar(abi_type: str, value: Any, where: str, *, from_json: bool) -> Any:
    try:
        return _scalar_value(abi_type, value, where, from_json)
    except SafeOpsError:
        raise
    except (ValueError, TypeError):
        raise BadInput(f"{where} is not a valid {abi_type}: {_show(value)}") from None


def _scalar_value(abi_type: str, value: Any, where: str, from_json: bool) -> Any:
    if abi_type == "bool":
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and not from_json:
            word = value.strip().lower()
            if word in ("true", "1", "false", "0"):
                return word in ("true", "1")
        # In a JSON tuple the app's encoder takes any non-empty string as true: refused.
        raise ValueError(value)
    if abi_type.startswith(("uint", "int")):
        return _integer(value, where, from_json)
    if abi_type == "address":
        if not isinstance(value, str):
            raise ValueError(value)
        return parse_address(value.strip(), what=where)
    if abi_type.startswith("bytes"):
        return _bytes(abi_type, value, where)
    if abi_type == "string":
        if not isinstance(value, str):
            raise ValueError(value)
        return value  # as typed: the app does not trim strings
    raise BadInput(f"{where}: type {abi_type} is not read from a Builder file")


def _integer(value: Any, where: str, from_json: bool) -> int:
    if isinstance(value, bool):
        raise ValueError(value)
    if isinstance(value, int):
        if from_json and abs(value) > JS_SAFE_INTEGER:
            raise BadInput(
                f"{where}: {value} is beyond what the Builder's JSON numbers hold exactly",
                hint="Write large numbers in tuples as decimal strings.",
            )
        return value
    if not isinstance(value, str):
        raise ValueError(value)
    text = value.replace('"', "").replace("'", "").strip()
    if _DECIMAL.match(text):
        return int(text)
    if _HEX_NUMBER.match(text):
        return int(text, 16)
    raise BadInput(f"{where} is not a whole number: {_show(value)}")


def _bytes(abi_type: str, value: Any, where: str) -> bytes:
    if not isinstance(value, str) or not value.strip().startswith("0x"):
        raise BadInput(f"{where} must be 0x-hex bytes: {_show(value)}")
    raw = bytes.fromhex(value.strip()[2:])
    size = abi_type[len("bytes") :]
    if size and len(raw) != int(size):
        raise BadInput(f"{where} holds {len(raw)} bytes, a {abi_type} holds exactly {size}")
    return raw


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:79] + "…"
