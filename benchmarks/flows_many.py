"""The cases with many of something: five chains in one policy, a 1,000-address revoke."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import tomllib
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flows import MINIMAL, minimal_command, safe_cli_command
from harness import (
    SAFE_CLI,
    SAFEOPS,
    BenchError,
    Devnet,
    Sample,
    fresh_dir,
    interleave,
    rpc_call,
    run,
)
from rpc_traffic import rpc_proxy

REVOKE_COUNT = 1_000


def _toml(value: Any) -> str:
    """The TOML of a policy value: strings, numbers, booleans, arrays and inline tables."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml(item) for item in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{k} = {_toml(v)}" for k, v in value.items()) + " }"
    raise BenchError(f"no TOML for {value!r}")


def chains_policy(nets: Sequence[Devnet], name: str) -> Path:
    """One policy over the devnets' chains: each chain's two Safes and its router, named by
    chain (`guardian_2`, `router_2`), so that `emergency pause --all` pauses one router per
    chain. Written beside the first devnet's policy, whose keys and store it uses."""
    sections: list[tuple[str, dict[str, Any]]] = []
    for index, net in enumerate(nets, start=1):
        policy = tomllib.loads(net.policy.read_text())
        if index == 1:
            sections += [(f"signers.{n}", entry) for n, entry in policy["signers"].items()]
        for safe, entry in policy["safes"].items():
            sections.append((f"safes.{safe}_{index}", entry))
        router = policy["targets"]["router"]
        for power in ("pause", "unpause"):
            router[power] = {**router[power], "safe": f"{router[power]['safe']}_{index}"}
        sections.append((f"targets.router_{index}", router))
    lines = ["version = 1", ""]
    for title, entry in sections:
        lines += [f"[{title}]", *(f"{k} = {_toml(v)}" for k, v in entry.items()), ""]
    path = nets[0].policy.with_name(name)
    path.write_text("\n".join(lines))
    path.chmod(0o600)
    return path


def _all_paused(nets: Sequence[Devnet]) -> None:
    if not all(net.is_paused("router") for net in nets):
        raise BenchError("a pause on several chains exited 0 without pausing every router")


def _at_once(commands: Sequence[Sequence[str]], cwds: Sequence[Path], key: str) -> float:
    """Start every command at once; seconds until the last one exits."""
    start = time.perf_counter()
    env = {"MINIMAL_PAUSE_KEY": key}
    processes = [
        subprocess.Popen(
            list(c),
            cwd=d,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env={**os.environ, **env},
        )
        for c, d in zip(commands, cwds, strict=True)
    ]
    outputs = [p.communicate() for p in processes]
    elapsed = time.perf_counter() - start
    for process, (_out, err) in zip(processes, outputs, strict=True):
        if process.returncode != 0:
            raise BenchError(f"a concurrent pause exited {process.returncode}: {err[-300:]!r}")
    return elapsed


@contextmanager
def _reached(nets: Sequence[Devnet], delay_s: float) -> Iterator[list[Devnet]]:
    """The devnets as the tools reach them: directly, or each through its own far proxy."""
    if not delay_s:
        yield list(nets)
        return
    with ExitStack() as stack:
        proxies = [stack.enter_context(rpc_proxy(net.rpc_url, delay_s)) for net in nets]
        yield [net.via(url) for net, (url, _traffic) in zip(nets, proxies, strict=True)]


def pause_chains(
    nets: Sequence[Devnet], runs: int, work: Path, key: str, delay_s: float = 0.0
) -> dict[str, Sample]:
    """`emergency pause --all` over one chain vs over all of them, in one process each; and,
    for scale, safe-cli and the minimal script, one process per chain, all started at once."""
    with _reached(nets, delay_s) as reached:
        tag = f"{int(delay_s * 1000)}ms"
        one, many = (chains_policy(reached[:n], f"chains-{n}-{tag}.toml") for n in (1, len(nets)))

        def fresh() -> None:
            for net in nets:
                net.reset()

        def safeops(policy: Path, count: int) -> Callable[[], float]:
            command = [SAFEOPS, "--policy", str(policy), "emergency", "pause", "--all"]

            def measure() -> float:
                fresh()
                seconds = _at_once([[*command, "--signer", "oncall"]], [fresh_dir(work, "c")], key)
                _all_paused(nets[:count])
                return seconds

            return measure

        def each(make: Callable[[Devnet], list[str]], count: int) -> Callable[[], float]:
            def measure() -> float:
                fresh()
                cwds = [fresh_dir(work, f"chain-{i}") for i in range(count)]
                seconds = _at_once([make(net) for net in reached[:count]], cwds, key)
                _all_paused(nets[:count])
                return seconds

            return measure

        cases = {"safeops one": safeops(one, 1), "safeops all": safeops(many, len(nets))}
        if SAFE_CLI.exists():
            cases["safe-cli one"] = each(lambda n: safe_cli_command(n, key), 1)
            cases["safe-cli all"] = each(lambda n: safe_cli_command(n, key), len(nets))
        cases["minimal one"] = each(minimal_command, 1)
        cases["minimal all"] = each(minimal_command, len(nets))
        samples = interleave(runs, cases, warm_up=not delay_s)
    for net in nets:
        net.reset()
    return samples


@dataclass
class RevokeResults:
    """plan + review + rehearse of one large revoke (three processes), and, for scale, the
    same batches signed and executed by safe-cli and by the minimal script."""

    plans: int = 0
    plan: Sample = field(default_factory=Sample)
    review: Sample = field(default_factory=Sample)
    rehearse: Sample = field(default_factory=Sample)
    total: Sample = field(default_factory=Sample)
    safe_cli: Sample = field(default_factory=Sample)
    minimal: Sample = field(default_factory=Sample)
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


def with_members(net: Devnet) -> None:
    """A fresh chain whose allow-list holds the accounts the revoke removes."""
    net.reset()
    allow_accounts(net, revoke_addresses(REVOKE_COUNT))


def revoke_many(net: Devnet, runs: int, work: Path, keys: Sequence[str]) -> RevokeResults:
    """`plan revoke` of 1,000 addresses (split by max_batch), then `review` and `rehearse` of
    every plan in one process each, as an operator runs them. safe-cli and the minimal script
    execute the same batches (with two owners' keys: the admin Safe is 2-of-3)."""
    results = RevokeResults()
    base = [SAFEOPS, "--policy", str(net.policy)]
    batches: list[tuple[str, str]] = []

    def safeops() -> None:
        with_members(net)
        cwd = fresh_dir(work, "revoke")
        (cwd / "list.txt").write_text("\n".join(revoke_addresses(REVOKE_COUNT)) + "\n")
        start = time.perf_counter()
        planned = run(
            [*base, "--json", "plan", "revoke", "members", "--from-file", "list.txt"], cwd=cwd
        )
        plan_done = time.perf_counter()
        plans = [entry["plan"] for entry in json.loads(planned.stdout)["plans"]]
        run([*base, "review", *plans], cwd=cwd)
        review_done = time.perf_counter()
        run([*base, "rehearse", *plans], cwd=cwd)
        done = time.perf_counter()
        results.plan.seconds.append(plan_done - start)
        results.review.seconds.append(review_done - plan_done)
        results.rehearse.seconds.append(done - review_done)
        results.total.seconds.append(done - start)
        results.plans = len(plans)
        results.last_plans = [str(cwd / plan) for plan in plans]
        documents = [json.loads((cwd / plan).read_text()) for plan in plans]
        batches[:] = [(d["to"], d["data"]) for d in documents]

    def safe_cli() -> None:
        with_members(net)
        admin = net.safes["admin"]
        start = time.perf_counter()
        for to, data in batches:
            command = [str(SAFE_CLI), "send-custom", admin, net.rpc_url, to, "0", data]
            run([*command, *(f"--private-key={key}" for key in keys), "--non-interactive"])
        results.safe_cli.seconds.append(time.perf_counter() - start)

    def minimal() -> None:
        with_members(net)
        pairs = [item for batch in batches for item in batch]
        command = [sys.executable, str(MINIMAL), net.rpc_url, net.safes["admin"], *pairs]
        start = time.perf_counter()
        run(command, env={"MINIMAL_PAUSE_KEY": ",".join(keys)})
        results.minimal.seconds.append(time.perf_counter() - start)

    for _ in range(runs):
        safeops()
        if SAFE_CLI.exists():
            safe_cli()
        minimal()
    net.reset()
    return results
