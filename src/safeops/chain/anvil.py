"""Find, start and stop an anvil node bound to 127.0.0.1."""

from __future__ import annotations

import json
import os
import platform
import shutil
import signal
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from safeops.errors import DevnetError, ToolMissing

# What a child process (anvil, OpenBao) inherits: enough to run and reach an RPC through a
# proxy, nothing else. Vault tokens, AppRole secrets, cloud credentials and API keys in the
# environment stay in safeops (SECURITY.md, key custody).
CHILD_ENV_KEYS = (
    "PATH",
    "HOME",
    "LANG",
    "LC_ALL",
    "TZ",
    "TMPDIR",
    "SSL_CERT_FILE",
    "SSL_CERT_DIR",
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "NO_PROXY",
    "http_proxy",
    "https_proxy",
    "no_proxy",
)
SETUP_HINT = "Run `npm install` in the safeops checkout (or set SAFEOPS_ANVIL to an anvil binary)."
READY_TIMEOUT_S = 10.0
STOP_TIMEOUT_S = 5.0

# The npm package @foundry-rs/anvil ships the binary in a platform package.
_NPM_PLATFORMS = {
    ("Linux", "x86_64"): "linux-amd64",
    ("Linux", "aarch64"): "linux-arm64",
    ("Darwin", "x86_64"): "darwin-amd64",
    ("Darwin", "arm64"): "darwin-arm64",
}


def _checkout_root() -> Path:
    """The source checkout that holds node_modules when safeops is installed editable."""
    return Path(__file__).resolve().parents[3]


def find_anvil(configured: str | None = None, search_dirs: Sequence[Path] = ()) -> Path:
    """Locate anvil: `configured` (the CLI passes `$SAFEOPS_ANVIL`), then PATH, then a
    node_modules folder."""
    if configured:
        path = Path(configured)
        if path.is_file() and os.access(path, os.X_OK):
            return path
        raise ToolMissing(
            f"SAFEOPS_ANVIL points to {configured}, not an executable", hint=SETUP_HINT
        )
    on_path = shutil.which("anvil")
    if on_path:
        return Path(on_path)
    suffix = _NPM_PLATFORMS.get((platform.system(), platform.machine()))
    if suffix:
        for root in (*search_dirs, Path.cwd(), _checkout_root()):
            candidate = root / "node_modules" / "@foundry-rs" / f"anvil-{suffix}" / "bin" / "anvil"
            if candidate.is_file() and os.access(candidate, os.X_OK):
                return candidate
    raise ToolMissing("anvil was not found", hint=SETUP_HINT)


def child_environment(**extra: str) -> dict[str, str]:
    """A minimal environment for a child process: CHILD_ENV_KEYS as set here, plus `extra`."""
    return {key: os.environ[key] for key in CHILD_ENV_KEYS if key in os.environ} | extra


_handed_out: set[int] = set()
_ports_lock = threading.Lock()


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now, never one this process
    handed out before: forks started at once by several threads must not get the same one."""
    with _ports_lock:
        while True:
            with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
                sock.bind(("127.0.0.1", 0))
                port = int(sock.getsockname()[1])
            if port not in _handed_out:
                _handed_out.add(port)
                return port


def rpc_request(url: str, method: str, params: list[object], timeout: float = 2.0) -> object:
    """One JSON-RPC call with the standard library, for readiness checks before web3 loads."""
    body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": method, "params": params}).encode()
    request = urllib.request.Request(  # noqa: S310 (the URL is ours: http://127.0.0.1)
        url, data=body, headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
        answer = json.loads(response.read())
    if "error" in answer:
        raise DevnetError(f"{method} failed: {answer['error'].get('message', answer['error'])}")
    return answer["result"]


@dataclass
class AnvilProcess:
    """A running anvil; `stop()` terminates it, then kills it if it does not exit."""

    process: subprocess.Popen[bytes]
    port: int

    @property
    def rpc_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int:
        return self.process.pid

    def stop(self) -> None:
        if self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=STOP_TIMEOUT_S)

    def __enter__(self) -> AnvilProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def start_anvil(
    *,
    port: int | None = None,
    chain_id: int | None = None,
    extra_args: Sequence[str] = (),
    log_path: Path | None = None,
    detach: bool = False,
    binary: str | None = None,
) -> AnvilProcess:
    """Start anvil on 127.0.0.1 and wait until it answers `eth_chainId`.

    `detach` puts it in its own session so that it outlives this process (`devnet up`);
    `binary` is the configured anvil, if any (see `find_anvil`).
    """
    found = find_anvil(binary)
    port = port or free_port()
    args = [str(found), "--host", "127.0.0.1", "--port", str(port), "--silent"]
    if chain_id is not None:
        args += ["--chain-id", str(chain_id)]
    args += list(extra_args)
    log = open(log_path, "ab") if log_path else subprocess.DEVNULL  # noqa: SIM115
    try:
        process = subprocess.Popen(
            args,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            env=child_environment(),
            start_new_session=detach,
        )
    finally:
        if log_path:
            log.close()  # type: ignore[union-attr]
    anvil = AnvilProcess(process, port)
    try:
        wait_until_ready(anvil.rpc_url, lambda: process.poll() is None)
    except BaseException:
        anvil.stop()
        raise
    return anvil


def wait_until_ready(url: str, alive: object = None, timeout: float = READY_TIMEOUT_S) -> None:
    """Poll `eth_chainId` until the node answers, the process dies, or time runs out."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if callable(alive) and not alive():
            raise DevnetError("anvil exited during start-up", hint="See the anvil log for why.")
        try:
            rpc_request(url, "eth_chainId", [], timeout=0.5)
            return
        except (OSError, urllib.error.URLError, ValueError):
            time.sleep(0.02)
    raise DevnetError(f"anvil did not answer at {url} within {timeout:.0f} s")
