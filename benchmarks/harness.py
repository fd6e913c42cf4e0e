"""Shared pieces of the benchmarks: timed whole-process runs, devnets and their JSON-RPC."""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

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
        env=_environment(cwd, env),
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        tail = (done.stderr or done.stdout).strip().splitlines()[-3:]
        raise BenchError(f"`{' '.join(command[:4])} …` exited {done.returncode}: {tail}")
    return done


def _environment(cwd: Path | None, env: Mapping[str, str] | None) -> dict[str, str] | None:
    """The run's environment: a run in a fresh folder keeps its safeops home (plans, audit
    log, write-ahead sends) there too, not beside the shared policy, where a later run on the
    reverted chain would find this run's sends and rightly refuse to send again."""
    if cwd is None and env is None:
        return None
    home = {"SAFEOPS_HOME": str(cwd / ".safeops")} if cwd is not None else {}
    return {**os.environ, **home, **(env or {})}


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
        env=_environment(cwd, None),
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


def row(name: str, sample: Sample, *extra: str) -> str:
    """A table row: name, median, spread and runs of `sample`, then `extra` cells."""
    cells = [name, f"{sample.median:.2f}", sample.spread, str(len(sample.seconds)), *extra]
    return "| " + " | ".join(cells) + " |"


def met(ok: bool) -> str:
    return "**met**" if ok else "**not met**"
