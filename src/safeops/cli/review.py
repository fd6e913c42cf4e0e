"""`safeops review`: the report a security reviewer reads top to bottom before signing."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from safeops.cli.console import Output
from safeops.cli.next_steps import NextSteps, as_json, print_steps, signing_steps
from safeops.cli.session import open_session
from safeops.errors import BadInput, Refused

if TYPE_CHECKING:
    from rich.console import Console

    from safeops.core.policy import Policy
    from safeops.workflows.review import Review
    from safeops.workflows.session import Session


def review(
    ctx: typer.Context,
    target: Annotated[
        str | None,
        typer.Argument(
            help="A plan file, a proposal file, a Safe Transaction Service JSON, "
            "or a safeTxHash in the proposal store."
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
    from safeops.workflows.review import review as run_review
    from safeops.workflows.subjects import load_subject

    output: Output = ctx.ensure_object(Output)
    if (target is None) == (tx_builder is None):
        raise BadInput(
            "review takes one thing: a plan/JSON/safeTxHash, or --tx-builder FILE",
            hint="See `safeops review --help`.",
        )
    output.audit("review", target=str(tx_builder or target))
    session = open_session(output)
    if target is not None:
        target = _plan_by_hash(session, target)
    subject = load_subject(
        session,
        str(tx_builder or target),
        tx_builder=tx_builder is not None,
        safe_name=safe,
        nonce=nonce,
    )
    output.progress(f"reviewing {subject.source} for Safe {subject.safe.name} …")
    output.audit_details.update(safe=subject.safe.name, source=subject.source)
    result = run_review(session, subject)
    sections = _next(session, NextSteps.of(output), result, target) if result.ok else []
    document = result.to_json() | {"next": as_json(sections)}
    output.audit_details.update(safe_tx_hash=document["safe_tx_hash"], passed=result.ok)

    def render(console: Console) -> None:
        _render(console, result, document, session.policy)
        print_steps(console, sections)

    output.result(document, render)
    if not result.ok:
        raise Refused(result.verdict(), hint="Do not sign: see the report above.")


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
        console.print("[bold green]review passed[/bold green]")
    else:
        console.print(f"[bold red]{escape(result.verdict())}[/bold red]")


def _plan_by_hash(session: Session, target: str) -> str:
    """A safeTxHash names a plan in the safeops home when there is one; a proposal in the
    stores otherwise. A `0x…` that is neither a file nor a hash is a mistyped hash."""
    from safeops.core.safe_tx import SafeTxHash

    if not target.startswith("0x") or Path(target).exists():
        return target
    found = session.plan_file(SafeTxHash.parse(target))
    return str(found) if found.is_file() else target


def _next(
    session: Session, steps: NextSteps, result: Review, target: str | None
) -> list[tuple[str, list[str]]]:
    """After a plan: rehearse it. After a proposal: its owners sign, then it executes."""
    from safeops.core.policy.roles import proposers_of

    subject = result.subject
    if subject.source == "plan" and target is not None and subject.plan is not None:
        # Signed by the one who will propose it: only a signed rehearsal record counts.
        proposers = proposers_of(session.policy, subject.plan.action, subject.safe.name)
        commands = [steps.command("rehearse", target, "--signer", name) for name in proposers]
        return [("next, a proposer rehearses it on a fork, one of:", commands)]
    if subject.source in ("store", "proposal") and subject.plan is not None:
        plan = subject.plan
        stored = session.store(subject.safe).get(plan.safe_tx_hash)
        if stored is None:
            return []
        threshold = subject.safe.expect.threshold
        signed = set(stored.signatures)
        return signing_steps(
            steps,
            session.policy,
            subject.safe.name,
            plan.action,
            plan.safe_tx_hash.hex0x,
            len(signed),
            threshold,
            signed,
        )
    return []
