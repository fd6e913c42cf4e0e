"""`safeops reject SAFE_TX_HASH|--nonce N --signer S`: cancel a queued transaction by
proposing the Safe's standard rejection at its nonce."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from safeops.cli.console import Output
from safeops.cli.next_steps import NextSteps, as_json, print_steps, signed_by, signing_steps
from safeops.cli.options import SafeOption, open_run_signer
from safeops.cli.session import open_session
from safeops.errors import BadInput, Refused

if TYPE_CHECKING:
    from rich.console import Console

    from safeops.workflows.reject import Rejection


def reject(
    ctx: typer.Context,
    safe_tx_hash: Annotated[
        str | None, typer.Argument(help="The queued proposal to cancel (its safeTxHash).")
    ] = None,
    nonce: Annotated[
        int | None, typer.Option("--nonce", min=0, help="Reject whatever is queued at nonce N.")
    ] = None,
    safe: SafeOption = None,
    signer: Annotated[str, typer.Option("--signer", help="A proposer of the policy.")] = "",
) -> None:
    """Plan, review, rehearse and propose the Safe's rejection of a queued transaction (a
    call to the Safe itself that does nothing, at that nonce): once executed, the queued
    transaction can never execute. Executed at once when you alone meet the threshold."""
    from safeops.core.transactions.safe_tx import SafeTxHash
    from safeops.workflows.reject import reject as run

    output: Output = ctx.ensure_object(Output)
    if not signer:
        raise BadInput("--signer is required: the proposer of the rejection")
    output.audit("reject", safe_tx_hash=safe_tx_hash, nonce=nonce, signer=signer)
    wanted = SafeTxHash.parse(safe_tx_hash) if safe_tx_hash else None
    session = open_session(output)
    with open_run_signer(session.policy, signer, ("proposer",)) as key:
        result = run(session, key, safe_tx_hash=wanted, nonce=nonce, safe_name=safe)
    plan = result.written.plan
    output.audit_details.update(rejection=plan.safe_tx_hash.hex0x)
    # Who signs and executes the rejection next, by name, as commands to paste.
    sections = (
        []
        if result.executed is not None
        else signing_steps(
            NextSteps.of(output),
            session.policy,
            result.safe.name,
            plan.action,
            plan.safe_tx_hash.hex0x,
            result.proposed.confirmations,
            result.proposed.threshold,
            signed_by(session.store(result.safe), plan.safe_tx_hash),
        )
    )
    document = result.to_json() | {"next": as_json(sections)}
    output.result(document, lambda console: _render(console, result, sections))
    if result.executed is not None and not result.executed.proven:
        raise Refused(
            f"the rejection was mined in {result.executed.tx_hash} but its nonce proof failed",
            hint=f"Inspect {result.executed.tx_hash}.",
        )


def _render(console: Console, result: Rejection, sections: list[tuple[str, list[str]]]) -> None:
    plan, proposed = result.written.plan, result.proposed
    rejected = ", ".join(h.hex0x for h in result.rejected) or "nothing pending yet"
    console.print(
        f"rejection {plan.safe_tx_hash} of Safe {result.safe.name} (chain "
        f"{result.safe.chain_id}) at nonce {plan.tx.nonce}; cancels: {rejected}"
    )
    if result.executed is not None:
        mark = (
            "[green]executed[/green]" if result.executed.proven else "[bold red]FAILED[/bold red]"
        )
        console.print(f"{mark} in {result.executed.tx_hash}: nonce {plan.tx.nonce} is used up")
        return
    console.print(
        f"[yellow]proposed[/yellow]: {proposed.confirmations}/{proposed.threshold} signatures"
    )
    print_steps(console, sections)
