"""`safeops tx hash`: offline hashes, Service JSON files, warnings and exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from safeops.core.decoding.decode import encode_multisend
from safeops.core.decoding.selectors import encode_call
from tests.helpers import cli

SAFE = "0xe690d772bCc82DA64dbE2d0Dc83BBfcB3B2c1590"
TOKEN = "0xa513E6E4b8f2a923D98304ec87F64353C4D5C853"
ROUTER = "0x2279B7A0a67DB372996a5FaB50D91eAA73d2eBe6"
LENDING = "0x8A791620dd6260079BF849Dc5567aDC3F2FdC318"
COLD = "0x976EA74026E726554dB657fA54763abd0C3a0aa9"
MULTISEND_CALL_ONLY = "0x9641d764fc13c8B624c04430C7356C1C7C8102e2"
NEW_OWNER = "0x15d34AAf54267DB7D7c367839AAf71A00a2C6A65"


def _oracle_hash(version: str, chain_id: int, **fields: object) -> str:
    """safe-eth-py's hash of the same transaction: a second, independent implementation."""
    from safe_eth.safe.safe_tx import SafeTx

    tx = SafeTx(
        None,
        SAFE,
        fields.get("to", TOKEN),
        fields.get("value", 0),
        fields.get("data", b""),
        fields.get("operation", 0),
        fields.get("safe_tx_gas", 0),
        fields.get("base_gas", 0),
        fields.get("gas_price", 0),
        fields.get("gas_token"),
        fields.get("refund_receiver"),
        safe_nonce=fields.get("nonce", 0),
        safe_version=version,
        chain_id=chain_id,
    )
    return str(tx.safe_tx_hash.to_0x_hex())


def _hash(capsys: pytest.CaptureFixture[str], *extra: str, version: str = "1.4.1") -> dict:
    run = cli(
        capsys,
        "--json",
        "tx",
        "hash",
        "--chain-id",
        "1",
        "--safe",
        SAFE,
        "--safe-version",
        version,
        *extra,
    )
    assert run.code == 0, run.stderr
    return run.json


@pytest.mark.parametrize("version", ["0.1.0", "1.0.0", "1.1.1", "1.2.0", "1.3.0", "1.4.1", "1.5.0"])
def test_flags_hash_like_safe_eth_py(capsys: pytest.CaptureFixture[str], version: str) -> None:
    data = encode_call("transfer(address,uint256)", COLD, 5)
    document = _hash(
        capsys,
        "--to",
        TOKEN,
        "--nonce",
        "7",
        "--value",
        "3",
        "--data",
        "0x" + data.hex(),
        version=version,
    )
    assert document["safe_tx_hash"] == _oracle_hash(version, 1, data=data, nonce=7, value=3)
    assert document["decoded"]["signature"] == "transfer(address,uint256)"


def test_bybit_shaped_delegatecall_is_flagged(capsys: pytest.CaptureFixture[str]) -> None:
    data = encode_call("transfer(address,uint256)", COLD, 10**6)
    document = _hash(
        capsys, "--to", TOKEN, "--nonce", "0", "--operation", "1", "--data", "0x" + data.hex()
    )
    assert [w["code"] for w in document["warnings"]] == ["UNTRUSTED_DELEGATECALL"]


def test_owner_change_hidden_in_a_batch_is_flagged(capsys: pytest.CaptureFixture[str]) -> None:
    batch = encode_multisend(
        [
            (0, ROUTER, 0, encode_call("pause()")),
            (0, SAFE, 0, encode_call("addOwnerWithThreshold(address,uint256)", NEW_OWNER, 1)),
        ]
    )
    document = _hash(
        capsys,
        "--to",
        MULTISEND_CALL_ONLY,
        "--nonce",
        "0",
        "--operation",
        "1",
        "--data",
        "0x" + batch.hex(),
    )
    codes = {(w["code"], w["path"]) for w in document["warnings"]}
    assert ("OWNER_CHANGE", "call.batch[1]") in codes
    assert ("THRESHOLD_CHANGE", "call.batch[1]") in codes


def test_refund_fields_are_flagged(capsys: pytest.CaptureFixture[str]) -> None:
    document = _hash(
        capsys, "--to", ROUTER, "--nonce", "0", "--gas-price", "1", "--refund-receiver", COLD
    )
    assert "GAS_REFUND" in [w["code"] for w in document["warnings"]]


def test_plain_multisend_call_only_batch_has_no_warnings(
    capsys: pytest.CaptureFixture[str],
) -> None:
    pause = encode_call("pause()")
    batch = encode_multisend([(0, ROUTER, 0, pause), (0, LENDING, 0, pause)])
    document = _hash(
        capsys,
        "--to",
        MULTISEND_CALL_ONLY,
        "--nonce",
        "4",
        "--operation",
        "1",
        "--data",
        "0x" + batch.hex(),
    )
    assert document["warnings"] == []
    assert [c["to"] for c in document["decoded"]["inner"]] == [ROUTER, LENDING]


def _service_file(tmp_path: Path, **overrides: object) -> Path:
    document = {
        "safe": SAFE,
        "to": ROUTER,
        "value": "0",
        "data": "0x" + encode_call("pause()").hex(),
        "operation": 0,
        "gasToken": "0x0000000000000000000000000000000000000000",
        "safeTxGas": 0,
        "baseGas": 0,
        "gasPrice": "0",
        "refundReceiver": "0x0000000000000000000000000000000000000000",
        "nonce": 12,
        "safeTxHash": _oracle_hash("1.4.1", 1, to=ROUTER, data=encode_call("pause()"), nonce=12),
    }
    document.update(overrides)
    path = tmp_path / "tx.json"
    path.write_text(json.dumps(document))
    return path


def test_service_file_with_its_own_hash(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = _service_file(tmp_path)
    run = cli(
        capsys,
        "--json",
        "tx",
        "hash",
        "--file",
        str(path),
        "--chain-id",
        "1",
        "--safe-version",
        "1.4.1",
    )
    assert run.code == 0
    assert run.json["hash_matches"] is True
    assert run.json["transaction"]["nonce"] == 12


def test_tampered_service_file_is_refused(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = _service_file(tmp_path, nonce=13)  # the hash still claims nonce 12
    run = cli(
        capsys,
        "--json",
        "tx",
        "hash",
        "--file",
        str(path),
        "--chain-id",
        "1",
        "--safe-version",
        "1.4.1",
    )
    assert run.code == 1
    assert run.json["hash_matches"] is False  # the one JSON object still shows both hashes
    assert "differs from the computed" in run.stderr
    human = cli(
        capsys, "tx", "hash", "--file", str(path), "--chain-id", "1", "--safe-version", "1.4.1"
    )
    assert "DIFFERS" in human.stdout


@pytest.mark.parametrize(
    ("extra", "overrides", "message"),
    [
        ([], {}, "missing --chain-id"),
        (
            ["--chain-id", "1", "--safe-version", "1.4.1", "--to", ROUTER],
            {},
            "--to cannot be combined with --file",
        ),
        (["--chain-id", "5", "--safe-version", "1.4.1"], {"chainId": 1}, "differs from the file"),
        (["--chain-id", "1", "--safe-version", "1.4.1"], {"to": ROUTER.lower()}, "EIP-55"),
        (["--chain-id", "1", "--safe-version", "1.4.1"], {"data": "0xzz"}, "not valid hex"),
        (["--chain-id", "1", "--safe-version", "1.4.1"], {"value": -1}, "out of the uint256 range"),
        (["--chain-id", "1", "--safe-version", "1.4.1"], {"safe": None}, "lacks safe"),
        (["--chain-id", "1", "--safe-version", "9.9.9"], {}, "unknown Safe version"),
        (["--chain-id", "1", "--safe-version", "1.4.1"], {"operation": 2}, "operation must be"),
    ],
)
def test_bad_service_files_are_exit_2(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    extra: list[str],
    overrides: dict[str, object],
    message: str,
) -> None:
    path = _service_file(tmp_path, **overrides)
    run = cli(capsys, "tx", "hash", "--file", str(path), *extra)
    assert run.code == 2, run.stderr
    assert message in run.stderr.splitlines()[0]


def test_unreadable_and_non_json_files(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    missing = cli(capsys, "tx", "hash", "--file", str(tmp_path / "nope.json"), "--chain-id", "1")
    assert missing.code == 2
    garbage = tmp_path / "garbage.json"
    garbage.write_text("{not json")
    run = cli(capsys, "tx", "hash", "--file", str(garbage), "--chain-id", "1")
    assert run.code == 2
    assert "is not JSON" in run.stderr


def test_human_output_shows_full_hashes(capsys: pytest.CaptureFixture[str]) -> None:
    document = _hash(
        capsys, "--to", ROUTER, "--nonce", "0", "--data", "0x" + encode_call("pause()").hex()
    )
    run = cli(
        capsys,
        "tx",
        "hash",
        "--chain-id",
        "1",
        "--safe",
        SAFE,
        "--safe-version",
        "1.4.1",
        "--to",
        ROUTER,
        "--nonce",
        "0",
        "--data",
        "0x" + encode_call("pause()").hex(),
    )
    for key in ("domain_hash", "message_hash", "safe_tx_hash"):
        assert document[key] in run.stdout
    assert "No warnings." in run.stdout
