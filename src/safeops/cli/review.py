"""`safeops review`: the report a security reviewer reads top to bottom before signing."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from safeops.cli.console import Output
from safeops.cli.options import load_policy_for
from safeops.errors import BadInput, Refused

if TYPE_CHECKING:
    from rich.console import Console

    from safeops.core.policy import Policy
    from safeops.simulate import Simulation
    from safeops.workflows.review import Review


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
        str | None, typer.Option("--safe", help="The policy Safe of a batch that names none.")
    ] = None,
    nonce: Annotated[
        int | None,
        typer.Option("--nonce", min=0, help="Nonce for a batch file; default: on-chain."),
    ] = None,
) -> None:
    """Recompute the hashes, decode every call, evaluate the policy, compare the live Safe with
    it and simulate the exact transaction (again with the Safe's guard). Exit 1 on any issue."""
    from safeops.chain.rpc import RpcPools
    from safeops.workflows.review import load_subject
    from safeops.workflows.review import review as run_review

    output: Output = ctx.ensure_object(Output)
    if (target is None) == (tx_builder is None):
        raise BadInput("review takes one thing: a plan/JSON/safeTxHash, or --tx-builder FILE")
    policy = load_policy_for(output)
    rpcs = RpcPools(output.warn)
    subject = load_subject(
        policy,
        str(tx_builder or target),
        rpcs,
        tx_builder=tx_builder is not None,
        safe_name=safe,
        nonce=nonce,
    )
    output.progress(f"reviewing {subject.source} for Safe {subject.safe.name} …")
    output.audit("review", safe=subject.safe.name, source=subject.source)
    result = run_review(policy, subject, rpcs)
    document = _document(result)
    output.audit_details.update(safe_tx_hash=document["safe_tx_hash"], passed=result.ok)
    output.result(document, lambda console: _render(console, result, document, policy))
    if not result.ok:
        raise Refused(_verdict(result), hint="Do not sign: see the report above.")


def _simulation_json(simulation: Simulation | None) -> dict[str, Any] | None:
    from safeops.core.events import decode_events

    if simulation is None:
        return None
    return {
        "success": simulation.success,
        "gas_used": simulation.gas_used,
        "revert_reason": simulation.revert_reason,
        "block": simulation.block,
        "with_guard": simulation.with_guard,
        "failures": [
            {"index": f.index, "to": f.to, "reason": f.reason} for f in simulation.failures
        ],
        "events": [e.describe() for e in decode_events(simulation.logs)],
    }


def _document(result: Review) -> dict[str, Any]:
    from safeops.core.decode import call_to_json

    inspection = result.inspection
    decoded = inspection.decoded
    leaves = decoded.inner or (decoded,)
    return {
        "source": result.subject.source,
        "safe": result.subject.safe.name,
        "safe_address": result.subject.tx.safe,
        "chain_id": inspection.chain_id,
        "safe_version": str(inspection.version),
        "nonce": result.subject.tx.nonce,
        "onchain_nonce": result.onchain_nonce,
        "safe_tx_hash": "0x" + inspection.hashes.safe_tx_hash.hex(),
        "domain_hash": "0x" + inspection.hashes.domain_hash.hex(),
        "message_hash": "0x" + inspection.hashes.message_hash.hex(),
        "calls": [call_to_json(call) for call in leaves],
        "decoded": call_to_json(decoded),
        "warnings": [
            {"code": f.code, "message": f.message, "path": f.path} for f in inspection.findings
        ],
        "violations": [v.to_json() for v in result.violations],
        "drift": [
            {"check": d.check, "expected": d.expected, "actual": d.actual, "message": d.message}
            for d in result.live.drift
        ],
        "live": result.live.to_json()["live"],
        "simulation": _simulation_json(result.simulation),
        "guard_simulation": _simulation_json(result.guard_simulation),
        "ok": result.ok,
    }


def _verdict(result: Review) -> str:
    problems = []
    if result.nonce_spent:
        problems.append(
            f"nonce {result.subject.tx.nonce} is already spent (the Safe is at "
            f"{result.onchain_nonce})"
        )
    if result.violations:
        problems.append(f"{len(result.violations)} policy violation(s)")
    if result.live.drift:
        problems.append(f"{len(result.live.drift)} drift(s) from the policy")
    for name, sim in (
        ("simulation", result.simulation),
        ("guarded simulation", result.guard_simulation),
    ):
        if sim is not None and not sim.success:
            problems.append(f"{name} failed: {sim.revert_reason}")
    if result.simulation is None:
        problems.append("no simulation (the Safe could not be read)")
    return "review failed: " + "; ".join(problems)


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
    render_inspection(console, result.inspection, None, policy_names(policy))
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
        console.print(f"[bold red]{escape(_verdict(result))}[/bold red]")
