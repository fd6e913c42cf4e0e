"""Child processes (a rehearsal's anvil fork, the devnet's OpenBao) get a minimal environment:
no Vault credentials or tokens, no cloud keys, nothing safeops does not mean to hand over."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest

from safeops.chain.anvil import AnvilProcess
from safeops.fork.node import open_fork

pytestmark = pytest.mark.integration
SECRETS = {
    "VAULT_TOKEN": "s.child-env-sentinel-token",
    "VAULT_ADDR": "http://127.0.0.1:1",
    "VAULT_SECRET_ID": "child-env-sentinel-secret-id",
    "AWS_SECRET_ACCESS_KEY": "child-env-sentinel-aws",
}


def _environment(pid: int) -> dict[str, str]:
    raw = Path(f"/proc/{pid}/environ").read_bytes()
    pairs = (item.split(b"=", 1) for item in raw.split(b"\0") if b"=" in item)
    return {key.decode(): value.decode() for key, value in pairs}


@pytest.fixture
def secrets_in_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for key, value in SECRETS.items():
        monkeypatch.setenv(key, value)


@pytest.mark.usefixtures("secrets_in_env")
def test_a_rehearsal_fork_inherits_no_credentials(anvil: AnvilProcess) -> None:
    with open_fork(anvil.rpc_url, 31337) as fork:
        environment = _environment(fork.anvil.pid)
    assert not set(SECRETS) & set(environment)
    assert not [v for v in environment.values() if "sentinel" in v]
    assert environment["PATH"] == os.environ["PATH"]


@pytest.mark.usefixtures("secrets_in_env")
def test_the_devnet_openbao_inherits_no_vault_token(tmp_path: Path) -> None:
    from safeops.devnet.openbao import start_bao

    pid, _address, _root = start_bao(tmp_path / "vault")
    try:
        environment = _environment(pid)
    finally:
        os.kill(pid, signal.SIGTERM)
    assert not set(SECRETS) & set(environment)
    assert set(environment) >= {"PATH", "HOME", "BAO_DEV_ROOT_TOKEN_ID"}
