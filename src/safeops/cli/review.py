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

TxBuilderFile = Annotated[
    Path | None, typer.Option("--tx-builder", help="Review a Transaction Builder batch file.")
]
SafeName = Annotated[
    str | None,
    typer.Option(
        "--safe",
        help="The policy Safe of a batch that names none, or of a hash several Safes' stores hold.",
    ),
]
BatchNonce = Annotated[
    int | None,
    typer.Option("--nonce", min=0, help="Nonce for a batch file; default: on-chain."),
]


def review(
    ctx: typer.Context,
    targets: Annotated[
        list[str] | None,
        typer.Argument(
            metavar="TARGET",
            help="Plan files, proposal files, Safe Transaction Service JSONs, or safeTxHashes "
            "of plans or of proposals in the store; several are reviewed in nonce order.",
            show_default=False,
        ),
    ] = None,
    tx_builder: TxBuilderFile = None,
    safe: SafeName = None,
    nonce: BatchNonce = None,
) -> None:
    """Recompute the hashes, decode every call, evaluate the policy, compare the live Safe with
    it and simulate the exact transaction (again with the Safe's guard). Exit 1 on any issue."""
    from safeops.workflows.review import review_all
    from safeops.workflows.subjects import load_subject

    output: Output = ctx.ensure_object(Output)
    if bool(targets) == (tx_builder is not None):
        raise BadInput(
            "review takes plans, JSONs or safeTxHashes, or one --tx-builder FILE"
            + (": not both" if targets else ""),
            hint="See `safeops review --help`.",
        )
    names = [str(tx_builder)] if tx_builder is not None else list(targets or [])
    output.audit("review", target=names[0], **({"targets": names} if len(names) > 1 else {}))
    session = open_session(output)
    if tx_builder is None:
        names = [_plan_by_hash(session, name) for name in names]
    subjects = [
        load_subject(session, name, tx_builder=tx_builder is not None, safe_name=safe, nonce=nonce)
        for name in names
    ]
    for subject in subjects:
        output.progress(f"reviewing {subject.source} for Safe {subject.safe.name} …")
    output.audit_details.update(safe=subjects[0].safe.name, source=subjects[0].source)
    results = review_all(session, subjects)
    passed = all(result.ok for result in results)
    sections = _next(session, NextSteps.of(output), results, names) if passed else []
    documents = [result.to_json() for result in results]
    # The first review's keys, as for one; `ok` only when all pass; `plans[]`: each review.
    document = {**documents[0], "ok": passed, "plans": documents, "next": as_json(sections)}
    output.audit_details.update(safe_tx_hash=documents[0]["safe_tx_hash"], passed=passed)

    def render(console: Console) -> None:
        for result, shown in zip(results, documents, strict=True):
            _render(console, result, shown, session.policy)
        print_steps(console, sections)

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
    _render_simulations(console, document)
    if result.ok:
        console.print("[bold green]review passed[/bold green]")
    else:
        console.print(f"[bold red]{escape(result.verdict())}[/bold red]")


def _render_simulations(console: Console, document: dict[str, Any]) -> None:
    """Each simulation's verdict, gas, decoded revert reason, failing calls and events."""
    from rich.markup import escape

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


def _plan_by_hash(session: Session, target: str) -> str:
    """A safeTxHash names a plan in the safeops home when there is one; a proposal in the
    stores otherwise. A `0x…` that is neither a file nor a hash is a mistyped hash."""
    from safeops.core.transactions.safe_tx import SafeTxHash

    if not target.startswith("0x") or Path(target).exists():
        return target
    found = session.plan_file(SafeTxHash.parse(target))
    return str(found) if found.is_file() else target


def _next(
    session: Session, steps: NextSteps, results: list[Review], names: list[str]
) -> list[tuple[str, list[str]]]:
    """After plans: a proposer rehearses them, all in one command. After a proposal: its
    owners sign, then it executes."""
    from safeops.core.policy.roles import proposers_of

    plans = [r.subject.plan for r in results if r.subject.source == "plan" and r.subject.plan]
    if len(plans) == len(results):
        # Signed by the one who will propose them: only a signed rehearsal record counts.
        proposers = [
            name
            for name in proposers_of(session.policy, plans[0].action, results[0].subject.safe.name)
            if all(
                name in proposers_of(session.policy, p.action, r.subject.safe.name)
                for p, r in zip(plans, results, strict=True)
            )
        ]
        commands = [steps.command("rehearse", *names, "--signer", name) for name in proposers]
        return [("next, a proposer rehearses it on a fork, one of:", commands)]
    return [section for result in results for section in _signing(session, steps, result)]


def _signing(session: Session, steps: NextSteps, result: Review) -> list[tuple[str, list[str]]]:
    """Who signs a stored proposal next, then who executes it."""
    subject = result.subject
    if subject.source not in ("store", "proposal") or subject.plan is None:
        return []
    plan = subject.plan
    stored = session.store(subject.safe).get(plan.safe_tx_hash)
    if stored is None:
        return []
    signed = set(stored.signatures)
    return signing_steps(
        steps,
        session.policy,
        subject.safe.name,
        plan.action,
        plan.safe_tx_hash.hex0x,
        len(signed),
        subject.safe.expect.threshold,
        signed,
    )
