"""Function signatures, selectors and call encoding."""

from __future__ import annotations

import pytest

from safeops.core.decoding.selectors import encode_call, parse_signature
from safeops.errors import BadInput


def test_selectors_of_known_functions() -> None:
    assert parse_signature("transfer(address,uint256)").selector.hex() == "a9059cbb"
    assert parse_signature("pause()").selector.hex() == "8456cb59"


def test_outputs_and_tuples_are_parsed() -> None:
    view = parse_signature("isAllowed(address)(bool)")
    assert (view.inputs, view.outputs) == (("address",), ("bool",))
    nested = parse_signature("f((uint256,address)[],bytes32)")
    assert nested.inputs == ("(uint256,address)[]", "bytes32")
    assert nested.canonical == "f((uint256,address)[],bytes32)"


@pytest.mark.parametrize(
    "text", ["pause", "pause(", "pause())x", "(uint256)", "f(uint256,)", "f(uint256))", "1f()"]
)
def test_malformed_signatures_are_bad_input(text: str) -> None:
    with pytest.raises(BadInput):
        parse_signature(text)


def test_encode_call_matches_eth_abi() -> None:
    from eth_abi.abi import encode

    to = "0x976EA74026E726554dB657fA54763abd0C3a0aa9"
    data = encode_call("transfer(address,uint256)", to, 7)
    assert data == bytes.fromhex("a9059cbb") + encode(["address", "uint256"], [to, 7])


def test_encode_call_checks_the_argument_count() -> None:
    with pytest.raises(BadInput, match="takes 2 arguments"):
        encode_call("transfer(address,uint256)", "0x" + "00" * 20)
