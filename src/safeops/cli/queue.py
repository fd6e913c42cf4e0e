"""`safeops queue`: the pending proposals of every policy Safe and their confirmations."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from safeops.cli.console import Output
from safeops.cli.next_steps import NextSteps
from safeops.cli.session import open_session
from safeops.errors import EnvironmentProblem

if TYPE_CHECKING:
    from rich.console import Console

    from safeops.workflows.queue import Queue


def queue(ctx: typer.Context) -> None:
    """Pending proposals per Safe: nonce, action, confirmations, conflicts, rehearsal, and
    the ones the policy would refuse (cancel those with `safeops reject`)."""
    from safeops.core.policy.roles import proposers_of
    from safeops.workflows.queue import pending

    output: Output = ctx.ensure_object(Output)
    session = open_session(output)
    found = pending(session)
    output.audit_details.update(reconciled=[done.sent.tx_hash for _, done in found.reconciled])
    for safe, done in found.reconciled:
        output.progress(
            f"Safe {safe}: {done.safe_tx_hash} was executed in {done.sent.tx_hash} "
            f"(block {done.sent.block}): marked executed"
        )
    # The reject command that cancels each refused proposal, once per proposer who may run it.
    steps, policy = NextSteps.of(output), session.policy
    cancel = {
        r.safe_tx_hash.hex0x: [
            steps.command("reject", r.safe_tx_hash.hex0x, "--signer", name)
            for name in proposers_of(policy, "reject", r.safe)
        ]
        for r in found.rows
        if r.refused
    }
    output.result(found.to_json(), lambda console: _render(console, found, cancel))
    if found.unreachable:
        names = ", ".join(f"{u.safe.name} (chain {u.safe.chain_id})" for u in found.unreachable)
        raise EnvironmentProblem(
            f"the queue of {names} could not be read: {found.unreachable[0].error.message}",
            hint="The other Safes are listed above; check that chain's RPCs.",
        )


def _render(console: Console, found: Queue, cancel: dict[str, list[str]]) -> None:
    from rich.markup import escape
    from rich.table import Table

    from safeops.cli.next_steps import print_steps

    rows = found.rows
    if not rows:
        console.print("[green]nothing pending[/green]")
    else:
        table = Table(title="Pending proposals", title_justify="left")
        for column in ("safe", "nonce", "action", "safeTxHash", "signed", "rehearsal", "policy"):
            table.add_column(column, overflow="fold")
        for r in rows:
            nonce = f"[bold red]{r.nonce} (conflict)[/bold red]" if r.conflict else str(r.nonce)
            verdict = "[bold red]REFUSED[/bold red]" if r.refused else "ok"
            table.add_row(
                f"{r.safe} ({r.chain_id})",
                nonce,
                r.action,
                r.safe_tx_hash.hex0x,
                f"{r.confirmations}/{r.threshold}",
                escape(r.rehearsal),
                verdict,
            )
        console.print(table)
    for r in (r for r in rows if r.refused):
        console.print(
            f"[bold red]the policy would refuse[/bold red] {r.safe_tx_hash} ({r.safe}): "
            f"{escape(r.refusals[0])}"
        )
        print_steps(console, [("to cancel it, one of:", cancel[r.safe_tx_hash.hex0x])], "  ")
    for u in found.unreachable:
        console.print(f"[bold red]unreachable[/bold red] {u.safe.name}: {escape(u.error.message)}")
