"""Calldata larger than a block can carry is refused before decoding, and reading a large or
deeply nested transaction stays within 20x the input's size in memory."""

from __future__ import annotations

import contextlib
import io
import json
import tracemalloc
from pathlib import Path

import pytest

from safeops.core.decoding.decode import decode_call, encode_multisend
from safeops.core.hexes import MAX_CALLDATA_BYTES, hex0x
from safeops.core.transactions.safe_tx import SafeTx
from safeops.core.transactions.service_tx import parse_service_tx
from safeops.errors import BadInput

MULTISEND = "0x40A2aCCbd92BCA938b02010E17A5b8929b49130D"
TARGET = "0x2279B7A0a67DB372996a5FaB50D91eAA73d2eBe6"
ZERO = "0x" + "00" * 20


def _service(data_hex: str) -> dict[str, object]:
    return {
        "safe": TARGET,
        "to": MULTISEND,
        "value": "0",
        "data": data_hex,
        "operation": 1,
        "safeTxGas": "0",
        "baseGas": "0",
        "gasPrice": "0",
        "gasToken": ZERO,
        "refundReceiver": ZERO,
        "nonce": "0",
    }


def test_calldata_over_a_block_is_refused_before_it_is_decoded() -> None:
    too_big = "0x" + "00" * (MAX_CALLDATA_BYTES + 1)
    with pytest.raises(BadInput, match="more than one block can carry") as refused:
        parse_service_tx(_service(too_big))
    assert "15,000,001 bytes" in refused.value.message
    with pytest.raises(BadInput, match="more than one block can carry"):
        SafeTx(safe=TARGET, to=TARGET, data=bytes(MAX_CALLDATA_BYTES + 1))
    decoded = decode_call(TARGET, 0, bytes(MAX_CALLDATA_BYTES + 1), 0)
    assert decoded.error is not None
    assert decoded.error.endswith("more than one block can carry: not decoded")
    assert decoded.data == b""


def test_a_large_batch_in_a_batch_is_not_decoded_past_the_input_size() -> None:
    data = bytes([0xAA]) * 200_000
    for depth in range(3):
        data = encode_multisend([(1 if depth else 0, MULTISEND if depth else TARGET, 0, data)])
    outer = decode_call(MULTISEND, 0, data, 1)
    (middle,) = outer.inner
    assert middle.inner == ()
    assert middle.error is not None
    assert "batches within batches hold more than" in middle.error


def _nested(size: int, depth: int) -> bytes:
    data = bytes([0xAA]) * size
    for level in range(depth):
        data = encode_multisend([(1 if level else 0, MULTISEND if level else TARGET, 0, data)])
    return data


class _Sink(io.TextIOBase):
    """stdout that keeps nothing: what is measured is safeops, not the test's capture."""

    def write(self, text: str) -> int:
        return len(text)


def _peak_of_tx_hash(path: Path) -> int:
    from safeops.cli.app import main

    quiet = ["--json", "tx", "hash", "--to", TARGET, "--safe", TARGET, "--nonce", "0"]
    flags = ["--chain-id", "1", "--safe-version", "1.4.1"]
    with contextlib.redirect_stdout(_Sink()), contextlib.redirect_stderr(io.StringIO()):
        assert main([*quiet, *flags]) == 0  # imports and caches warmed up outside the window
        tracemalloc.start()
        try:
            assert main(["--json", "tx", "hash", "--file", str(path), *flags]) == 0
            return tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(_nested(1_000_000, 8), id="1MB-nested-8-deep"),
        pytest.param(encode_multisend([(0, TARGET, 0, b"")] * 2_000), id="2000-empty-calls"),
        pytest.param(
            encode_multisend([(0, TARGET, 0, bytes.fromhex("a9059cbb") + bytes(64))] * 2_000),
            id="2000-transfers",
        ),
    ],
)
def test_tx_hash_stays_within_20x_the_input(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "tx.json"
    path.write_text(json.dumps(_service(hex0x(data))))
    peak = _peak_of_tx_hash(path)
    assert peak <= 20 * path.stat().st_size, f"{peak / path.stat().st_size:.1f}x the input"
