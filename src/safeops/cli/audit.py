"""`safeops audit`: read the hash-chained audit log and prove it was not edited."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from safeops.cli.console import Output
from safeops.errors import Refused

if TYPE_CHECKING:
    from rich.console import Console

app = typer.Typer(
    help="The audit log of every action, in the safeops home (or SAFEOPS_AUDIT_LOG).",
    no_args_is_help=True,
)


@app.command("show")
def show(
    ctx: typer.Context,
    last: Annotated[int, typer.Option("--last", help="How many entries, newest last.")] = 20,
) -> None:
    """The latest entries, and whether the chain holds."""
    from safeops.audit.log import AuditLog
    from safeops.cli.session import audit_log_path

    output: Output = ctx.ensure_object(Output)
    log = AuditLog(audit_log_path(output))
    entries = log.entries()
    check = log.verify()
    shown = entries[-last:] if last > 0 else entries
    document: dict[str, Any] = {
        "ok": check.ok,
        "entries": shown,
        "count": len(entries),
        "problem": check.problem,
        "log": str(log.path),
        **_older(log.path),
    }

    def render(console: Console) -> None:
        from rich.markup import escape
        from rich.table import Table

        table = Table(title=f"{log.path} ({len(entries)} entries)", title_justify="left")
        for column in ("#", "time", "action", "outcome", "details"):
            table.add_column(column, overflow="fold")
        for entry in shown:
            table.add_row(
                str(entry.get("seq")),
                str(entry.get("time")),
                str(entry.get("action")),
                str(entry.get("outcome")),
                escape(str(entry.get("details", ""))),
            )
        console.print(table)
        if not check.ok:
            console.print(
                f"[bold red]the chain is broken: {escape(check.problem or '')}[/bold red]"
            )
        _render_older(console, document)

    output.result(document, render)


@app.command("head")
def head(ctx: typer.Context) -> None:
    """The log's witness, COUNT:HASH: keep it outside this machine (the incident channel), and
    `audit verify --head COUNT:HASH` later proves no entry up to it was removed or changed."""
    from safeops.audit.log import AuditLog
    from safeops.audit.witness import head_of
    from safeops.cli.session import audit_log_path

    output: Output = ctx.ensure_object(Output)
    log = AuditLog(audit_log_path(output))
    witness = head_of(log.entries())
    document = {
        "log": str(log.path),
        "count": witness.count if witness else 0,
        "head": witness.head if witness else None,
        "witness": str(witness) if witness else None,
    }
    line = f"{witness}" if witness else f"[yellow]{log.path} has no entries[/yellow]"
    output.result(document, lambda console: console.print(line))


Head = Annotated[
    str | None,
    typer.Option(
        "--head", help="A witness COUNT:HASH from `audit head`: the log must still hold it."
    ),
]


@app.command("verify")
def verify(ctx: typer.Context, head: Head = None) -> None:
    """Recompute every entry's hash, link and signature; with --head, also prove that no entry
    up to the witnessed one was removed. Exit 1 if anything was edited or removed, and for a
    missing or empty log (nothing is proven)."""
    from safeops.audit.log import AuditLog
    from safeops.audit.witness import Witness
    from safeops.cli.session import audit_log_path

    output: Output = ctx.ensure_object(Output)
    witness = Witness.parse(head) if head is not None else None
    log = AuditLog(audit_log_path(output))
    check = log.verify(witness)
    document = {
        "ok": check.ok,
        "entries": check.entries,
        "problem": check.problem,
        "log": str(log.path),
        "witness": str(witness) if witness else None,
        **_older(log.path),
    }
    message = (
        f"[green]audit log intact[/green]: {check.entries} entries"
        + (f", witness {witness.count}:{witness.head[:12]}… holds" if witness else "")
        if check.ok
        else f"[bold red]audit log broken[/bold red]: {check.problem}"
    )

    def render(console: Console) -> None:
        console.print(message)
        _render_older(console, document)

    output.result(document, render)
    if not check.ok:
        raise Refused(
            f"the audit log {log.path} fails verification: {check.problem}",
            hint="Keep the damaged log for investigation; do not repair it by hand. Compare "
            "with the last witness (`audit head`) kept elsewhere, and the system log.",
        )


def _older(log: Path) -> dict[str, str]:
    """The working folder's own log, written before the safeops home moved beside the policy:
    a chain of its own, verified on its own, never merged."""
    from safeops.cli.home import older_audit_log

    older = older_audit_log(log)
    return {} if older is None else {"older_log": str(older)}


def _render_older(console: Console, document: dict[str, Any]) -> None:
    import shlex

    from rich.markup import escape

    older = document.get("older_log")
    if older is not None:
        command = f"SAFEOPS_AUDIT_LOG={shlex.quote(older)} safeops audit verify"
        console.print(
            f"[yellow]note:[/yellow] an older audit log is in {escape(older)}; verify it:"
        )
        console.print(f"  [bold]{escape(command)}[/bold]", soft_wrap=True)
