"""Calldata decoding: known functions, MultiSend batches, malformed input and JSON output."""

from __future__ import annotations

import json
import random

import pytest
from eth_abi.abi import encode
from eth_utils.abi import function_signature_to_4byte_selector
from eth_utils.address import to_checksum_address
from safe_eth.eth.utils import get_empty_tx_params
from safe_eth.safe.multi_send import MultiSend, MultiSendOperation, MultiSendTx

import safeops.core.decoding.decode as decode_module
from safeops.core.decoding.decode import (
    KNOWN_FUNCTIONS,
    MAX_DEPTH,
    MULTISEND_SELECTOR,
    DecodedArg,
    DecodedCall,
    call_to_json,
    decode_call,
    encode_multisend,
    walk,
)
from safeops.errors import BadInput, InvalidAddress

SAFE = "0x5aFE3855358E112B5647B952709E6165e1c1eEEe"
TOKEN = "0xdAC17F958D2ee523a2206206994597C13D831ec7"
ATTACKER = "0x96221423681A6d52E184D440a8eFCEbB105C7242"
OWNER = "0x1111111111111111111111111111111111111111"
PAUSABLE_A = "0x2222222222222222222222222222222222222222"
PAUSABLE_B = "0x3333333333333333333333333333333333333333"
MULTISEND_CALL_ONLY = "0x9641d764fc13c8B624c04430C7356C1C7C8102e2"
PAUSE = function_signature_to_4byte_selector("pause()")


def calldata(signature: str, *args: object) -> bytes:
    """Selector plus ABI-encoded arguments, as a wallet would build them."""
    types = signature.split("(", 1)[1].removesuffix(")")
    body = encode(types.split(","), list(args)) if types else b""
    return function_signature_to_4byte_selector(signature) + body


def test_selectors_are_unique_and_match_eth_utils() -> None:
    signatures = [function.signature for function in KNOWN_FUNCTIONS.values()]
    assert len(signatures) == len(set(signatures)) == 42
    for selector, function in KNOWN_FUNCTIONS.items():
        assert selector == function_signature_to_4byte_selector(function.signature)
        assert len(function.arg_names) == len(function.arg_types)
    assert MULTISEND_SELECTOR.hex() == "8d80ff0a"


def test_empty_data_is_a_plain_transfer_of_value() -> None:
    call = decode_call(ATTACKER, 5, b"", 0)
    assert call == DecodedCall(ATTACKER, 5, 0, b"", None, None, None)


def test_calldata_shorter_than_a_selector_is_an_error() -> None:
    call = decode_call(TOKEN, 0, b"\x12\x34", 0)
    assert (call.selector, call.signature, call.error) == (
        None,
        None,
        "calldata shorter than a selector",
    )


def test_unknown_selector_has_no_signature_and_no_args() -> None:
    unknown = function_signature_to_4byte_selector("setAllowed(address,bool)")
    call = decode_call(TOKEN, 0, unknown + b"\x00" * 7, 0)
    assert (call.selector, call.signature, call.kind, call.args, call.error) == (
        "0x4697f05d",
        None,
        None,
        (),
        None,
    )


def test_add_owner_with_threshold_decodes_with_abi_names() -> None:
    call = decode_call(SAFE, 0, calldata("addOwnerWithThreshold(address,uint256)", OWNER, 2), 0)
    assert call.signature == "addOwnerWithThreshold(address,uint256)"
    assert call.kind == "safe"
    assert call.selector == "0x0d582f13"
    assert call.args == (
        DecodedArg("owner", "address", OWNER),
        DecodedArg("_threshold", "uint256", 2),
    )
    assert call.error is None


@pytest.mark.parametrize(
    ("signature", "args", "kind", "expected"),
    [
        (
            "removeOwner(address,address,uint256)",
            (PAUSABLE_A, OWNER, 1),
            "safe",
            [("prevOwner", PAUSABLE_A), ("owner", OWNER), ("_threshold", 1)],
        ),
        (
            "swapOwner(address,address,address)",
            (PAUSABLE_A, OWNER, ATTACKER),
            "safe",
            [("prevOwner", PAUSABLE_A), ("oldOwner", OWNER), ("newOwner", ATTACKER)],
        ),
        ("changeThreshold(uint256)", (3,), "safe", [("_threshold", 3)]),
        ("enableModule(address)", (ATTACKER,), "safe", [("module", ATTACKER)]),
        (
            "disableModule(address,address)",
            (OWNER, ATTACKER),
            "safe",
            [("prevModule", OWNER), ("module", ATTACKER)],
        ),
        ("setGuard(address)", (ATTACKER,), "safe", [("guard", ATTACKER)]),
        ("setModuleGuard(address)", (ATTACKER,), "safe", [("moduleGuard", ATTACKER)]),
        ("setFallbackHandler(address)", (ATTACKER,), "safe", [("handler", ATTACKER)]),
        ("changeMasterCopy(address)", (ATTACKER,), "safe", [("_masterCopy", ATTACKER)]),
        (
            "approveHash(bytes32)",
            (b"\xab" * 32,),
            "safe",
            [("hashToApprove", "0x" + "ab" * 32)],
        ),
        ("migrateSingleton()", (), "migration", []),
        ("migrateL2WithFallbackHandler()", (), "migration", []),
        (
            "approve(address,uint256)",
            (ATTACKER, 2**256 - 1),
            "erc20",
            [("spender", ATTACKER), ("value", 2**256 - 1)],
        ),
        (
            "transferFrom(address,address,uint256)",
            (SAFE, ATTACKER, 7),
            "erc20",
            [("from", SAFE), ("to", ATTACKER), ("value", 7)],
        ),
        ("upgradeTo(address)", (ATTACKER,), "upgrade", [("newImplementation", ATTACKER)]),
        (
            "upgradeToAndCall(address,bytes)",
            (ATTACKER, b"\x01\x02"),
            "upgrade",
            [("newImplementation", ATTACKER), ("data", "0x0102")],
        ),
        ("transferOwnership(address)", (ATTACKER,), "ownership", [("newOwner", ATTACKER)]),
        ("renounceOwnership()", (), "ownership", []),
    ],
)
def test_known_functions_decode(
    signature: str, args: tuple[object, ...], kind: str, expected: list[tuple[str, object]]
) -> None:
    call = decode_call(TOKEN, 0, calldata(signature, *args), 0)
    assert (call.signature, call.kind, call.error) == (signature, kind, None)
    assert [(arg.name, arg.value) for arg in call.args] == expected


def test_bybit_shaped_delegatecall_of_a_transfer_is_decoded() -> None:
    data = calldata("transfer(address,uint256)", ATTACKER, 10**18)
    call = decode_call(ATTACKER.lower(), 0, data, 1)
    assert call.to == ATTACKER
    assert call.operation == 1
    assert call.signature == "transfer(address,uint256)"
    assert call.kind == "erc20"
    assert call.args == (
        DecodedArg("to", "address", ATTACKER),
        DecodedArg("value", "uint256", 10**18),
    )


def test_truncated_arguments_of_a_known_function_are_an_error() -> None:
    data = calldata("transfer(address,uint256)", ATTACKER, 1)[:40]
    call = decode_call(TOKEN, 0, data, 0)
    assert call.signature == "transfer(address,uint256)"
    assert call.args == ()
    assert call.error is not None
    assert call.error.startswith("arguments of transfer(address,uint256) do not decode")


def test_bytes_after_the_arguments_are_reported_but_args_kept() -> None:
    data = calldata("changeThreshold(uint256)", 1) + b"\xde\xad"
    call = decode_call(SAFE, 0, data, 0)
    assert call.args == (DecodedArg("_threshold", "uint256", 1),)
    assert call.error == "2 unexpected bytes after the arguments of changeThreshold(uint256)"


def test_dirty_address_padding_is_an_error() -> None:
    data = bytearray(calldata("setGuard(address)", ATTACKER))
    data[4] = 0xFF
    call = decode_call(SAFE, 0, bytes(data), 0)
    assert call.args == ()
    assert call.error is not None


def test_multisend_batch_round_trips_in_order() -> None:
    add_owner = calldata("addOwnerWithThreshold(address,uint256)", ATTACKER, 1)
    calls = [(0, PAUSABLE_A, 0, PAUSE), (0, SAFE, 0, add_owner), (1, TOKEN, 3, b"")]
    call = decode_call(MULTISEND_CALL_ONLY, 0, encode_multisend(calls), 1)
    assert (call.signature, call.kind, call.error) == ("multiSend(bytes)", "multisend", None)
    assert [(c.operation, c.to, c.value, c.data) for c in call.inner] == calls
    assert call.inner[1].signature == "addOwnerWithThreshold(address,uint256)"
    assert call.inner[1].args[0] == DecodedArg("owner", "address", ATTACKER)


def test_encode_multisend_matches_safe_eth() -> None:
    add_owner = calldata("addOwnerWithThreshold(address,uint256)", ATTACKER, 1)
    calls = [(0, PAUSABLE_A, 0, PAUSE), (1, SAFE, 5, add_owner), (0, TOKEN, 0, b"")]
    theirs = [
        MultiSendTx(MultiSendOperation(operation), to_checksum_address(to), value, data)
        for operation, to, value, data in calls
    ]
    multi_send = MultiSend(address=to_checksum_address(MULTISEND_CALL_ONLY), call_only=True)
    # build_tx asks the provider for a chain id unless one is given.
    built = multi_send.build_tx(theirs, tx_params={**get_empty_tx_params(), "chainId": 1})
    ours = encode_multisend(calls)
    assert ours == bytes.fromhex(str(built["data"]).removeprefix("0x"))
    assert MultiSend.from_transaction_data(ours) == theirs


def test_encode_multisend_of_nothing_is_an_empty_batch() -> None:
    call = decode_call(MULTISEND_CALL_ONLY, 0, encode_multisend([]), 1)
    assert (call.inner, call.error) == ((), None)


@pytest.mark.parametrize(
    ("calls", "error"),
    [
        ([(2, TOKEN, 0, b"")], BadInput),
        ([(0, TOKEN.lower(), 0, b"")], InvalidAddress),
        ([(0, TOKEN, -1, b"")], BadInput),
        ([(0, TOKEN, 2**256, b"")], BadInput),
    ],
)
def test_encode_multisend_refuses_bad_calls(
    calls: list[tuple[int, str, int, bytes]], error: type[Exception]
) -> None:
    with pytest.raises(error):
        encode_multisend(calls)


def nested(levels: int) -> bytes:
    """A multiSend holding a multiSend ... `levels` deep, with a pause() at the bottom."""
    data = PAUSE
    for _ in range(levels):
        data = encode_multisend([(0, PAUSABLE_A, 0, data)])
    return data


def test_nested_batches_are_decoded_and_walked_depth_first() -> None:
    inner = encode_multisend([(0, PAUSABLE_A, 0, PAUSE), (0, PAUSABLE_B, 0, PAUSE)])
    outer = encode_multisend([(1, MULTISEND_CALL_ONLY, 0, inner), (0, TOKEN, 0, PAUSE)])
    call = decode_call(MULTISEND_CALL_ONLY, 0, outer, 1)
    walked = [(path, c.to) for path, c in walk(call)]
    assert walked == [
        ("call", MULTISEND_CALL_ONLY),
        ("call.batch[0]", MULTISEND_CALL_ONLY),
        ("call.batch[0].batch[0]", PAUSABLE_A),
        ("call.batch[0].batch[1]", PAUSABLE_B),
        ("call.batch[1]", TOKEN),
    ]


def test_nesting_beyond_the_depth_cap_is_an_error_not_a_crash() -> None:
    call = decode_call(PAUSABLE_A, 0, nested(MAX_DEPTH + 3), 0)
    paths = [path for path, _ in walk(call)]
    assert len(paths) == MAX_DEPTH + 1
    deepest = list(walk(call))[-1][1]
    assert deepest.inner == ()
    assert deepest.error == f"batch nested more than {MAX_DEPTH} levels deep: not decoded"


def test_nesting_at_the_depth_cap_is_fully_decoded() -> None:
    call = decode_call(PAUSABLE_A, 0, nested(MAX_DEPTH), 0)
    calls = [c for _, c in walk(call)]
    assert len(calls) == MAX_DEPTH + 1
    assert all(c.error is None for c in calls)
    assert calls[-1].selector == "0x8456cb59"


def test_item_count_is_capped(monkeypatch: pytest.MonkeyPatch) -> None:
    assert decode_module.MAX_ITEMS == 10_000
    monkeypatch.setattr(decode_module, "MAX_ITEMS", 5)
    call = decode_call(MULTISEND_CALL_ONLY, 0, encode_multisend([(0, TOKEN, 0, PAUSE)] * 7), 1)
    assert len(call.inner) == 5
    assert call.error == (
        "more than 5 calls in batches: batch item 5 (byte 445) and after not decoded"
    )


def multisend_of(payload: bytes) -> bytes:
    return MULTISEND_SELECTOR + encode(["bytes"], [payload])


def test_truncated_item_header_keeps_the_items_before_it() -> None:
    good = encode_multisend([(0, PAUSABLE_A, 0, PAUSE), (0, PAUSABLE_B, 0, PAUSE)])
    payload = decode_call(MULTISEND_CALL_ONLY, 0, good, 1).args[0].value
    assert isinstance(payload, str)
    raw = bytes.fromhex(payload[2:])
    call = decode_call(MULTISEND_CALL_ONLY, 0, multisend_of(raw + b"\x00" * 10), 1)
    assert [c.to for c in call.inner] == [PAUSABLE_A, PAUSABLE_B]
    assert call.error == "batch item 2 (byte 178) is truncated: 10 bytes left, a header needs 85"


def test_item_data_longer_than_the_payload_is_an_error() -> None:
    item = b"\x00" + bytes.fromhex(PAUSABLE_A[2:]) + bytes(32) + (100).to_bytes(32, "big") + PAUSE
    call = decode_call(MULTISEND_CALL_ONLY, 0, multisend_of(item), 1)
    assert call.inner == ()
    assert call.error == "batch item 0 (byte 0) declares 100 data bytes but only 4 remain"


def test_operation_above_one_is_an_error() -> None:
    first = encode_multisend([(0, PAUSABLE_A, 0, PAUSE)])
    raw = bytes.fromhex(str(decode_call(TOKEN, 0, first, 0).args[0].value)[2:])
    bad = b"\x02" + raw[1:]
    call = decode_call(MULTISEND_CALL_ONLY, 0, multisend_of(raw + bad), 1)
    assert [c.to for c in call.inner] == [PAUSABLE_A]
    assert call.error == "batch item 1 (byte 89) has operation 2, neither call nor delegatecall"


def test_undecodable_multisend_argument_is_an_error() -> None:
    call = decode_call(MULTISEND_CALL_ONLY, 0, MULTISEND_SELECTOR + b"\x00" * 31, 1)
    assert call.kind == "multisend"
    assert call.inner == ()
    assert call.error is not None


def test_call_to_json_is_plain_json() -> None:
    add_owner = calldata("addOwnerWithThreshold(address,uint256)", ATTACKER, 2)
    data = encode_multisend([(0, SAFE, 0, add_owner)])
    document = call_to_json(decode_call(MULTISEND_CALL_ONLY, 10**30, data, 1))
    assert json.loads(json.dumps(document)) == document
    assert document["value"] == str(10**30)
    assert document["operation"] == 1
    assert document["data"] == "0x" + data.hex()
    assert document["selector"] == "0x8d80ff0a"
    assert document["error"] is None
    inner = document["inner"]
    assert isinstance(inner, list)
    assert inner[0] == {
        "to": SAFE,
        "value": "0",
        "operation": 0,
        "data": "0x" + add_owner.hex(),
        "selector": "0x0d582f13",
        "signature": "addOwnerWithThreshold(address,uint256)",
        "kind": "safe",
        "args": [
            {"name": "owner", "type": "address", "value": ATTACKER},
            {"name": "_threshold", "type": "uint256", "value": "2"},
        ],
        "inner": [],
        "error": None,
    }


def assert_decodes_quietly(data: bytes, operation: int = 0) -> None:
    call = decode_call(TOKEN, 0, data, operation)
    assert call.data == data
    calls = list(walk(call))
    assert 1 <= len(calls) <= decode_module.MAX_ITEMS + 1
    json.dumps(call_to_json(call))


def test_fuzz_random_bytes_never_raise() -> None:
    rng = random.Random(20250221)
    selectors = [b"", MULTISEND_SELECTOR, *KNOWN_FUNCTIONS]
    for _ in range(300):
        prefix = rng.choice(selectors)
        body = rng.randbytes(rng.randrange(0, 400))
        assert_decodes_quietly(prefix + body, rng.randrange(2))


def test_fuzz_mutated_batches_never_raise() -> None:
    rng = random.Random(1337)
    add_owner = calldata("addOwnerWithThreshold(address,uint256)", ATTACKER, 1)
    base = encode_multisend(
        [
            (0, PAUSABLE_A, 0, PAUSE),
            (1, MULTISEND_CALL_ONLY, 0, encode_multisend([(0, SAFE, 0, add_owner)])),
            (0, TOKEN, 1, calldata("transfer(address,uint256)", ATTACKER, 5)),
        ]
    )
    for _ in range(300):
        data = bytearray(base)
        for _ in range(rng.randrange(1, 6)):
            data[rng.randrange(len(data))] = rng.randrange(256)
        if rng.random() < 0.3:
            del data[rng.randrange(4, len(data)) :]
        assert_decodes_quietly(bytes(data), 1)
