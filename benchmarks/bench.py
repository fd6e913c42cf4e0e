"""Run every benchmark on local devnets and write docs/benchmarks.md (`./scripts/bench`)."""

from __future__ import annotations

import argparse
import compileall
import json
import os
import time
from datetime import UTC, datetime
from pathlib import Path

from flows import pause_command, pause_remote, pause_three_ways
from flows_many import revoke_many, with_members
from harness import ROOT, SAFE_CLI, SAFEOPS, Devnet, Sample, devnets, fresh_dir, scratch
from multichain import chains_devnet, pause_all_chains
from multichain import render as render_multichain
from profiling import import_costs, pyinstrument, step_medians
from report import Figures, render
from startup import startup

CHAINS = 5
REMOTE_DELAYS_S = (0.05, 0.15)  # a hosted RPC across the internet: one region away, or further


def devnet_key(net: Devnet, name: str = "oncall") -> str:
    """A signer's key from the devnet's own keystore (anvil's public dev keys), for the tools
    that take a raw key."""
    from eth_account import Account

    keys = net.folder / "keys"
    keystore = json.loads((keys / f"{name}.json").read_text())
    password = (keys / "password").read_text().removesuffix("\n")
    return "0x" + bytes(Account.decrypt(keystore, password)).hex()


def multichain_section(runs: int, remote_runs: int) -> list[str]:
    """One devnet of CHAINS chains; `--all` in one process vs one chain, local and far."""
    with scratch("safeops-bench-chains-") as work, chains_devnet(CHAINS, work) as net:
        figures = pause_all_chains(net, runs, remote_runs, work, REMOTE_DELAYS_S[0])
    return render_multichain(figures, CHAINS, REMOTE_DELAYS_S[0])


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
    # As an installed package would be: compiled once. Without this, a checkout run with
    # PYTHONDONTWRITEBYTECODE set recompiles safeops' sources in every process (~0.2 s).
    compileall.compile_dir(ROOT / "src" / "safeops", quiet=1)
    print("start-up …", flush=True)
    startup_samples = startup(args.runs)
    with scratch("safeops-bench-") as work, devnets(1, work) as nets:
        print("devnet up; one pause three ways …", flush=True)
        net, key, safe_cli = nets[0], devnet_key(nets[0]), SAFE_CLI.exists()
        pause = pause_three_ways(net, args.flow_runs, work, key, safe_cli=safe_cli)
        remote = []
        for delay in REMOTE_DELAYS_S:
            print(f"the same through an RPC {delay * 1000:.0f} ms away …", flush=True)
            remote.append(pause_remote(net, args.remote_runs, work, key, safe_cli, delay))
        print("revoke 1,000 …", flush=True)
        admins = [devnet_key(net, name) for name in ("alice", "bob")]
        revoke = revoke_many(net, args.revoke_runs, work, admins)
        print("profiles …", flush=True)
        net.reset()
        pause_profile = pyinstrument(
            pause_command(net)[1:], "emergency-pause", fresh_dir(work, "profile")
        )
        with_members(net)  # what the revoke removes must be there first
        profiles = [
            pause_profile,
            pyinstrument(
                ["--policy", str(net.policy), "rehearse", *revoke.last_plans],
                "rehearse-revoke-1000",
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
        revoke=revoke,
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
