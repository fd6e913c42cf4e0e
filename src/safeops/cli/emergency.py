"""`safeops emergency`: the one command on-call runs at 3 a.m. to pause (or unpause)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

from safeops.cli.console import Output
from safeops.cli.options import open_policy_signer
from safeops.cli.session import open_session
from safeops.errors import Refused

if TYPE_CHECKING:
    from rich.console import Console

    from safeops.workflows.emergency import SafeOutcome

app = typer.Typer(
    help="Emergency actions in one command: plan, review, rehearse, propose, sign and execute.",
    no_args_is_help=True,
)

Targets = Annotated[list[str] | None, typer.Argument(help="Targets of the policy.")]
AllTargets = Annotated[bool, typer.Option("--all", help="Every target.")]
Signer = Annotated[str, typer.Option("--signer", help="The on-call owner's signer name.")]
DryRun = Annotated[bool, typer.Option("--dry-run", help="Stop after the rehearsal.")]


@app.command("pause")
def pause(
    ctx: typer.Context,
    targets: Targets = None,
    all_targets: AllTargets = False,
    signer: Signer = "",
    dry_run: DryRun = False,
) -> None:
    """Pause targets now: executes at once when this signer alone meets the threshold."""
    _run(ctx, targets, all_targets, False, signer, dry_run)


@app.command("unpause")
def unpause(
    ctx: typer.Context,
    targets: Targets = None,
    all_targets: AllTargets = False,
    signer: Signer = "",
    dry_run: DryRun = False,
) -> None:
    """Unpause targets through the Safe the policy gives that power (the admin Safe)."""
    _run(ctx, targets, all_targets, True, signer, dry_run)


def _run(
    ctx: typer.Context,
    targets: list[str] | None,
    all_targets: bool,
    unpause: bool,
    signer: str,
    dry_run: bool,
) -> None:
    from safeops.errors import BadInput
    from safeops.workflows.emergency import emergency

    output: Output = ctx.ensure_object(Output)
    if not signer:
        raise BadInput("--signer is required: the owner whose key proposes and signs")
    action = "unpause" if unpause else "pause"
    output.audit(f"emergency {action}", signer=signer, dry_run=dry_run)
    session = open_session(output)
    key = open_policy_signer(session.policy, signer, "proposer", output)
    outcomes = emergency(
        session,
        targets or [],
        all_targets=all_targets,
        unpause=unpause,
        signer=key,
        dry_run=dry_run,
    )
    output.audit_details.update(safe_tx_hashes=[str(o.written.plan.safe_tx_hash) for o in outcomes])
    entries = [o.to_json() for o in outcomes]
    document: dict[str, Any] = {
        **entries[0],  # the single-Safe case reads like its steps
        "outcomes": entries,
        "dry_run": dry_run,
        "done": all(o.executed is not None and o.executed.proven for o in outcomes),
    }
    output.result(document, lambda console: _render(console, outcomes, dry_run))
    failed = [o for o in outcomes if o.executed is not None and not o.executed.proven]
    if failed:
        reasons = [
            f"Safe {o.written.plan.safe_name}: {'; '.join(o.executed.unproven)}"
            for o in failed
            if o.executed is not None
        ]
        raise Refused(
            f"not done: {' | '.join(reasons)}",
            hint="See the postconditions above; do not retry blindly.",
        )


def _render(console: Console, outcomes: list[SafeOutcome], dry_run: bool) -> None:
    for outcome in outcomes:
        plan = outcome.written.plan
        head = f"Safe {plan.safe_name}: {plan.action} {plan.safe_tx_hash}"
        if dry_run:
            console.print(f"[green]rehearsed[/green] {head} (dry run: nothing proposed)")
        elif outcome.executed is not None:
            proven = outcome.executed.proven
            mark = "[green]done[/green]" if proven else "[bold red]NOT PROVEN[/bold red]"
            earlier = " (already: not sent again)" if outcome.executed.already_done else ""
            console.print(f"{mark} {head} in {outcome.executed.tx_hash}{earlier}")
        elif outcome.proposed is not None:
            p = outcome.proposed
            console.print(
                f"[yellow]proposed[/yellow] {head}: {p.confirmations}/{p.threshold} "
                "signatures. One more owner must run:"
            )
            for name in outcome.missing_signers:
                console.print(f"  safeops sign {plan.safe_tx_hash} --signer {name}")
            console.print(f"then: safeops execute {plan.safe_tx_hash} --signer EXECUTOR")
