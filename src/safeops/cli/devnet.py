"""`safeops devnet`: a local chain with real Safe contracts, two Safes and a demo protocol."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from safeops.cli.console import Output
from safeops.cli.next_steps import NextSteps, print_steps

if TYPE_CHECKING:
    from rich.console import Console

    from safeops.devnet.manager import DevnetState

app = typer.Typer(
    help="Local devnet: anvil, Safe 1.4.1, a guardian and an admin Safe.", no_args_is_help=True
)

StateDir = Annotated[
    Path | None,
    typer.Option(
        "--dir",
        envvar="SAFEOPS_DEVNET_DIR",
        help="Where the devnet keeps its state; default: devnet/ in $SAFEOPS_HOME, else "
        ".safeops/devnet.",
        show_default=False,
    ),
]
DEFAULT_DIR = None  # `devnet_dir()`: in $SAFEOPS_HOME when set, else .safeops/devnet


def devnet_dir(given: Path | None) -> Path:
    """The devnet is where it creates its policy, so its own folder cannot come from one."""
    from safeops.cli.home import HOME_ENV, HOME_NAME

    if given is not None:
        return given
    return Path(os.environ.get(HOME_ENV) or HOME_NAME) / "devnet"


def _summary(state: DevnetState, running: bool) -> dict[str, Any]:
    return {
        "running": running,
        "rpc_url": state.rpc_url,
        "chain_id": state.chain_id,
        "policy": state.policy,
        "safes": state.safes,
        "contracts": state.contracts,
        "signers": state.signers,
        "keys": state.keys,
        "examples": state.examples,
        "pid": state.pid,
        "vault_env": state.vault_env,
        "notes": state.notes,
        "chains": [
            {
                "chain_id": chain.chain_id,
                "rpc_url": chain.rpc_url,
                "pid": chain.pid,
                "suffix": chain.suffix,
                "canonical": chain.canonical,
            }
            for chain in state.chains
        ],
    }


def _render(console: Console, summary: dict[str, Any], headline: str) -> None:
    from rich.table import Table

    console.print(headline)
    table = Table(show_header=False)
    table.add_column(style="bold")
    table.add_column()
    for chain in summary["chains"]:
        where = "" if chain["canonical"] else " (Safe contracts at non-canonical addresses)"
        names = f" (names{chain['suffix']})" if chain["suffix"] else ""
        table.add_row(f"chain {chain['chain_id']}", f"{chain['rpc_url']}{names}{where}")
    table.add_row("policy", summary["policy"])
    for name, address in summary["safes"].items():
        table.add_row(f"safe {name}", address)
    for name, address in summary["contracts"].items():
        table.add_row(name, address)
    for name, path in summary["examples"].items():
        table.add_row(f"example {name}", path)
    table.add_row("keys", summary["keys"])
    console.print(table)
    for note in summary["notes"]:
        console.print(f"[yellow]note:[/yellow] {note}")


@app.command()
def up(
    ctx: typer.Context,
    state_dir: StateDir = DEFAULT_DIR,
    keys: Annotated[
        str,
        typer.Option(
            help="Where the demo keys go: keystore (files), keyring (the OS keyring) or vault "
            "(VAULT_ADDR's Vault, else a local OpenBao the devnet starts)."
        ),
    ] = "keystore",
    chains: Annotated[
        int,
        typer.Option(
            "--chains",
            help="How many chains (ids 31337, 31338, …), each with its Safes and demo protocol, "
            "in one policy; with 2 or more the last has its Safe contracts at non-canonical "
            "addresses.",
        ),
    ] = 1,
) -> None:
    """Start anvil, deploy Safe 1.4.1, the demo protocol and two Safes, write the policy."""
    from safeops.devnet import manager

    output: Output = ctx.ensure_object(Output)
    state_dir = devnet_dir(state_dir)
    output.progress(f"starting the devnet in {state_dir} …")
    state, started = manager.up(state_dir, keys=keys, environ=os.environ, chains=chains)
    try_it = NextSteps(state.policy).command(
        "emergency", "pause", "--all", "--signer", "oncall", "--dry-run"
    )
    summary = _summary(state, running=True) | {"started": started, "next": [try_it]}
    headline = (
        "[green]devnet started[/green]" if started else "[yellow]devnet already running[/yellow]"
    )

    def render(console: Console) -> None:
        _render(console, summary, headline)
        print_steps(console, [("next, rehearse an emergency pause of everything:", [try_it])])

    output.result(summary, render)


@app.command()
def down(ctx: typer.Context, state_dir: StateDir = DEFAULT_DIR) -> None:
    """Stop the devnet's anvil and remove the state it wrote."""
    from safeops.devnet import manager

    output: Output = ctx.ensure_object(Output)
    state, warnings = manager.down(devnet_dir(state_dir))
    document = {
        "stopped": state is not None,
        "pid": state.pid if state else None,
        "warnings": warnings,
    }
    message = "[green]devnet stopped[/green]" if state else "no devnet was running"

    def render(console: Console) -> None:
        console.print(message)
        for warning in warnings:
            console.print(f"[yellow]warning:[/yellow] {warning}")

    output.result(document, render)


@app.command()
def status(ctx: typer.Context, state_dir: StateDir = DEFAULT_DIR) -> None:
    """Say whether the devnet runs, and where everything is."""
    from safeops.devnet import manager

    output: Output = ctx.ensure_object(Output)
    state_dir = devnet_dir(state_dir)
    state = manager.load_state(state_dir)
    if state is None:
        document: dict[str, Any] = {"running": False}
        output.result(document, lambda console: console.print("no devnet in " + str(state_dir)))
        return
    summary = _summary(state, running=manager.is_running(state))
    headline = (
        "[green]devnet running[/green]"
        if summary["running"]
        else "[red]devnet state found, but anvil is not answering[/red]"
    )
    output.result(summary, lambda console: _render(console, summary, headline))
