"""`safeops review`: the report a security reviewer reads top to bottom before signing."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from safeops.cli.console import Output
from safeops.cli.session import open_session
from safeops.errors import BadInput, Refused

if TYPE_CHECKING:
    from rich.console import Console

    from safeops.core.policy import Policy
    from safeops.workflows.review import Review


def review(
    ctx: typer.Context,
    targets: Annotated[
        list[str] | None,
        typer.Argument(
            help="Plan files, proposal files, Safe Transaction Service JSONs, or safeTxHashes "
            "in the proposal store; several are reviewed in nonce order.",
            show_default=False,
        ),
    ] = None,
    tx_builder: Annotated[
        Path | None, typer.Option("--tx-builder", help="Review a Transaction Builder batch file.")
    ] = None,
    safe: Annotated[
        str | None,
        typer.Option(
            "--safe",
            help="The policy Safe of a batch that names none, or of a hash several Safes' "
            "stores hold.",
        ),
    ] = None,
    nonce: Annotated[
        int | None,
        typer.Option("--nonce", min=0, help="Nonce for a batch file; default: on-chain."),
    ] = None,
) -> None:
    """Recompute the hashes, decode every call, evaluate the policy, compare the live Safe with
    it and simulate the exact transaction (again with the Safe's guard). Exit 1 on any issue."""
    from safeops.workflows.review import review_all
    from safeops.workflows.subjects import load_subject

    output: Output = ctx.ensure_object(Output)
    if bool(targets) == (tx_builder is not None):
        raise BadInput(
            "review takes plans, JSONs or safeTxHashes, or one --tx-builder FILE: not both"
            if targets
            else "review takes plans, JSONs or safeTxHashes, or one --tx-builder FILE"
        )
    names = [str(tx_builder)] if tx_builder is not None else list(targets or [])
    output.audit("review", target=names[0], **({"targets": names} if len(names) > 1 else {}))
    session = open_session(output)
    subjects = [
        load_subject(session, name, tx_builder=tx_builder is not None, safe_name=safe, nonce=nonce)
        for name in names
    ]
    for subject in subjects:
        output.progress(f"reviewing {subject.source} for Safe {subject.safe.name} …")
    output.audit_details.update(safe=subjects[0].safe.name, source=subjects[0].source)
    results = review_all(session, subjects)
    documents = [result.to_json() for result in results]
    # The first review's keys, as for one; `ok` only when all pass; `plans[]`: each review.
    document = {**documents[0], "ok": all(r.ok for r in results), "plans": documents}
    passed = all(result.ok for result in results)
    output.audit_details.update(safe_tx_hash=documents[0]["safe_tx_hash"], passed=passed)

    def render(console: Console) -> None:
        for result, shown in zip(results, documents, strict=True):
            _render(console, result, shown, session.policy)

    output.result(document, render)
    failed = [result for result in results if not result.ok]
    if failed:
        more = f" ({len(failed)} of {len(results)} failed)" if len(results) > 1 else ""
        raise Refused(failed[0].verdict() + more, hint="Do not sign: see the report above.")


def _render(console: Console, result: Review, document: dict[str, Any], policy: Policy) -> None:
    from rich.markup import escape

    from safeops.cli.render import policy_names, render_inspection

    subject = result.subject
    console.print(
        f"[bold]Review[/bold] of a {subject.source} for Safe {subject.safe.name} "
        f"(chain {document['chain_id']}, Safe {document['safe_version']})"
    )
    if subject.plan is not None:
        console.print(f"action: {subject.plan.action} {escape(str(subject.plan.arguments))}")
    names = policy_names(policy, subject.safe.chain_id)
    render_inspection(console, result.inspection, None, names)
    console.print("[bold]Policy[/bold]")
    if not result.violations:
        console.print("  [green]every call is one the policy allows[/green]")
    for violation in result.violations:
        console.print(
            f"  [bold red]{violation.code}[/bold red] {escape(violation.message)} "
            f"[dim]({violation.path})[/dim]"
        )
    console.print("[bold]Live Safe[/bold]")
    if not result.live.drift:
        console.print(f"  [green]matches the policy[/green] at block {result.live.block}")
    for drift in result.live.drift:
        console.print(
            f"  [bold red]{drift.check}[/bold red] {escape(drift.message)}: expected "
            f"{escape(drift.expected)}, actual {escape(drift.actual)}"
        )
    if result.onchain_nonce is not None and result.subject.tx.nonce > result.onchain_nonce:
        ahead = result.subject.tx.nonce - result.onchain_nonce
        console.print(
            f"[yellow]note:[/yellow] simulated at nonce {result.subject.tx.nonce} "
            f"(state override): {ahead} transaction(s) must execute before it; "
            "`safeops rehearse` runs them first"
        )
    for title, key in (
        ("Simulation", "simulation"),
        ("Simulation with the Safe's guard", "guard_simulation"),
    ):
        sim = document[key]
        if sim is None:
            continue
        verdict = "[green]success[/green]" if sim["success"] else "[bold red]FAILED[/bold red]"
        console.print(
            f"[bold]{title}[/bold] at block {sim['block']}: {verdict}, gas {sim['gas_used']}"
        )
        if sim["revert_reason"]:
            console.print(f"  reason: {escape(sim['revert_reason'])}")
        for failure in sim["failures"]:
            where = "the call" if failure["index"] is None else f"batch item #{failure['index']}"
            console.print(
                f"  [red]{where} to {failure['to']} reverts: {escape(failure['reason'])}[/red]"
            )
        for event in sim["events"]:
            console.print(f"  event {escape(event)}")
    if result.ok:
        console.print("[bold green]review passed[/bold green]: next, `safeops rehearse` it")
    else:
        console.print(f"[bold red]{escape(result.verdict())}[/bold red]")
