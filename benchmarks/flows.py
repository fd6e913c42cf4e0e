"""The pause cases: one emergency pause three ways, locally and through RPCs far away."""

from __future__ import annotations

import sys
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from harness import (
    PAUSE,
    SAFE_CLI,
    SAFEOPS,
    BenchError,
    Devnet,
    Sample,
    fresh_dir,
    interleave,
    run,
    timed,
    timed_lines,
)
from rpc_traffic import Counts, rpc_proxy

MINIMAL = Path(__file__).with_name("minimal_pause.py")

Timeline = list[tuple[float, str]]
"""The stderr lines of one run, each with the second it arrived."""


def pause_command(net: Devnet) -> list[str]:
    command = [SAFEOPS, "--policy", str(net.policy), "emergency", "pause", "router"]
    return [*command, "--signer", "oncall"]


def safe_cli_command(net: Devnet, key: str) -> list[str]:
    """safe-cli's unattended mode: the key on argv is its only non-interactive way (a public
    anvil key here; safeops refuses keys on argv)."""
    safe, router = net.safes["guardian"], net.contracts["router"]
    command = [str(SAFE_CLI), "send-custom", safe, net.rpc_url, router, "0", PAUSE]
    return [*command, "--private-key", key, "--non-interactive"]


def minimal_command(net: Devnet) -> list[str]:
    safe, router = net.safes["guardian"], net.contracts["router"]
    return [sys.executable, str(MINIMAL), net.rpc_url, safe, router, PAUSE]


@dataclass
class PauseResults:
    """The three ways to pause, and when each step of safeops' run began."""

    samples: dict[str, Sample]
    timelines: list[tuple[float, Timeline]] = field(default_factory=list)


def _paused_after(net: Devnet, measure: Callable[[], float]) -> Callable[[], float]:
    """From a fresh chain, time `measure`, then require the router to be paused."""

    def measured() -> float:
        net.reset()
        seconds = measure()
        if not net.is_paused("router"):
            raise BenchError("the run exited 0 but the router is not paused")
        return seconds

    return measured


def _three_ways(net: Devnet, key: str, safe_cli: bool) -> dict[str, list[str]]:
    tools = {"safeops": pause_command(net)}
    if safe_cli:
        tools["safe-cli"] = safe_cli_command(net, key)
    tools["minimal"] = minimal_command(net)
    return tools


def pause_three_ways(
    net: Devnet, runs: int, work: Path, key: str, safe_cli: bool, warm_up: bool = True
) -> PauseResults:
    """safeops' whole emergency path vs safe-cli's sign+execute vs the minimal web3 script."""
    results = PauseResults({})
    commands = _three_ways(net, key, safe_cli)

    def safeops() -> float:
        seconds, lines = timed_lines(commands["safeops"], cwd=fresh_dir(work, "safeops-pause"))
        results.timelines.append((seconds, lines))
        return seconds

    cases = {"safeops": _paused_after(net, safeops)}
    if safe_cli:
        cases["safe-cli"] = _paused_after(net, lambda: timed(commands["safe-cli"]))
    cases["minimal"] = _paused_after(
        net, lambda: timed(commands["minimal"], env={"MINIMAL_PAUSE_KEY": key})
    )
    results.samples = interleave(runs, cases, warm_up)
    results.timelines = results.timelines[int(warm_up) :]  # not the warm-up round's
    return results


@dataclass
class Remote:
    """One pause per tool through an RPC `delay_s` away: times, and one counted run each."""

    delay_s: float
    samples: dict[str, Sample]
    requests: dict[str, Counts] = field(default_factory=dict)
    sequential: dict[str, float] = field(default_factory=dict)
    """Round trips one after the other: the seconds a request was in flight ÷ the delay."""


def pause_remote(
    net: Devnet, runs: int, work: Path, key: str, safe_cli: bool, delay_s: float
) -> Remote:
    """The same three ways through a proxy that adds `delay_s` to every JSON-RPC request, as
    an RPC provider across the internet does; the rehearsal's fork reads through it too. A
    first counted run of each tool gives its requests and sequential round trips."""
    with rpc_proxy(net.rpc_url, delay_s) as (url, traffic):
        far = net.via(url)
        result = Remote(delay_s, {})
        for tool, command in _three_ways(far, key, safe_cli).items():
            net.reset()
            traffic.clear()
            env = {"MINIMAL_PAUSE_KEY": key} if tool == "minimal" else {}
            run(command, cwd=fresh_dir(work, "counted"), env=env)
            result.requests[tool] = Counter(traffic.counts)
            result.sequential[tool] = traffic.busy_seconds() / delay_s
        result.samples = pause_three_ways(far, runs, work, key, safe_cli, warm_up=False).samples
    net.reset()
    return result
