"""`safeops emergency`: the one command on-call runs at 3 a.m. to pause (or unpause), revoke
or withdraw, on every Safe and chain involved at once; each next signer runs the same
command to sign, and whoever completes the threshold executes and proves."""

from __future__ import annotations

import shlex
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from safeops.cli.console import Output
from safeops.cli.options import open_run_signer
from safeops.cli.session import open_session
from safeops.errors import BadInput

if TYPE_CHECKING:
    from rich.console import Console

    from safeops.workflows.emergency_intents import Intent

app = typer.Typer(
    help="Emergency actions in one command per signer: plan, review, rehearse, propose, sign "
    "and execute, on every Safe and chain at once.",
    no_args_is_help=True,
)

Targets = Annotated[list[str] | None, typer.Argument(help="Targets of the policy.")]
AllTargets = Annotated[bool, typer.Option("--all", help="Every target, on every chain.")]
Signer = Annotated[
    str, typer.Option("--signer", help="Your signer name: a proposer, an owner or both.")
]
DryRun = Annotated[bool, typer.Option("--dry-run", help="Stop after the rehearsal.")]


@app.command("pause")
def pause(
    ctx: typer.Context,
    targets: Targets = None,
    all_targets: AllTargets = False,
    signer: Signer = "",
    dry_run: DryRun = False,
) -> None:
    """Pause targets now; targets already paused are left out and reported."""
    from safeops.workflows.emergency_intents import PauseIntent

    intent = PauseIntent(tuple(targets or ()), all_targets, unpause=False)
    _run(ctx, intent, _pause_args("pause", targets, all_targets), signer, dry_run)


@app.command("unpause")
def unpause(
    ctx: typer.Context,
    targets: Targets = None,
    all_targets: AllTargets = False,
    signer: Signer = "",
    dry_run: DryRun = False,
) -> None:
    """Unpause targets through the Safe the policy gives that power (the admin Safe)."""
    from safeops.workflows.emergency_intents import PauseIntent

    intent = PauseIntent(tuple(targets or ()), all_targets, unpause=True)
    _run(ctx, intent, _pause_args("unpause", targets, all_targets), signer, dry_run)


@app.command("revoke")
def revoke(
    ctx: typer.Context,
    allowlist: Annotated[str, typer.Argument(help="An allow-list of the policy.")],
    addresses: Annotated[list[str] | None, typer.Argument(help="Addresses (EIP-55).")] = None,
    from_file: Annotated[
        Path | None, typer.Option("--from-file", help="One address per line; # starts a comment.")
    ] = None,
    signer: Signer = "",
    dry_run: DryRun = False,
) -> None:
    """Revoke addresses from an allow-list; addresses already revoked are left out."""
    from safeops.cli.plan import read_addresses
    from safeops.workflows.emergency_intents import RevokeIntent

    listed = read_addresses(from_file) if from_file else []
    wanted = [*(addresses or []), *listed]
    if not wanted:
        raise BadInput("no address to revoke", hint="Name addresses or pass --from-file.")
    args = ["revoke", allowlist, *(addresses or [])]
    args += ["--from-file", str(from_file)] if from_file else []
    _run(ctx, RevokeIntent(allowlist, tuple(wanted)), args, signer, dry_run)


@app.command("withdraw")
def withdraw(
    ctx: typer.Context,
    vault: Annotated[str, typer.Argument(help="A vault of the policy.")],
    to: Annotated[str, typer.Option("--to", help="A recipient of the policy (by name).")],
    token: Annotated[str | None, typer.Option("--token", help="A token of the policy.")] = None,
    amount: Annotated[
        str | None, typer.Option("--amount", help="In token units, e.g. 1250.5 (exact decimal).")
    ] = None,
    all_tokens: Annotated[
        bool, typer.Option("--all-tokens", help="Sweep every policy token the vault holds.")
    ] = False,
    again: Annotated[
        bool,
        typer.Option(
            "--again",
            help="Withdraw even though this same withdrawal just executed (a second tranche).",
        ),
    ] = False,
    signer: Signer = "",
    dry_run: DryRun = False,
) -> None:
    """Emergency-withdraw from a vault to a recipient the policy names, within its caps."""
    from safeops.workflows.emergency_intents import WithdrawIntent

    intent = WithdrawIntent(vault, to, token, amount, all_tokens, once=not again)
    args = ["withdraw", vault, "--to", to]
    args += ["--all-tokens"] if all_tokens else ["--token", token or "", "--amount", amount or ""]
    _run(ctx, intent, args, signer, dry_run)


def _prompts(spec: object) -> bool:
    """A keystore without a password file: its password is asked on the terminal."""
    from safeops.core.keyspec import KeystoreKey

    return isinstance(spec, KeystoreKey) and spec.password_file is None


def _pause_args(action: str, targets: list[str] | None, all_targets: bool) -> list[str]:
    return [action, *(["--all"] if all_targets else (targets or []))]


def _run(ctx: typer.Context, intent: Intent, args: list[str], signer: str, dry_run: bool) -> None:
    from rich.markup import escape

    from safeops.cli.next_steps import NextSteps
    from safeops.cli.render_emergency import next_commands, raise_for, render
    from safeops.core.emergency import WAITING
    from safeops.workflows.emergency import emergency

    output: Output = ctx.ensure_object(Output)
    if not signer:
        raise BadInput(
            "--signer is required: the signer whose key proposes, signs or executes",
            hint="For example --signer oncall: a signer of the policy.",
        )
    output.audit(f"emergency {intent.action}", signer=signer, dry_run=dry_run)
    session = open_session(output)
    again = NextSteps.of(output).command("emergency", *args)
    key = open_run_signer(session.policy, signer, ("proposer", "signer", "executor"))
    # The closing audit entry is signed by every key that took part in the run: the run's key
    # signs it too, then is wiped when the run ends (Output.release_keys), not fetched again.
    output.key_holds.callback(key.close)
    if not dry_run and _prompts(session.policy.signers[signer].key):
        # Ask for the password here, before the Safes' threads start and print.
        key.verify()
    run = emergency(session, intent, key, dry_run=dry_run)
    output.audit_details.update(key_fetched=key.fetched)
    if key.fetched:
        output.keys_used.append(key)
    output.audit_details.update(
        safe_tx_hashes=[o.to_json()["safe_tx_hash"] for o in run.outcomes if o.written],
        outcomes={o.safe.name: o.status for o in run.outcomes},
    )
    steps = [
        command
        for outcome in run.outcomes
        if outcome.status == WAITING
        for command in next_commands(outcome, again)[1]
    ]
    for_real = f"{again} --signer {shlex.quote(signer)}"
    if dry_run and run.exit_code == 0:  # rehearsed: the same command without --dry-run does it
        steps.append(for_real)

    def shown(console: Console) -> None:
        render(console, run, again)
        if dry_run and run.exit_code == 0:
            console.print("next, do it for real:")
            console.print(f"  [bold]{escape(for_real)}[/bold]")

    output.result(run.to_json() | {"next": steps}, shown)
    raise_for(run)
