"""Decoding known events from topics and data."""

from __future__ import annotations

from eth_abi.abi import encode
from eth_hash.auto import keccak

from safeops.core.events import decode_event
from safeops.core.execution import Log

SAFE = "0xe690d772bCc82DA64dbE2d0Dc83BBfcB3B2c1590"
COLD = "0x976EA74026E726554dB657fA54763abd0C3a0aa9"


def test_indexed_and_plain_arguments() -> None:
    log = Log(
        SAFE,
        (
            keccak(b"EmergencyWithdrawal(address,address,uint256)"),
            encode(["address"], [SAFE]),
            encode(["address"], [COLD]),
        ),
        encode(["uint256"], [5]),
    )
    event = decode_event(log)
    assert event.name == "EmergencyWithdrawal"
    assert event.args == (SAFE, COLD, "5")


def test_paused_has_its_account_in_data() -> None:
    event = decode_event(Log(SAFE, (keccak(b"Paused(address)"),), encode(["address"], [SAFE])))
    assert event.describe() == f"Paused({SAFE}) at {SAFE}"


def test_unknown_and_broken_events() -> None:
    assert decode_event(Log(SAFE, (b"\x01" * 32,), b"")).name.startswith("unknown event 0x0101")
    broken = decode_event(Log(SAFE, (keccak(b"Paused(address)"),), b"\x00"))
    assert broken.name == "Paused (undecodable)"
