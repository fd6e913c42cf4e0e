"""Decoding known events from topics and data."""

from __future__ import annotations

from eth_abi.abi import encode
from eth_hash.auto import keccak

from safeops.core.decoding.events import decode_event
from safeops.core.transactions.execution import Log

SAFE = "0xe690d772bCc82DA64dbE2d0Dc83BBfcB3B2c1590"
COLD = "0x976EA74026E726554dB657fA54763abd0C3a0aa9"
OWNER = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"
ROUTER = "0x2279B7A0a67DB372996a5FaB50D91eAA73d2eBe6"
TX_HASH = bytes.fromhex("ab" * 32)


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


def _log(signature: str, indexed: list[bytes], data: bytes, address: str = ROUTER) -> Log:
    return Log(address, (keccak(signature.encode()), *indexed), data)


def _topic(address: str) -> bytes:
    return bytes(12) + bytes.fromhex(address[2:])


def test_known_events_are_decoded() -> None:
    paused = decode_event(_log("Paused(address)", [], encode(["address"], [SAFE])))
    assert (paused.name, paused.args) == ("Paused", (SAFE,))
    transfer = decode_event(
        _log(
            "Transfer(address,address,uint256)",
            [_topic(SAFE), _topic(OWNER)],
            encode(["uint256"], [10**30]),
        )
    )
    assert transfer.args == (SAFE, OWNER, str(10**30))
    success = decode_event(
        _log("ExecutionSuccess(bytes32,uint256)", [TX_HASH], encode(["uint256"], [0]), SAFE)
    )
    assert success.args == ("0x" + TX_HASH.hex(), "0")
    approval = decode_event(_log("ApproveHash(bytes32,address)", [TX_HASH, _topic(OWNER)], b""))
    assert (approval.name, approval.args) == ("ApproveHash", ("0x" + TX_HASH.hex(), OWNER))


def test_unknown_or_mismatched_events_are_not_decoded() -> None:
    unknown = decode_event(_log("Other(uint256)", [], encode(["uint256"], [1])))
    assert unknown.name == "unknown event 0x" + keccak(b"Other(uint256)").hex()
    # An ERC-721 Transfer indexes its third argument: same topic0, not the ERC-20 event.
    nft = decode_event(
        _log("Transfer(address,address,uint256)", [_topic(SAFE), _topic(OWNER), bytes(32)], b"")
    )
    assert nft.name == "Transfer (undecodable)"
    truncated = decode_event(_log("Paused(address)", [], b"\x01"))
    assert truncated.name == "Paused (undecodable)"


def test_the_json_of_an_event() -> None:
    paused = decode_event(_log("Paused(address)", [], encode(["address"], [SAFE])))
    assert paused.to_json() == {"address": ROUTER, "name": "Paused", "args": [SAFE]}
