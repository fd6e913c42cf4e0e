"""Revert data decoded into sentences a reviewer can act on."""

from __future__ import annotations

from eth_abi.abi import encode

from safeops.core.decoding.revert import decode_revert
from safeops.core.decoding.selectors import parse_signature


def _error(signature: str, types: list[str], values: list[object]) -> bytes:
    return parse_signature(signature).selector + encode(types, values)


def test_safe_codes_are_explained() -> None:
    data = _error("Error(string)", ["string"], ["GS013"])
    assert decode_revert(data).startswith("GS013: an inner call failed")


def test_plain_error_string() -> None:
    assert decode_revert(_error("Error(string)", ["string"], ["nope"])) == "nope"


def test_panic() -> None:
    assert decode_revert(_error("Panic(uint256)", ["uint256"], [0x11])) == (
        "panic 0x11: arithmetic overflow or underflow"
    )


def test_custom_errors_with_arguments() -> None:
    account = "0x976EA74026E726554dB657fA54763abd0C3a0aa9"
    role = b"\x01" * 32
    data = _error(
        "AccessControlUnauthorizedAccount(address,bytes32)",
        ["address", "bytes32"],
        [account, role],
    )
    assert decode_revert(data) == (
        f"AccessControlUnauthorizedAccount({account.lower()}, 0x{role.hex()})"
    )
    assert decode_revert(parse_signature("ExpectedPause()").selector) == "ExpectedPause()"


def test_unknown_and_garbage() -> None:
    assert decode_revert(b"") == "reverted without a reason"
    assert decode_revert(bytes.fromhex("deadbeef")).startswith("unknown custom error 0xdeadbeef")
    assert decode_revert(bytes.fromhex("08c379a0") + b"\x00" * 5).startswith("undecodable")
