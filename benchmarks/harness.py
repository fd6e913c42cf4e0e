"""Shared pieces of the benchmarks: timed whole-process runs, devnets and their JSON-RPC."""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

ROOT = Path(__file__).resolve().parents[1]
BENCH_DIR = ROOT / ".bench"
SAFEOPS = str(Path(sys.executable).parent / "safeops")  # the console script users run
SAFE_CLI = BENCH_DIR / "safe-cli" / "bin" / "safe-cli"  # installed by scripts/bench, if it can
PAUSE = "0x8456cb59"  # pause()
PAUSED = "0x5c975abb"  # paused()(bool)
RPC_TIMEOUT_S = 10


class BenchError(RuntimeError):
    """A benchmarked command failed, or the devnet was not in the state a run needs."""


@dataclass
class Sample:
    """Seconds of every timed run of one case; the median is what the report shows."""

    seconds: list[float] = field(default_factory=list)

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)

    @property
    def spread(self) -> str:
        return f"{min(self.seconds):.2f}-{max(self.seconds):.2f}"


def run(
    command: Sequence[str],
    *,
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run one command to completion; a non-zero exit is a BenchError with its stderr."""
    done = subprocess.run(
        list(command),
        cwd=cwd,
        env=None if env is None else {**os.environ, **env},
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        tail = (done.stderr or done.stdout).strip().splitlines()[-3:]
        raise BenchError(f"`{' '.join(command[:4])} …` exited {done.returncode}: {tail}")
    return done


def timed(
    command: Sequence[str],
    *,
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
) -> float:
    """Wall-clock seconds of one whole process, start to exit."""
    start = time.perf_counter()
    run(command, cwd=cwd, env=env)
    return time.perf_counter() - start


def timed_lines(
    command: Sequence[str], *, cwd: Path | None = None
) -> tuple[float, list[tuple[float, str]]]:
    """Wall-clock seconds of one process and when each of its stderr lines arrived."""
    start = time.perf_counter()
    process = subprocess.Popen(
        list(command),
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    lines = [(time.perf_counter() - start, line.strip()) for line in process.stderr or ()]
    stdout, _ = process.communicate()
    elapsed = time.perf_counter() - start
    if process.returncode != 0:
        tail = [text for _, text in lines[-3:]] or stdout.splitlines()[-3:]
        raise BenchError(f"`{' '.join(command[:4])} …` exited {process.returncode}: {tail}")
    return elapsed, lines


def interleave(
    runs: int, cases: Mapping[str, Callable[[], float]], warm_up: bool = True
) -> dict[str, Sample]:
    """Run the cases in turn (A B C A B C …) so that a busy moment of a shared machine lands
    on all of them alike; one untimed warm-up round first unless told otherwise."""
    samples = {name: Sample() for name in cases}
    for round_index in range(runs + int(warm_up)):
        for name, measure in cases.items():
            seconds = measure()
            if round_index or not warm_up:
                samples[name].seconds.append(seconds)
    return samples


def rpc_call(url: str, method: str, *params: Any) -> Any:
    """One JSON-RPC request with the standard library; an error answer is a BenchError."""
    body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": method, "params": list(params)})
    request = urllib.request.Request(  # noqa: S310 - always http://127.0.0.1
        url, data=body.encode(), headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=RPC_TIMEOUT_S) as response:  # noqa: S310
        answer = json.loads(response.read())
    if "error" in answer:
        raise BenchError(f"{method} failed: {answer['error']}")
    return answer["result"]


@dataclass
class Chain:
    """The anvil of a devnet, reached directly, and the snapshot runs roll back to."""

    url: str
    snapshot: str = ""

    def mark(self) -> None:
        """Remember the chain as it is now: `revert` comes back here."""
        self.snapshot = rpc_call(self.url, "evm_snapshot")

    def revert(self) -> None:
        if rpc_call(self.url, "evm_revert", self.snapshot) is not True:
            raise BenchError(f"evm_revert {self.snapshot} refused on {self.url}")
        self.mark()  # anvil drops a snapshot once reverted to


@dataclass(frozen=True)
class Devnet:
    """One `safeops devnet up` in its own folder; `rpc_url` is what the tools are given."""

    folder: Path
    rpc_url: str
    policy: Path
    safes: dict[str, str]
    contracts: dict[str, str]
    up_seconds: float
    chain: Chain

    def reset(self) -> None:
        """Back to the marked chain state, with an empty proposal store."""
        self.chain.revert()
        shutil.rmtree(self.folder / "proposals", ignore_errors=True)
        if self.is_paused("router"):
            raise BenchError("the router is still paused after the reset")

    def is_paused(self, target: str) -> bool:
        call = {"to": self.contracts[target], "data": PAUSED}
        return int(rpc_call(self.chain.url, "eth_call", call, "latest"), 16) == 1

    def via(self, proxy_url: str) -> Devnet:
        """The same devnet reached through `proxy_url`: a policy copy next to the original
        (its relative key and store paths still hold) whose Safes use the proxy."""
        policy = self.policy.with_name(f"policy-via-{proxy_url.rsplit(':', 1)[1]}.toml")
        policy.write_text(self.policy.read_text().replace(f'"{self.rpc_url}"', f'"{proxy_url}"'))
        os.chmod(policy, 0o600)
        return replace(self, rpc_url=proxy_url, policy=policy)


def _devnet_up(folder: Path) -> Devnet:
    start = time.perf_counter()
    done = run([SAFEOPS, "devnet", "up", "--dir", str(folder), "--json"])
    seconds = time.perf_counter() - start
    state = json.loads(done.stdout)
    chain = Chain(state["rpc_url"])
    chain.mark()
    return Devnet(
        folder=folder,
        rpc_url=state["rpc_url"],
        policy=Path(state["policy"]),
        safes=state["safes"],
        contracts=state["contracts"],
        up_seconds=seconds,
        chain=chain,
    )


@contextmanager
def devnets(count: int, root: Path) -> Iterator[list[Devnet]]:
    """`count` devnets, one after the other; every one started is stopped, whatever happens."""
    folders = [root / f"devnet-{index}" for index in range(1, count + 1)]
    try:
        yield [_devnet_up(folder) for folder in folders]
    finally:
        for folder in folders:
            if folder.exists():
                subprocess.run(
                    [SAFEOPS, "devnet", "down", "--dir", str(folder)],
                    capture_output=True,
                    check=False,
                )


Counts = Counter[tuple[str, str]]
"""JSON-RPC requests by (client, method), the client "tool" or "fork"; HTTP round trips
are counted under the method ROUND_TRIPS (a batch is one round trip, several requests)."""
ROUND_TRIPS = "(round trips)"


class _Proxy(BaseHTTPRequestHandler):
    """Forward each JSON-RPC POST to the upstream node after `delay_s`, counting methods."""

    protocol_version = "HTTP/1.1"  # keep-alive, as clients expect of a node
    # Headers and body leave in two writes: with Nagle's algorithm, the body would wait for
    # the client's delayed ACK (~40 ms), a delay no real node adds.
    disable_nagle_algorithm = True
    upstream: ClassVar[str] = ""
    delay_s: ClassVar[float] = 0.0
    counts: ClassVar[Counts] = Counter()
    lock: ClassVar[threading.Lock] = threading.Lock()

    def do_POST(self) -> None:  # the name http.server calls
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        payload = json.loads(body)
        client = _client(self.headers.get("User-Agent", ""))
        with self.lock:
            self.counts[(client, ROUND_TRIPS)] += 1
            for call in payload if isinstance(payload, list) else [payload]:
                self.counts[(client, str(call.get("method")))] += 1
        time.sleep(self.delay_s)
        request = urllib.request.Request(  # noqa: S310 - the devnet, on 127.0.0.1
            self.upstream, data=body, headers={"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            answer = response.read()
        try:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up on this request (a fork shutting down): nothing to say

    def log_message(self, format: str, *args: object) -> None:  # quiet
        return


def _client(user_agent: str) -> str:
    """The tool's own requests vs those of the anvil fork a rehearsal started (anvil fetches
    the origin's state lazily, as the rehearsal touches it)."""
    return "tool" if user_agent.lower().startswith(("python", "web3")) else "fork"


@contextmanager
def rpc_proxy(upstream: str, delay_s: float = 0.0) -> Iterator[tuple[str, Counts]]:
    """A JSON-RPC proxy on 127.0.0.1 in front of `upstream` that counts what passes through
    it and can add `delay_s` to every request, like an RPC far away."""
    attributes = {"upstream": upstream, "delay_s": delay_s, "counts": Counter()}
    handler = type("Handler", (_Proxy,), attributes)
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", handler.counts
    finally:
        server.shutdown()
        server.server_close()


@contextmanager
def scratch(prefix: str) -> Iterator[Path]:
    """A temporary folder for plans, audit logs and working directories of the runs."""
    with tempfile.TemporaryDirectory(prefix=prefix) as folder:
        yield Path(folder)


def fresh_dir(root: Path, name: str) -> Path:
    """An empty working directory: each run writes its plans and audit log afresh."""
    folder = root / name
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    return folder
