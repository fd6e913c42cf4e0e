"""EIP-712: the digest a signer signs for a full typed-data document, computed here.

What is signed must not depend on a library that loads a second of unrelated code (eth_account
pulls eth_keyfile and py_ecc): this is the encoding of the EIP itself, checked in the tests
against eth_account for every Safe version's typed data and against our own safeTxHash.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from eth_hash.auto import keccak

from safeops.errors import BadInput

_ARRAY = re.compile(r"^(.+)\[(\d*)\]$")
_SIZED = re.compile(r"^(u?int|bytes)(\d+)$")


def typed_data_digest(typed: Mapping[str, Any]) -> bytes:
    """keccak256(0x1901 || hashStruct(domain) || hashStruct(message)): the 32 bytes an
    EIP-712 signature signs. Malformed typed data is BadInput."""
    try:
        types = typed["types"]
        domain_hash = hash_struct(types, "EIP712Domain", typed["domain"])
        primary = typed["primaryType"]
        if primary == "EIP712Domain":
            return keccak(b"\x19\x01" + domain_hash)
        return keccak(b"\x19\x01" + domain_hash + hash_struct(types, primary, typed["message"]))
    except (KeyError, TypeError, ValueError, OverflowError) as error:
        raise BadInput(f"typed data is not valid EIP-712: {type(error).__name__}") from error


def hash_struct(types: Mapping[str, Any], name: str, value: Mapping[str, Any]) -> bytes:
    return keccak(_encode_data(types, name, value))


def encode_type(types: Mapping[str, Any], name: str) -> str:
    """`Name(type field,…)` followed by every struct it references, sorted by name."""
    referenced = sorted(_dependencies(types, name, set()) - {name})
    return "".join(_one_type(types, struct) for struct in [name, *referenced])


def _one_type(types: Mapping[str, Any], name: str) -> str:
    fields = ",".join(f"{field['type']} {field['name']}" for field in types[name])
    return f"{name}({fields})"


def _base(type_name: str) -> str:
    while (match := _ARRAY.match(type_name)) is not None:
        type_name = match.group(1)
    return type_name


def _dependencies(types: Mapping[str, Any], name: str, found: set[str]) -> set[str]:
    if name in found or name not in types:
        return found
    found.add(name)
    for field in types[name]:
        _dependencies(types, _base(field["type"]), found)
    return found


def _encode_data(types: Mapping[str, Any], name: str, value: Mapping[str, Any]) -> bytes:
    type_hash = keccak(encode_type(types, name).encode())
    fields: Sequence[Mapping[str, str]] = types[name]
    return type_hash + b"".join(
        _encode_value(types, field["type"], value[field["name"]]) for field in fields
    )


def _encode_value(types: Mapping[str, Any], type_name: str, value: Any) -> bytes:
    if (array := _ARRAY.match(type_name)) is not None:
        item_type, length = array.group(1), array.group(2)
        if length and len(value) != int(length):
            raise ValueError(f"{type_name} needs {length} items")
        return keccak(b"".join(_encode_value(types, item_type, item) for item in value))
    if type_name in types:
        return hash_struct(types, type_name, value)
    if type_name == "bytes":
        return keccak(_bytes(value))
    if type_name == "string":
        return keccak(value.encode() if isinstance(value, str) else bytes(value))
    return _atomic(type_name, value)


def _atomic(type_name: str, value: Any) -> bytes:
    if type_name == "address":
        raw = _bytes(value)
        if len(raw) != 20:
            raise ValueError("an address is 20 bytes")
        return raw.rjust(32, b"\0")
    if type_name == "bool":
        if not isinstance(value, bool):
            raise TypeError("a bool must be true or false")
        return int(value).to_bytes(32, "big")
    sized = _SIZED.match(type_name)
    if sized is None:
        raise ValueError(f"unknown EIP-712 type {type_name}")
    kind, bits = sized.group(1), int(sized.group(2))
    if kind == "bytes":
        raw = _bytes(value)
        if not 1 <= bits <= 32 or len(raw) > bits:
            raise ValueError(f"{type_name} holds at most {bits} bytes")
        return raw.ljust(32, b"\0")
    number = _integer(value)
    if bits % 8 or not 8 <= bits <= 256:
        raise ValueError(f"unknown EIP-712 type {type_name}")
    low, high = (0, 2**bits) if kind == "uint" else (-(2 ** (bits - 1)), 2 ** (bits - 1))
    if not low <= number < high:
        raise ValueError(f"{number} does not fit {type_name}")
    return (number % 2**256).to_bytes(32, "big")


def _integer(value: Any) -> int:
    if isinstance(value, bool):
        raise TypeError("a number, not a bool")
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        text = value.strip()
        return int(text, 16) if text.lower().startswith(("0x", "-0x")) else int(text, 10)
    raise TypeError("not a number")


def _bytes(value: Any) -> bytes:
    if isinstance(value, bytes | bytearray):
        return bytes(value)
    if isinstance(value, str) and value.startswith(("0x", "0X")):
        return bytes.fromhex(value[2:])
    raise TypeError("bytes must be 0x-hex")
