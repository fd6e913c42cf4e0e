"""`safeops emergency`: the one command on-call runs at 3 a.m. to pause (or unpause)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

from safeops.cli.console import Output
from safeops.cli.next_steps import NextSteps, as_json, print_steps, signed_by, signing_steps
from safeops.cli.options import open_policy_signer
from safeops.cli.session import open_session
from safeops.errors import Refused

if TYPE_CHECKING:
    from rich.console import Console

    from safeops.workflows.emergency import SafeOutcome
    from safeops.workflows.session import Session

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
        raise BadInput(
            "--signer is required: the owner whose key proposes and signs",
            hint="For example --signer oncall: a signer of the policy with the proposer role.",
        )
    action = "unpause" if unpause else "pause"
    output.audit(f"emergency {action}", signer=signer, dry_run=dry_run)
    session = open_session(output)
    key = open_policy_signer(session.policy, signer, "proposer")
    outcomes = emergency(
        session,
        targets or [],
        all_targets=all_targets,
        unpause=unpause,
        signer=key,
        dry_run=dry_run,
    )
    output.audit_details.update(safe_tx_hashes=[str(o.written.plan.safe_tx_hash) for o in outcomes])
    steps = NextSteps.of(output)
    sections = [_next(session, steps, outcome) for outcome in outcomes]
    if dry_run:  # rehearsed: the same command without --dry-run does it
        chosen = list(targets or []) if not all_targets else ["--all"]
        again = steps.command("emergency", action, *chosen, "--signer", signer)
        sections = [[] for _ in outcomes[1:]] + [[("next, do it for real:", [again])]]
    entries = [o.to_json() | {"next": as_json(s)} for o, s in zip(outcomes, sections, strict=True)]
    document: dict[str, Any] = {
        **entries[0],  # the single-Safe case reads like its steps
        "outcomes": entries,
        "dry_run": dry_run,
        "done": all(o.executed is not None and o.executed.proven for o in outcomes),
        "next": [command for entry in entries for command in entry["next"]],
    }
    output.result(document, lambda console: _render(console, outcomes, dry_run, sections))
    failed = [o for o in outcomes if o.executed is not None and not o.executed.proven]
    if failed:
        raise Refused(
            f"{len(failed)} emergency transaction(s) did not do what was planned",
            hint="See the postconditions above.",
        )


def _next(session: Session, steps: NextSteps, outcome: SafeOutcome) -> list[tuple[str, list[str]]]:
    """Who must still sign and who executes, when this signer alone did not meet the threshold."""
    proposed, plan = outcome.proposed, outcome.written.plan
    if proposed is None or outcome.executed is not None:
        return []
    return signing_steps(
        steps,
        session.policy,
        plan.safe_name,
        plan.action,
        plan.safe_tx_hash.hex0x,
        proposed.confirmations,
        proposed.threshold,
        signed_by(session.store(session.safe(plan.safe_name)), plan.safe_tx_hash),
    )


def _render(
    console: Console,
    outcomes: list[SafeOutcome],
    dry_run: bool,
    sections: list[list[tuple[str, list[str]]]],
) -> None:
    for outcome, steps in zip(outcomes, sections, strict=True):
        plan = outcome.written.plan
        head = f"Safe {plan.safe_name}: {plan.action} {plan.safe_tx_hash}"
        if dry_run:
            console.print(f"[green]rehearsed[/green] {head} (dry run: nothing proposed)")
        elif outcome.executed is not None:
            proven = outcome.executed.proven
            mark = "[green]done[/green]" if proven else "[bold red]NOT PROVEN[/bold red]"
            console.print(f"{mark} {head} in {outcome.executed.tx_hash}")
        elif outcome.proposed is not None:
            p = outcome.proposed
            console.print(
                f"[yellow]proposed[/yellow] {head}: {p.confirmations}/{p.threshold} signatures"
            )
        print_steps(console, steps)
