"""The rehearsal report as rich text: what ran, what it proved, and why it failed."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from safeops.cli.render import NO_NAMES, Names

if TYPE_CHECKING:
    from rich.console import Console
    from rich.table import Table

    from safeops.workflows.rehearse import Rehearsal

_MAX_SHOWN = 66


def _short(text: str) -> str:
    return text if len(text) <= _MAX_SHOWN else text[: _MAX_SHOWN - 1] + "…"


def _named(address: str, labels: dict[str, str]) -> str:
    label = labels.get(address)
    return f"{address} ({label})" if label else address


def _show(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict) and "delta" in value:
        return str(value["delta"])
    return _short(str(value))


def _ok(ok: bool) -> str:
    return "[green]ok[/green]" if ok else "[bold red]FAIL[/bold red]"


def _table(title: str, *columns: str) -> Table:
    from rich.table import Table

    table = Table(title=title, title_justify="left")
    for column in columns:
        table.add_column(column, overflow="fold")
    return table


def render_rehearsal(
    console: Console, result: Rehearsal, labels: dict[str, str], names: Names = NO_NAMES
) -> None:
    data = result.to_json()
    _render_header(console, result, data, labels)
    _render_call(console, result, names)
    _render_execution(console, data)
    _render_checks(console, data)
    _render_storage(console, data)
    _render_accounts(console, data, labels)
    _render_events(console, data, labels)
    record = data["record"]
    console.print(f"record {record['path']} (sha256 {record['digest']})")
    if record["signed_by"]:
        console.print(f"record signed by {record['signed_by']}: it counts for propose")
    else:
        console.print(
            "[yellow]record not signed[/yellow]: for reading only; propose counts a record "
            "signed with --signer"
        )
    timings = data["timings"]
    console.print(
        f"[dim]fork started in {timings['fork_start_s']:.2f} s, rehearsal took "
        f"{timings['rehearsal_s']:.2f} s, {timings['total_s']:.2f} s in all[/dim]"
    )
    if result.passed:
        console.print("[bold green]PASSED[/bold green]: this transaction does what the plan says.")
    else:
        console.print("[bold red]FAILED[/bold red]")
        for reason in result.reasons:
            console.print(f"  [red]{_escape(reason)}[/red]")


def _escape(text: str) -> str:
    from rich.markup import escape

    return escape(text)


def _render_header(
    console: Console, result: Rehearsal, data: dict[str, Any], labels: dict[str, str]
) -> None:
    when = datetime.fromtimestamp(result.run.timestamp, UTC).strftime("%Y-%m-%d %H:%M:%S")
    console.print(
        f"[bold]Rehearsal[/bold] of {data['safe_tx_hash']} ({data['action']}, nonce "
        f"{data['nonce']}) by Safe {_named(data['safe']['address'], labels)}"
    )
    console.print(
        f"fork of {data['origin']} (chain {data['chain_id']}) at block {data['fork_block']} "
        f"({when} UTC)"
    )
    override = data["nonce_override"]
    if result.stack_skipped:
        moved = f"; nonce set {override['from']} -> {override['to']}" if override else ""
        console.print(f"[yellow]rehearsed alone (--no-stack){moved}[/yellow]")
    elif not data["stacked"]:
        console.print("stacked: no pending proposal with a lower nonce")
    for run in data["stacked"]:
        state = _ok(run["success"])
        tail = f": {_escape(run['reason'])}" if run["reason"] else ""
        console.print(
            f"stacked first: nonce {run['nonce']} {run['action']} {run['safe_tx_hash']} "
            f"{state}{tail}"
        )


def _render_call(console: Console, result: Rehearsal, names: Names) -> None:
    from safeops.cli.render import decoded_tree

    console.print("[bold]What ran[/bold] (decoded from the transaction itself)")
    console.print(decoded_tree(result.plan.inspection.decoded, names))
    for index, call in enumerate(result.plan.calls):
        # Free text from the plan file: a note to compare with the decoded call, never a fact.
        note = _escape(call.description)
        console.print(f"  [dim]#{index} unverified note from the plan file: {note}[/dim]")
    for finding in result.plan.inspection.findings:
        console.print(f"  [bold red]{finding.code}[/bold red] {_escape(finding.message)}")


def _render_execution(console: Console, data: dict[str, Any]) -> None:
    execution = data["execution"]
    if not execution.get("tx_hash"):
        console.print("[red]not executed: a stacked proposal failed first[/red]")
        return
    outcome = execution["outcome"] or ("reverted" if execution["reverted"] else "no event")
    console.print(
        f"execTransaction {_ok(execution['success'])} ({outcome}), gas used "
        f"{execution['gas_used']:,}, signed by {', '.join(execution['signers'])}"
    )
    if execution["reason"]:
        console.print(f"  [red]{_escape(execution['reason'])}[/red]")


def _render_checks(console: Console, data: dict[str, Any]) -> None:
    if not data["postconditions"]:
        console.print("[yellow]the plan has no postconditions[/yellow]")
        return
    table = _table("Postconditions", "check", "expected", "actual", "")
    for check in data["postconditions"]:
        table.add_row(
            _escape(check["check"]),
            _show(check["expected"]),
            _show(check["actual"]),
            _ok(check["ok"]),
        )
    console.print(table)


def _render_storage(console: Console, data: dict[str, Any]) -> None:
    # Failures are spelled out under FAILED; the table shows what moved, side by side.
    table = _table(
        "Safe storage diff (tracer) and state (read back)", "what", "before", "after", ""
    )
    for finding in data["storage_diff"]:
        table.add_row(
            finding["what"], _short(finding["before"]), _short(finding["after"]), _ok(finding["ok"])
        )
    console.print(table)


def _render_accounts(console: Console, data: dict[str, Any], labels: dict[str, str]) -> None:
    accounts = data["changed_accounts"]
    if not accounts:
        console.print("no account's balance or code changed")
        return
    table = _table("Accounts whose balance or code changed", "account", "before", "after", "Δ")
    for account in accounts:
        change = account["balance_delta"] or ""
        if account["code_changed"]:
            change += " [bold red]code changed[/bold red]"
        if account["removed"]:
            change += " [bold red]removed[/bold red]"
        table.add_row(
            _named(account["address"], labels),
            account["balance_before"] or "",
            account["balance_after"] or "",
            change,
        )
    console.print(table)


def _render_events(console: Console, data: dict[str, Any], labels: dict[str, str]) -> None:
    console.print(f"[bold]Events[/bold] ({len(data['events'])})")
    for event in data["events"]:
        where = _named(event["address"], labels)
        if not event["args"]:
            # core.events gives an unknown or undecodable log no args; its name says which it is.
            console.print(f"  {where} [dim]{_escape(event['name'])}[/dim]")
            continue
        if event["name"] == "SafeMultiSigTransaction":
            # The L2 Safe logs the transaction it runs: its fields are shown above already.
            console.print(
                f"  {where} [bold]SafeMultiSigTransaction[/bold](the executed fields; see --json)"
            )
            continue
        args = ", ".join(_show(value) for value in event["args"])
        console.print(f"  {where} [bold]{event['name']}[/bold]({_escape(args)})")
