"""The root command: global flags, the error boundary, exit codes and lazy imports."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from safeops.cli.app import hoist_global_flags
from tests.helpers import cli

SAFE = "0xe690d772bCc82DA64dbE2d0Dc83BBfcB3B2c1590"


def test_help_exits_zero_and_lists_the_groups(capsys: pytest.CaptureFixture[str]) -> None:
    run = cli(capsys, "--help")
    assert run.code == 0
    assert "tx" in run.stdout
    assert "devnet" in run.stdout


def test_no_command_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli(capsys).code == 2


def test_unknown_option_is_one_line_and_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    run = cli(capsys, "tx", "hash", "--bogus")
    assert run.code == 2
    assert run.stderr.splitlines()[0] == "error: No such option: --bogus"
    assert "Traceback" not in run.stderr


def test_json_error_is_one_object_on_stdout(capsys: pytest.CaptureFixture[str]) -> None:
    run = cli(
        capsys,
        "--json",
        "tx",
        "hash",
        "--safe",
        SAFE.lower(),
        "--to",
        SAFE,
        "--nonce",
        "0",
        "--chain-id",
        "1",
        "--safe-version",
        "1.4.1",
    )
    assert run.code == 2
    document = json.loads(run.stdout)
    assert document["error"]["type"] == "InvalidAddress"
    assert document["error"]["exit_code"] == 2


def test_json_flag_after_the_command_is_honoured(capsys: pytest.CaptureFixture[str]) -> None:
    run = cli(
        capsys,
        "tx",
        "hash",
        "--safe",
        SAFE,
        "--to",
        SAFE,
        "--nonce",
        "0",
        "--chain-id",
        "1",
        "--safe-version",
        "1.4.1",
        "--json",
    )
    assert run.code == 0
    assert json.loads(run.stdout)["safe"] == SAFE


def test_hoisting_stops_at_double_dash() -> None:
    assert hoist_global_flags(["tx", "--json", "hash", "--", "--debug"]) == [
        "--json",
        "tx",
        "hash",
        "--",
        "--debug",
    ]


def test_internal_errors_hide_their_message(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """An unexpected exception's text could hold anything: only its type is shown."""
    import safeops.workflows.tx_hash as tx_hash

    def explode(*_: object) -> None:
        raise RuntimeError("0xdeadbeef-secret-material")

    monkeypatch.setattr(tx_hash, "inspect_transaction", explode)
    run = cli(
        capsys,
        "tx",
        "hash",
        "--safe",
        SAFE,
        "--to",
        SAFE,
        "--nonce",
        "0",
        "--chain-id",
        "1",
        "--safe-version",
        "1.4.1",
    )
    assert run.code == 1
    assert "internal error (RuntimeError)" in run.stderr
    assert "secret-material" not in run.stderr + run.stdout
    debug = cli(
        capsys,
        "--debug",
        "tx",
        "hash",
        "--safe",
        SAFE,
        "--to",
        SAFE,
        "--nonce",
        "0",
        "--chain-id",
        "1",
        "--safe-version",
        "1.4.1",
    )
    assert "Traceback" in debug.stderr


@pytest.mark.parametrize(
    "args",
    [
        ["--help"],
        [
            "tx",
            "hash",
            "--safe",
            SAFE,
            "--to",
            SAFE,
            "--nonce",
            "1",
            "--chain-id",
            "1",
            "--safe-version",
            "1.4.1",
            "--json",
        ],
    ],
)
def test_fast_commands_do_not_import_web3_or_safe_eth(args: list[str]) -> None:
    """`--help` and `tx hash` must start fast: web3 and safe_eth cost over a second, and
    eth_keyfile's BLS code (py_ecc) 0.3 s; no keystore is read."""
    probe = (
        "import sys\n"
        "from safeops.cli.app import main\n"
        f"code = main({args!r})\n"
        "heavy = sorted(m for m in sys.modules if m.split('.')[0] in "
        "('web3', 'safe_eth', 'eth_account', 'eth_keyfile', 'py_ecc'))\n"
        "print('HEAVY', heavy, file=sys.stderr)\n"
        "sys.exit(code)\n"
    )
    completed = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=60
    )
    assert completed.returncode == 0, completed.stderr
    assert "HEAVY []" in completed.stderr
