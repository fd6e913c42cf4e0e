"""Transaction Builder batch files: round trip, checksum, tampering."""

from __future__ import annotations

import copy

import pytest

from safeops.core.tx_builder import BuilderCall, build_batch, checksum, read_batch
from safeops.errors import BadInput, HashMismatch

SAFE = "0xe690d772bCc82DA64dbE2d0Dc83BBfcB3B2c1590"
ROUTER = "0x2279B7A0a67DB372996a5FaB50D91eAA73d2eBe6"
CALLS = [BuilderCall(ROUTER, 0, bytes.fromhex("8456cb59"))]


def _batch() -> dict[str, object]:
    return build_batch(CALLS, 1, SAFE, "pause", "emergency pause", 1_700_000_000_000)


def test_round_trip() -> None:
    parsed = read_batch(_batch())
    assert parsed.calls == tuple(CALLS)
    assert parsed.chain_id == 1
    assert parsed.safe == SAFE


def test_checksum_ignores_the_name_but_not_the_calls() -> None:
    batch = _batch()
    renamed = copy.deepcopy(batch)
    renamed["meta"]["name"] = "another name"  # type: ignore[index]
    assert checksum(renamed) == batch["meta"]["checksum"]  # type: ignore[index]
    tampered = copy.deepcopy(batch)
    tampered["transactions"][0]["to"] = SAFE  # type: ignore[index]
    with pytest.raises(HashMismatch):
        read_batch(tampered)


def test_serialisation_is_the_builders() -> None:
    """The Builder writes sorted keys as a JSON array, then each value and a comma."""
    from eth_hash.auto import keccak

    from safeops.core.tx_builder import _serialize

    document = {"b": [1, "x"], "a": {"z": None, "y": True}}
    expected = '{["a","b"]{["y","z"]true,null,},[1,"x"],}'
    assert _serialize(document) == expected
    assert checksum({"a": 1, "meta": {"name": "x"}}) == (
        "0x" + keccak(b'{["a","meta"]1,{["name"]null,},}').hex()
    )


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda b: b.pop("transactions"), "no transactions"),
        (lambda b: b["transactions"].clear(), "holds no transactions"),
        (lambda b: b["transactions"][0].update(data=None), "no 0x calldata"),
        (lambda b: b["transactions"][0].update(to=ROUTER.lower()), "EIP-55"),
        (lambda b: b.update(chainId="mainnet"), "numeric chainId"),
        (lambda b: b.update(chainId=1.5), "numeric chainId"),  # int() would read 1
        (lambda b: b["transactions"][0].update(value=1.5), "whole number of wei, got 1.5"),
        (lambda b: b["transactions"][0].update(value=True), "whole number of wei, got True"),
        (lambda b: b["transactions"][0].update(value=["1"]), "whole number of wei"),
        (lambda b: b["transactions"][0].update(value="-1"), "whole number of wei"),
        (lambda b: b["transactions"][0].update(data="0xzz"), "malformed calldata"),
    ],
)
def test_malformed_files(mutate: object, message: str) -> None:
    batch = _batch()
    mutate(batch)  # type: ignore[operator]
    batch["meta"].pop("checksum")  # type: ignore[attr-defined]
    with pytest.raises(BadInput, match=message):
        read_batch(batch)
