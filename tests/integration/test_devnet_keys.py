"""`devnet up --keys keystore|keyring|vault`: each policy's `keys check` is all ok, and
`keys check` exits 3 with a clear line when Vault is down or the keyring is locked."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest

from safeops.devnet.manager import process_alive
from tests.helpers import Run, cli_process
from tests.integration.gnome_keyring import KeyringSession

pytestmark = pytest.mark.integration
SIGNERS = ["oncall", "alice", "bob", "carol"]


def _up(folder: Path, keys: str, env: dict[str, str] | None = None) -> Run:
    run = cli_process("--json", "devnet", "up", "--dir", str(folder), "--keys", keys, env=env)
    assert run.code == 0, run.stderr
    return run


def _keys_check(folder: Path, env: dict[str, str] | None = None) -> Run:
    policy = str(folder / "policy.toml")
    return cli_process("--json", "--policy", policy, "keys", "check", env=env)


def _vault_env(path: str) -> dict[str, str]:
    pairs = (
        line.removeprefix("export ").split("=", 1)
        for line in Path(path).read_text().splitlines()
        if line.startswith("export ")
    )
    return dict(pairs)


def test_keystore_keys_check_ok(tmp_path: Path) -> None:
    _up(tmp_path, "keystore")
    try:
        run = _keys_check(tmp_path)
        assert run.code == 0, run.stderr
        assert [(s["name"], s["ok"]) for s in run.json["signers"]] == [(n, True) for n in SIGNERS]
        assert run.json["signers"][0]["source"].startswith("keystore:")
    finally:
        cli_process("devnet", "down", "--dir", str(tmp_path))


def test_vault_keys_check_ok_then_exit_3_when_vault_is_down(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("VAULT_")}
    up = _up(tmp_path, "vault", env={"VAULT_ADDR": ""} | env)
    try:
        vault_env = _vault_env(up.json["vault_env"])
        assert oct(Path(up.json["vault_env"]).stat().st_mode & 0o777) == "0o600"
        assert set(vault_env) == {"VAULT_ADDR", "VAULT_ROLE_ID", "VAULT_SECRET_ID"}
        ok = _keys_check(tmp_path, env=vault_env)
        assert ok.code == 0, ok.stderr
        assert all(
            s["source"].startswith("vault:secret/safeops/devnet/") for s in ok.json["signers"]
        )
        os.kill(_bao_pid(tmp_path), signal.SIGTERM)
        down = _keys_check(tmp_path, env=vault_env)
        assert down.code == 3
        assert down.stderr.startswith("error: 4 of 4 key source(s) failed")
    finally:
        cli_process("devnet", "down", "--dir", str(tmp_path))


def _bao_pid(folder: Path) -> int:
    import json

    return int(json.loads((folder / "state.json").read_text())["bao_pid"])


def test_vault_down_stops_openbao(tmp_path: Path) -> None:
    _up(tmp_path, "vault", env={"VAULT_ADDR": ""})
    bao_pid = _bao_pid(tmp_path)
    assert process_alive(bao_pid)
    cli_process("devnet", "down", "--dir", str(tmp_path))
    assert not process_alive(bao_pid)
    assert not (tmp_path / "vault.env").exists()


def test_keyring_keys_check_ok_then_exit_3_when_locked(
    tmp_path: Path, gnome_keyring: KeyringSession
) -> None:
    _up(tmp_path, "keyring")  # the fixture's D-Bus session is in os.environ
    try:
        ok = _keys_check(tmp_path)
        assert ok.code == 0, ok.stderr
        assert ok.json["signers"][1]["source"] == "keyring:safeops-devnet/alice"
        gnome_keyring.lock()
        locked = _keys_check(tmp_path)
        assert locked.code == 3
        assert "locked" in locked.stderr.splitlines()[0]
        # Taking the devnet down still stops anvil, and says the entries stay behind.
        down = cli_process("--json", "devnet", "down", "--dir", str(tmp_path))
        assert down.code == 0, down.stderr
        assert "locked" in down.json["warnings"][0]
        assert not (tmp_path / "state.json").exists()
    finally:
        cli_process("devnet", "down", "--dir", str(tmp_path))


def test_keyring_down_removes_the_demo_entries(
    tmp_path: Path, gnome_keyring: KeyringSession
) -> None:
    import keyring

    _up(tmp_path, "keyring")
    assert keyring.get_password("safeops-devnet", "alice") is not None
    cli_process("devnet", "down", "--dir", str(tmp_path))
    assert keyring.get_password("safeops-devnet", "alice") is None
