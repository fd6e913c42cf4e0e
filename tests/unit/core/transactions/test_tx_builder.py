"""Transaction Builder batch files: round trip, checksum, tampering, every form the app writes."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from safeops.core.transactions.tx_builder import BuilderCall, build_batch, checksum, read_batch
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

    from safeops.core.transactions.tx_builder import _serialize

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
        (lambda b: b["transactions"][0].update(data="8456cb59"), "no 0x prefix"),
        (lambda b: b["transactions"][0].update(data=7), "data must be 0x-hex or null, got int"),
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


FIXTURES = Path(__file__).parents[3] / "fixtures" / "tx_builder"


def _calls(name: str) -> list[dict[str, str]]:
    batch = read_batch(json.loads((FIXTURES / name).read_text()))
    return [{"to": c.to, "value": str(c.value), "data": "0x" + c.data.hex()} for c in batch.calls]


@pytest.mark.parametrize("name", ["admin-abi-form", "every-form"])
def test_abi_forms_encode_as_safe_clis_decoder_does(name: str) -> None:
    """Files as the app exports them (data null + contractMethod, custom hex, plain transfers):
    the calldata equals what safe-cli's own decoder produced for the same file."""
    expected = json.loads((FIXTURES / f"{name}.safe-cli.json").read_text())["calls"]
    assert _calls(f"{name}.json") == expected


def test_forms_safe_cli_cannot_read_encode_as_the_app_would() -> None:
    """Quoted array items, numbers as strings and names in tuples, tuple arrays, nested tuples
    and unnamed inputs: what the app sends, by viem's encoder as an independent oracle."""
    expected = json.loads((FIXTURES / "app-forms.viem.json").read_text())["calls"]
    assert _calls("app-forms.json") == expected


def test_a_plain_transfer_and_receive_carry_no_data() -> None:
    calls = _calls("every-form.json")
    cold = "0x976EA74026E726554dB657fA54763abd0C3a0aa9"
    assert calls[1] == {"to": cold, "value": str(10**18), "data": "0x"}
    assert calls[-1]["data"] == "0x"


def _abi_entry(inputs: list[dict[str, Any]], values: object) -> dict[str, object]:
    batch = _batch()
    entry = batch["transactions"][0]  # type: ignore[index]
    entry.update(  # type: ignore[union-attr]
        data=None,
        contractMethod={"inputs": inputs, "name": "act", "payable": False},
        contractInputsValues=values,
    )
    batch["meta"].pop("checksum")  # type: ignore[union-attr]
    return batch


def _input(name: str, type_: str, **extra: object) -> dict[str, Any]:
    return {"internalType": type_, "name": name, "type": type_, **extra}


TUPLE = _input(
    "config",
    "tuple",
    components=[_input("admin", "address"), _input("limit", "uint96"), _input("on", "bool")],
)


@pytest.mark.parametrize(
    ("inputs", "values", "message"),
    [
        ([_input("on", "bool")], {"on": "yes"}, r"contractInputsValues.on is not a valid bool"),
        ([_input("who", "address")], {"who": ROUTER.lower()}, "EIP-55"),
        ([_input("n", "uint256")], {"n": "1.5"}, "is not a whole number: '1.5'"),
        ([_input("n", "uint256")], {"n": "ff"}, "is not a whole number"),
        ([_input("n", "uint8")], {"n": "256"}, r"do not fit act\(uint8\)"),
        ([_input("n", "uint256")], {"n": "-1"}, r"do not fit act\(uint256\)"),
        ([_input("d", "bytes32")], {"d": "0x" + "ab" * 31}, "31 bytes, a bytes32 holds exactly 32"),
        ([_input("d", "bytes")], {"d": "abcd"}, "must be 0x-hex bytes"),
        ([_input("a", "address[]")], {"a": ROUTER}, "is not an array"),
        ([_input("n", "uint256")], None, "contractInputsValues is missing for act's 1 inputs"),
        ([_input("n", "uint257")], {"n": "1"}, "'uint257' is not an ABI type"),
        ([_input("c", "tuple")], {"c": "[]"}, "is a tuple without components"),
        ([TUPLE], {"config": f'["{SAFE}", 1, "false"]'}, r"config\[2\] is not a valid bool"),
        ([TUPLE], {"config": f'["{SAFE}", 9007199254740993, true]'}, "beyond what the Builder"),
        ([TUPLE], {"config": f'["{SAFE}", 1]'}, "must be a JSON array of 3 values"),
        ([TUPLE], {"config": f'{{"admin": "{SAFE}", "limit": 1}}'}, "must name exactly"),
        ([TUPLE], {"config": "not json"}, "is not the JSON a tuple needs"),
        ([_input("s", "string[]")], {"s": "[alpha]"}, "is not the JSON a string"),
    ],
)
def test_abi_values_the_app_would_misread_are_refused(
    inputs: list[dict[str, Any]], values: object, message: str
) -> None:
    with pytest.raises(BadInput, match=message):
        read_batch(_abi_entry(inputs, values))


def test_abi_values_read_like_the_app() -> None:
    """Booleans in any case or as 1/0, decimal and 0x numbers, negative ints, empty arrays."""
    from eth_abi.abi import encode
    from eth_hash.auto import keccak

    inputs = [
        _input("a", "bool"),
        _input("b", "bool[]"),
        _input("c", "uint256"),
        _input("d", "int8"),
        _input("e", "address[]"),
        _input("f", "string"),
    ]
    values = {"a": " TRUE ", "b": "[0, true,False]", "c": "0x2A", "d": "-7", "e": "[]", "f": " x "}
    (call,) = read_batch(_abi_entry(inputs, values)).calls
    types = ["bool", "bool[]", "uint256", "int8", "address[]", "string"]
    arguments = [True, [False, True, False], 42, -7, [], " x "]
    assert call.data == keccak(f"act({','.join(types)})".encode())[:4] + encode(types, arguments)
