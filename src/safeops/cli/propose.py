"""`safeops propose PLAN --signer N`: file a rehearsed plan in the Safe's proposal store."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from safeops.cli.console import Output
from safeops.cli.next_steps import NextSteps, as_json, print_steps, signed_by, signing_steps
from safeops.cli.options import SignerOption, open_policy_signer, plan_argument
from safeops.cli.session import open_session

if TYPE_CHECKING:
    from rich.console import Console

    from safeops.workflows.propose import Proposed


def propose(
    ctx: typer.Context,
    plan: Annotated[Path, typer.Argument(help="A rehearsed plan file, or its safeTxHash.")],
    signer: SignerOption,
    replace: Annotated[
        bool,
        typer.Option(
            "--replace",
            help="Knowingly propose a second transaction at a nonce that already has one.",
        ),
    ] = False,
) -> None:
    """Propose a plan with a fresh passing rehearsal; an owner-proposer signs it too."""
    from safeops.workflows.plan_files import read_plan
    from safeops.workflows.propose import propose as run

    output: Output = ctx.ensure_object(Output)
    output.audit("propose", plan=str(plan), signer=signer)
    session = open_session(output)
    plan = plan_argument(session, str(plan))
    output.audit_details["plan"] = str(plan)
    key = open_policy_signer(session.policy, signer, "proposer", output)
    result = run(session, plan, key, replace=replace)
    output.audit_details.update(safe_tx_hash=result.safe_tx_hash.hex0x)
    safe = session.safe(result.safe)
    sections = signing_steps(
        NextSteps.of(output),
        session.policy,
        result.safe,
        read_plan(plan).action,
        result.safe_tx_hash.hex0x,
        result.confirmations,
        result.threshold,
        signed_by(session.store(safe), result.safe_tx_hash),
    )
    document = result.to_json() | {"next": as_json(sections)}
    output.result(document, lambda console: _render(console, result, sections))


def _render(console: Console, result: Proposed, sections: list[tuple[str, list[str]]]) -> None:
    verb = "was already proposed" if result.already_proposed else "proposed"
    console.print(
        f"[green]{result.safe_tx_hash}[/green] {verb} to Safe {result.safe} "
        f"(nonce {result.nonce}): {result.confirmations}/{result.threshold} confirmations"
    )
    print_steps(console, sections)
