"""`safeops propose PLAN --signer N`: file a rehearsed plan in the Safe's proposal store."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from safeops.cli.console import Output
from safeops.cli.options import SignerOption, open_policy_signer
from safeops.cli.session import open_session

if TYPE_CHECKING:
    from rich.console import Console

    from safeops.workflows.propose import Proposed


def propose(
    ctx: typer.Context,
    plan: Annotated[Path, typer.Argument(help="A rehearsed plan file.")],
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
    from safeops.workflows.propose import propose as run

    output: Output = ctx.ensure_object(Output)
    output.audit("propose", plan=str(plan), signer=signer)
    session = open_session(output)
    key = open_policy_signer(session.policy, signer, "proposer", output)
    result = run(session, plan, key, replace=replace)
    output.audit_details.update(safe_tx_hash=result.safe_tx_hash.hex0x)
    output.result(result.to_json(), lambda console: _render(console, result))


def _render(console: Console, result: Proposed) -> None:
    verb = "was already proposed" if result.already_proposed else "proposed"
    console.print(
        f"[green]{result.safe_tx_hash}[/green] {verb} to Safe {result.safe} "
        f"(nonce {result.nonce}): {result.confirmations}/{result.threshold} confirmations"
    )
    if result.confirmations < result.threshold:
        console.print(
            f"next: owners run [bold]safeops sign {result.safe_tx_hash} --signer NAME[/bold]"
        )
    else:
        console.print(f"next: [bold]safeops execute {result.safe_tx_hash} --signer EXECUTOR[/bold]")
