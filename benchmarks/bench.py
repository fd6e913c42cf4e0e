"""Run every benchmark on local devnets and write docs/benchmarks.md (`./scripts/bench`)."""

from __future__ import annotations

import argparse
import json
import os
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

from flows import (
    minimal_command,
    pause_command,
    pause_many_chains,
    pause_remote,
    pause_three_ways,
    revoke_many,
    safe_cli_command,
)
from harness import (
    ROOT,
    SAFE_CLI,
    SAFEOPS,
    Counts,
    Devnet,
    Sample,
    devnets,
    fresh_dir,
    rpc_proxy,
    run,
    scratch,
)
from multichain import chains_devnet, pause_all_chains
from multichain import render as render_multichain
from profiling import import_costs, pyinstrument, step_medians
from report import Figures, render
from startup import startup

CHAINS = 5
REMOTE_DELAY_S = 0.05  # one request's round trip to a hosted RPC across the internet


def devnet_key(net: Devnet) -> str:
    """The oncall owner's key from the devnet's own keystore (anvil's public dev key #1), for
    the tools that take a raw key."""
    from eth_account import Account

    keys = net.folder / "keys"
    keystore = json.loads((keys / "oncall.json").read_text())
    password = (keys / "password").read_text().removesuffix("\n")
    return "0x" + bytes(Account.decrypt(keystore, password)).hex()


def count_requests(net: Devnet, key: str, work: Path) -> dict[str, Counts]:
    """One run of each tool with its JSON-RPC requests counted by a proxy in front of anvil."""
    counted: dict[str, Counts] = {}
    with rpc_proxy(net.rpc_url) as (url, counts):
        near = net.via(url)
        tools = {"safeops": (pause_command(near), {})}
        if SAFE_CLI.exists():
            tools["safe-cli"] = (safe_cli_command(near, key), {})
        tools["minimal"] = (minimal_command(near), {"MINIMAL_PAUSE_KEY": key})
        for tool, (command, env) in tools.items():
            net.reset()
            counts.clear()
            run(command, cwd=fresh_dir(work, "counted"), env=env)
            counted[tool] = Counter(counts)
    net.reset()
    return counted


def multichain_section(runs: int, remote_runs: int) -> list[str]:
    """One devnet of CHAINS chains; `--all` in one process vs one chain, local and far."""
    with scratch("safeops-bench-chains-") as work, chains_devnet(CHAINS, work) as net:
        figures = pause_all_chains(net, runs, remote_runs, work, REMOTE_DELAY_S)
    return render_multichain(figures, CHAINS, REMOTE_DELAY_S)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=11, help="runs of each start-up case")
    parser.add_argument("--flow-runs", type=int, default=7, help="runs of each devnet flow")
    parser.add_argument("--remote-runs", type=int, default=3, help="runs through a far RPC")
    parser.add_argument("--revoke-runs", type=int, default=3, help="runs of the revoke case")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "benchmarks.md")
    parser.add_argument(
        "--only-multichain",
        action="store_true",
        help="measure only `emergency pause --all` on 5 chains in one process, print its table",
    )
    args = parser.parse_args()
    if args.only_multichain:
        print("\n".join(multichain_section(args.flow_runs, args.remote_runs)), flush=True)
        return

    started, clock, load = datetime.now(UTC), time.perf_counter(), os.getloadavg()
    print("start-up …", flush=True)
    startup_samples = startup(args.runs)
    with scratch("safeops-bench-") as work, devnets(CHAINS, work) as nets:
        print(f"{CHAINS} devnets up; one pause three ways …", flush=True)
        net, key = nets[0], devnet_key(nets[0])
        pause = pause_three_ways(net, args.flow_runs, work, key, safe_cli=SAFE_CLI.exists())
        print(f"the same through an RPC {REMOTE_DELAY_S * 1000:.0f} ms away …", flush=True)
        remote = pause_remote(net, args.remote_runs, work, key, SAFE_CLI.exists(), REMOTE_DELAY_S)
        print(f"pause on {CHAINS} chains at once …", flush=True)
        chains = pause_many_chains(nets, args.flow_runs, work)
        print("revoke 1,000 …", flush=True)
        revoke = revoke_many(net, args.revoke_runs, work)
        print("profiles …", flush=True)
        requests = count_requests(net, key, work)
        net.reset()
        profiles = [
            pyinstrument(pause_command(net)[1:], "emergency-pause", fresh_dir(work, "profile")),
            pyinstrument(
                ["--policy", str(net.policy), "rehearse", revoke.last_plans[0]],
                "rehearse-revoke-200",
                fresh_dir(work, "profile"),
            ),
        ]
        net.reset()  # the profiled pause paused the router; a dry run still needs it live
        dry_run = [*pause_command(net)[1:], "--dry-run"]
        imports = import_costs(dry_run, fresh_dir(work, "imports"))
        devnet_up = Sample([n.up_seconds for n in nets])
    print(f"emergency pause --all on {CHAINS} chains in one process …", flush=True)
    multichain = multichain_section(args.flow_runs, args.remote_runs)
    figures = Figures(
        started=started,
        seconds=time.perf_counter() - clock,
        load=(load, os.getloadavg()),
        startup=startup_samples,
        pause=pause.samples,
        steps=step_medians(pause.timelines),
        remote=remote,
        remote_delay_s=REMOTE_DELAY_S,
        requests=requests,
        revoke_plans=revoke.plans,
        revoke={
            "plan": revoke.plan,
            "review": revoke.review,
            "rehearse": revoke.rehearse,
            "total": revoke.total,
        },
        chains=chains,
        chain_count=CHAINS,
        devnet_up=devnet_up,
        imports=imports,
        profiles=[p for p in profiles if p is not None],
        multichain=multichain,
    )
    args.out.write_text(render(figures))
    print(f"wrote {args.out} in {figures.seconds:.0f} s", flush=True)


if __name__ == "__main__":
    if Path(SAFEOPS).name != "safeops" or not Path(SAFEOPS).exists():
        raise SystemExit("run me with the safeops virtual environment's python (scripts/bench)")
    main()
