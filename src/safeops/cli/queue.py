"""`safeops queue`: the pending proposals of every policy Safe and their confirmations."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from safeops.cli.console import Output
from safeops.cli.session import open_session

if TYPE_CHECKING:
    from rich.console import Console

    from safeops.workflows.queue import Pending


def queue(ctx: typer.Context) -> None:
    """Pending proposals per Safe: nonce, action, confirmations, conflicts, rehearsal."""
    from safeops.workflows.queue import queue as run

    output: Output = ctx.ensure_object(Output)
    result = run(open_session(output))
    output.audit_details.update(reconciled=[done.sent.tx_hash for _, done in result.reconciled])
    for safe, done in result.reconciled:
        output.progress(
            f"Safe {safe}: {done.safe_tx_hash} was executed in {done.sent.tx_hash} "
            f"(block {done.sent.block}): marked executed"
        )
    output.result(result.to_json(), lambda console: _render(console, result.pending))


def _render(console: Console, rows: list[Pending]) -> None:
    from rich.markup import escape
    from rich.table import Table

    if not rows:
        console.print("[green]nothing pending[/green]")
        return
    table = Table(title="Pending proposals", title_justify="left")
    for column in ("safe", "nonce", "action", "safeTxHash", "signed", "rehearsal"):
        table.add_column(column, overflow="fold")
    for r in rows:
        nonce = f"[bold red]{r.nonce} (conflict)[/bold red]" if r.conflict else str(r.nonce)
        table.add_row(
            r.safe,
            nonce,
            r.action,
            r.safe_tx_hash.hex0x,
            f"{r.confirmations}/{r.threshold}",
            escape(r.rehearsal),
        )
    console.print(table)
