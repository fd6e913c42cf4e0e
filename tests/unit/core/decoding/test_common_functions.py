"""The bundled table of common functions: right selectors, decodable, named by `tx hash`."""

from __future__ import annotations

import pytest
from eth_abi.abi import encode
from eth_utils.abi import function_signature_to_4byte_selector

from safeops.core.decoding.common_functions import COMMON_FUNCTIONS
from safeops.core.decoding.decode import decode_call
from safeops.core.decoding.known_functions import KNOWN_FUNCTIONS
from tests.helpers import cli

SAFE = "0xe690d772bCc82DA64dbE2d0Dc83BBfcB3B2c1590"
ROUTER = "0x2279B7A0a67DB372996a5FaB50D91eAA73d2eBe6"

# Selectors as block explorers and the 4byte directory list them: an anchor independent of
# any keccak implementation, for the functions an on-call reviewer meets most.
WELL_KNOWN = {
    "pause()": "8456cb59",
    "unpause()": "3f4ba83a",
    "transfer(address,uint256)": "a9059cbb",
    "approve(address,uint256)": "095ea7b3",
    "transferFrom(address,address,uint256)": "23b872dd",
    "increaseAllowance(address,uint256)": "39509351",
    "decreaseAllowance(address,uint256)": "a457c2d7",
    "transferOwnership(address)": "f2fde38b",
    "renounceOwnership()": "715018a6",
    "acceptOwnership()": "79ba5097",
    "grantRole(bytes32,address)": "2f2ff15d",
    "revokeRole(bytes32,address)": "d547741f",
    "renounceRole(bytes32,address)": "36568abe",
    "execTransaction(address,uint256,bytes,uint8,uint256,uint256,uint256,address,address,bytes)": (
        "6a761202"
    ),
    "setup(address[],uint256,address,bytes,address,address,uint256,address)": "b63e800d",
}


def test_every_row_hashes_to_its_selector_with_eth_utils_keccak() -> None:
    for signature, _kind, names in COMMON_FUNCTIONS:
        function = KNOWN_FUNCTIONS[function_signature_to_4byte_selector(signature)]
        assert function.signature == signature
        assert len(names) == len(function.arg_types), signature


@pytest.mark.parametrize(("signature", "selector"), sorted(WELL_KNOWN.items()))
def test_well_known_selectors(signature: str, selector: str) -> None:
    function = KNOWN_FUNCTIONS[bytes.fromhex(selector)]
    assert function.signature == signature


def test_the_families_the_on_call_reviewer_meets_are_covered() -> None:
    kinds = {signature: kind for signature, kind, _ in COMMON_FUNCTIONS}
    assert kinds["pause()"] == kinds["unpause()"] == "pausable"
    assert kinds["revokeRole(bytes32,address)"] == "role"
    assert kinds["acceptOwnership()"] == "ownership"
    assert {kind for _, kind, _ in COMMON_FUNCTIONS} == {
        "pausable",
        "erc20",
        "ownership",
        "role",
        "safe",
    }


def test_arguments_decode_with_their_names() -> None:
    role = bytes.fromhex("65d7a28e" + "00" * 28)
    data = function_signature_to_4byte_selector("revokeRole(bytes32,address)") + encode(
        ["bytes32", "address"], [role, ROUTER]
    )
    call = decode_call(ROUTER, 0, data, 0)
    assert call.error is None
    assert [(a.name, a.value) for a in call.args] == [
        ("role", "0x" + role.hex()),
        ("account", ROUTER),
    ]


def test_tx_hash_names_pause_without_a_policy(capsys: pytest.CaptureFixture[str]) -> None:
    args = ("tx", "hash", "--chain-id", "1", "--safe", SAFE, "--safe-version", "1.4.1")
    call = (*args, "--nonce", "0", "--to", ROUTER, "--data", "0x8456cb59")
    document = cli(capsys, "--json", *call).json
    assert document["decoded"]["signature"] == "pause()"
    assert document["decoded"]["kind"] == "pausable"
    shown = cli(capsys, *call)
    assert shown.code == 0, shown.stderr
    assert "pause()" in shown.stdout
    assert "unknown function" not in shown.stdout
