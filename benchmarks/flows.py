"""The devnet cases: one emergency pause three ways, five chains at once, a 1,000-address revoke."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
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
    rpc_call,
    rpc_proxy,
    run,
    timed,
    timed_lines,
)

MINIMAL = Path(__file__).with_name("minimal_pause.py")
REVOKE_COUNT = 1_000

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


def pause_three_ways(
    net: Devnet, runs: int, work: Path, key: str, safe_cli: bool, warm_up: bool = True
) -> PauseResults:
    """safeops' whole emergency path vs safe-cli's sign+execute vs the minimal web3 script."""
    results = PauseResults({})

    def safeops() -> float:
        seconds, lines = timed_lines(pause_command(net), cwd=fresh_dir(work, "safeops-pause"))
        results.timelines.append((seconds, lines))
        return seconds

    cases = {"safeops": _paused_after(net, safeops)}
    if safe_cli:
        cases["safe-cli"] = _paused_after(net, lambda: timed(safe_cli_command(net, key)))
    cases["minimal"] = _paused_after(
        net, lambda: timed(minimal_command(net), env={"MINIMAL_PAUSE_KEY": key})
    )
    results.samples = interleave(runs, cases, warm_up)
    results.timelines = results.timelines[int(warm_up) :]  # not the warm-up round's
    return results


def pause_remote(
    net: Devnet, runs: int, work: Path, key: str, safe_cli: bool, delay_s: float
) -> dict[str, Sample]:
    """The same three ways through a proxy that adds `delay_s` to every JSON-RPC request, as
    an RPC provider across the internet does; the rehearsal's fork reads through it too."""
    with rpc_proxy(net.rpc_url, delay_s) as (url, _counts):
        far = net.via(url)
        return pause_three_ways(far, runs, work, key, safe_cli, warm_up=False).samples


def _concurrent(commands: Sequence[Sequence[str]], cwds: Sequence[Path]) -> float:
    """Start every command at once; seconds until the last one exits."""
    start = time.perf_counter()
    processes = [
        subprocess.Popen(list(c), cwd=d, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        for c, d in zip(commands, cwds, strict=True)
    ]
    outputs = [p.communicate() for p in processes]
    elapsed = time.perf_counter() - start
    for process, (_out, err) in zip(processes, outputs, strict=True):
        if process.returncode != 0:
            raise BenchError(f"a concurrent pause exited {process.returncode}: {err[-300:]!r}")
    return elapsed


def pause_many_chains(nets: Sequence[Devnet], runs: int, work: Path) -> dict[str, Sample]:
    """One emergency pause on one devnet vs one on each of the devnets, all launched at once."""

    def fresh() -> None:
        for net in nets:
            net.reset()

    def paused(count: int) -> float:
        fresh()
        chosen = nets[:count]
        cwds = [fresh_dir(work, f"chain-{i}") for i in range(count)]
        seconds = _concurrent([pause_command(n) for n in chosen], cwds)
        if not all(n.is_paused("router") for n in chosen):
            raise BenchError("a concurrent emergency pause exited 0 without pausing")
        return seconds

    samples = interleave(runs, {"one": lambda: paused(1), "many": lambda: paused(len(nets))})
    fresh()
    return samples


@dataclass
class RevokeResults:
    """Totals and steps of plan + review + rehearse of one large revoke, per run."""

    plans: int = 0
    total: Sample = field(default_factory=Sample)
    plan: Sample = field(default_factory=Sample)
    review: Sample = field(default_factory=Sample)
    rehearse: Sample = field(default_factory=Sample)
    last_plans: list[str] = field(default_factory=list)


def revoke_addresses(count: int) -> list[str]:
    from eth_utils.address import to_checksum_address

    return [to_checksum_address(f"0x{index:040x}") for index in range(1, count + 1)]


def allow_accounts(net: Devnet, accounts: Sequence[str]) -> None:
    """Put `accounts` on the devnet's allow-list, as the admin Safe would: revoking an account
    that was never allowed proves nothing, and the rehearsal fails it. `net.reset()` undoes it."""
    from safeops.core.selectors import encode_call

    url, admin = net.chain.url, net.safes["admin"]
    rpc_call(url, "anvil_impersonateAccount", admin)
    rpc_call(url, "anvil_setBalance", admin, hex(10**18))
    for account in accounts:
        data = encode_call("setAllowed(address,bool)", account, True)
        call = {"from": admin, "to": net.contracts["allowlist"], "data": "0x" + data.hex()}
        rpc_call(url, "eth_sendTransaction", call)
    rpc_call(url, "anvil_stopImpersonatingAccount", admin)


def revoke_many(net: Devnet, runs: int, work: Path) -> RevokeResults:
    """plan revoke of 1,000 addresses (split by max_batch), then review and rehearse every
    plan, one command after the other as an operator would: each step a whole process."""
    results = RevokeResults()
    base = [SAFEOPS, "--policy", str(net.policy)]
    allow_accounts(net, revoke_addresses(REVOKE_COUNT))
    for _ in range(runs):
        cwd = fresh_dir(work, "revoke")
        (cwd / "list.txt").write_text("\n".join(revoke_addresses(REVOKE_COUNT)) + "\n")
        start = time.perf_counter()
        planned = run(
            [*base, "--json", "plan", "revoke", "members", "--from-file", "list.txt"], cwd=cwd
        )
        plan_done = time.perf_counter()
        plans = [entry["plan"] for entry in json.loads(planned.stdout)["plans"]]
        review = rehearse = 0.0
        for index, plan in enumerate(plans):
            review += timed([*base, "review", plan], cwd=cwd)
            # Later plans wait on earlier nonces nobody proposed yet: rehearse each alone.
            alone = ["--no-stack"] if index else []
            rehearse += timed([*base, "rehearse", plan, *alone], cwd=cwd)
        results.total.seconds.append(time.perf_counter() - start)
        results.plan.seconds.append(plan_done - start)
        results.review.seconds.append(review)
        results.rehearse.seconds.append(rehearse)
        results.plans = len(plans)
        results.last_plans = [str(cwd / plan) for plan in plans]
    return results
