"""`emergency pause --all` on a five-chain devnet in one process vs the same command on one of
its chains, locally and through an RPC 50 ms away: what concurrency per Safe buys."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

from harness import (
    PAUSED,
    SAFEOPS,
    BenchError,
    Chain,
    Sample,
    fresh_dir,
    interleave,
    met,
    rpc_call,
    run,
    timed,
)
from rpc_traffic import rpc_proxy

CHAINS_GOAL = 1.3
TARGETS = ("router", "lending", "vault")


@dataclass(frozen=True)
class ChainsDevnet:
    """One `safeops devnet up --chains N`: every chain's anvil, its policy and targets."""

    folder: Path
    policy: Path
    chains: list[Chain]
    suffixes: list[str]
    contracts: dict[str, str]
    up_seconds: float

    def reset(self) -> None:
        for chain in self.chains:
            chain.revert()
        shutil.rmtree(self.folder / "proposals", ignore_errors=True)

    def paused(self, index: int) -> bool:
        """Every demo target of chain `index` is paused."""
        suffix = self.suffixes[index]
        return all(
            int(rpc_call(self.chains[index].url, "eth_call", call, "latest"), 16) == 1
            for call in ({"to": self.contracts[f"{t}{suffix}"], "data": PAUSED} for t in TARGETS)
        )

    def via(self, urls: list[str]) -> Path:
        """A copy of the policy whose chains are reached through `urls` (proxies)."""
        text = self.policy.read_text()
        for chain, url in zip(self.chains, urls, strict=True):
            text = text.replace(f'"{chain.url}"', f'"{url}"')
        copy = self.policy.with_name("policy-via-proxies.toml")
        copy.write_text(text)
        copy.chmod(0o600)
        return copy


@contextmanager
def chains_devnet(count: int, root: Path) -> Iterator[ChainsDevnet]:
    """A devnet of `count` chains, always taken down."""
    import time

    folder = root / f"devnet-{count}-chains"
    start = time.perf_counter()
    try:
        done = run(
            [SAFEOPS, "devnet", "up", "--dir", str(folder), "--chains", str(count), "--json"]
        )
        seconds = time.perf_counter() - start
        state = json.loads(done.stdout)
        chains = [Chain(c["rpc_url"]) for c in state["chains"]]
        for chain in chains:
            chain.mark()
        yield ChainsDevnet(
            folder,
            Path(state["policy"]),
            chains,
            [c["suffix"] for c in state["chains"]],
            state["contracts"],
            seconds,
        )
    finally:
        subprocess.run(
            [SAFEOPS, "devnet", "down", "--dir", str(folder)], capture_output=True, check=False
        )


def _pause(net: ChainsDevnet, policy: Path, work: Path, every: bool) -> float:
    """From fresh chains, one `emergency pause` process (all chains, or the first one's
    targets only), then require every target it touched to be paused."""
    net.reset()
    targets = ["--all"] if every else list(TARGETS)
    command = [SAFEOPS, "--policy", str(policy), "emergency", "pause", *targets]
    seconds = timed([*command, "--signer", "oncall"], cwd=fresh_dir(work, "multichain"))
    touched = range(len(net.chains)) if every else range(1)
    if not all(net.paused(index) for index in touched):
        raise BenchError("emergency pause exited 0 but a target is not paused")
    return seconds


def pause_all_chains(
    net: ChainsDevnet, runs: int, remote_runs: int, work: Path, delay_s: float
) -> dict[str, dict[str, Sample]]:
    """{"local": {"one", "all"}, "remote": {"one", "all"}}: seconds of whole processes."""

    def cases(policy: Path) -> dict[str, Callable[[], float]]:
        return {
            "one": lambda: _pause(net, policy, work, every=False),
            "all": lambda: _pause(net, policy, work, every=True),
        }

    local = interleave(runs, cases(net.policy))
    with ExitStack() as stack:
        urls = [stack.enter_context(rpc_proxy(c.url, delay_s))[0] for c in net.chains]
        far = net.via(urls)
        remote = interleave(remote_runs, cases(far), warm_up=False)
    net.reset()
    return {"local": local, "remote": remote}


def render(figures: dict[str, dict[str, Sample]], count: int, delay_s: float) -> list[str]:
    """The section of docs/benchmarks.md."""
    lines = [
        f"## `emergency pause --all` on {count} chains in one process vs one chain",
        "",
        f"One `safeops devnet up --chains {count}` (one anvil per chain, one policy, a guardian "
        "Safe per chain, the last chain with non-canonical Safe contracts). `one`: "
        "`emergency pause router lending vault --signer oncall` (the first chain's Safe only); "
        f"`all`: `emergency pause --all --signer oncall` ({count} Safes, one thread each, the "
        "keystore decrypted once per run). Fresh chain state and proposal store for every run; "
        "every target proven paused on chain after each.",
        "",
        "| where | case | median s | min-max | runs | ÷ one chain |",
        "|---|---|---|---|---|---|",
    ]
    labels = {"local": "local anvils", "remote": f"through RPCs {delay_s * 1000:.0f} ms away"}
    for where, samples in figures.items():
        one = samples["one"].median
        for case, sample in samples.items():
            cells = [
                labels[where],
                f"{count} chains" if case == "all" else "1 chain",
                f"{sample.median:.2f}",
                sample.spread,
                str(len(sample.seconds)),
                f"{sample.median / one:.2f}",
            ]
            lines.append("| " + " | ".join(cells) + " |")
    verdicts = []
    for where, samples in figures.items():
        ratio = samples["all"].median / samples["one"].median
        verdicts.append(f"{labels[where]} {met(ratio <= CHAINS_GOAL)} ({ratio:.2f}x)")
    lines += ["", f"Goal, at most {CHAINS_GOAL}x one chain: {'; '.join(verdicts)}."]
    return [*lines, ""]
