"""`safeops propose`, `sign`, `execute` and `queue`: from a rehearsed plan to an executed one."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from safeops.cli.console import Output
from safeops.cli.options import load_policy_for, open_policy_signer
from safeops.errors import Refused

if TYPE_CHECKING:
    from rich.console import Console

SignerOption = Annotated[str, typer.Option("--signer", help="A signer of the policy.")]


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
    from safeops.chain.rpc import RpcPools
    from safeops.workflows.propose import propose as run

    output: Output = ctx.ensure_object(Output)
    output.audit("propose", plan=str(plan), signer=signer)
    policy = load_policy_for(output)
    key = open_policy_signer(policy, signer, "proposer")
    result = run(policy, plan, key, RpcPools(output.warn), replace=replace)
    output.audit_details.update(safe_tx_hash=result.safe_tx_hash)
    document = {
        "safe_tx_hash": result.safe_tx_hash,
        "safe": result.safe,
        "nonce": result.nonce,
        "confirmations": result.confirmations,
        "threshold": result.threshold,
        "already_proposed": result.already_proposed,
        "replaces": list(result.replaced),
    }

    def render(console: Console) -> None:
        verb = "was already proposed" if result.already_proposed else "proposed"
        console.print(
            f"[green]{result.safe_tx_hash}[/green] {verb} to Safe {result.safe} "
            f"(nonce {result.nonce}): {result.confirmations}/{result.threshold} "
            "confirmations"
        )
        if result.confirmations < result.threshold:
            console.print(
                f"next: owners run [bold]safeops sign {result.safe_tx_hash} --signer NAME[/bold]"
            )
        else:
            console.print(
                f"next: [bold]safeops execute {result.safe_tx_hash} --signer EXECUTOR[/bold]"
            )

    output.result(document, render)


def sign(
    ctx: typer.Context,
    safe_tx_hash: Annotated[str, typer.Argument(help="The proposal's safeTxHash.")],
    signer: Annotated[str | None, typer.Option("--signer", help="An owner of the policy.")] = None,
    export_typed_data: Annotated[
        Path | None,
        typer.Option(
            "--export-typed-data", help="Write the EIP-712 typed data for an external signer."
        ),
    ] = None,
    signature: Annotated[
        str | None, typer.Option("--signature", help="Import a signature made elsewhere (0x-hex).")
    ] = None,
) -> None:
    """Re-verify the proposal independently (rebuild, hashes, review, simulation), show the
    hashes a hardware wallet displays, then sign it or import/export a signature."""
    from safeops.chain.rpc import RpcPools
    from safeops.workflows.sign import sign as run

    output: Output = ctx.ensure_object(Output)
    output.audit("sign", safe_tx_hash=safe_tx_hash, signer=signer)
    policy = load_policy_for(output)
    key = open_policy_signer(policy, signer, "signer") if signer else None
    result = run(
        policy,
        safe_tx_hash,
        key,
        RpcPools(output.warn),
        export_typed_data=export_typed_data,
        signature=signature,
    )
    hashes = result.plan.inspection.hashes
    document: dict[str, Any] = {
        "safe_tx_hash": result.safe_tx_hash,
        "confirmations": result.confirmations,
        "threshold": result.threshold,
        "signed_by": result.signer,
        "domain_hash": "0x" + hashes.domain_hash.hex(),
        "message_hash": "0x" + hashes.message_hash.hex(),
        "typed_data": result.exported,
    }

    def render(console: Console) -> None:
        from safeops.cli.render import hashes_table

        console.print(hashes_table(result.plan.inspection))
        console.print(
            "[green]review passed[/green]: rebuilt locally, policy, live Safe and "
            "simulation all agree"
        )
        if result.exported:
            console.print(
                f"typed data written to {result.exported}; sign it, then run "
                f"`safeops sign {result.safe_tx_hash} --signature 0x…`"
            )
        else:
            console.print(
                f"[green]signed[/green] by {result.signer}: "
                f"{result.confirmations}/{result.threshold} confirmations"
            )

    output.result(document, render)


def execute(
    ctx: typer.Context,
    safe_tx_hash: Annotated[str, typer.Argument(help="The proposal's safeTxHash.")],
    signer: SignerOption,
) -> None:
    """Execute a proposal that has its threshold of verified owner signatures, then prove
    its postconditions on chain. Exit 1 if anything fails."""
    from safeops.chain.rpc import RpcPools
    from safeops.workflows.execute import execute as run

    output: Output = ctx.ensure_object(Output)
    output.audit("execute", safe_tx_hash=safe_tx_hash, signer=signer)
    policy = load_policy_for(output)
    executor = open_policy_signer(policy, signer, "executor")
    rpcs = RpcPools(output.warn)
    result = run(policy, safe_tx_hash, executor, signer, rpcs, progress=output.progress)
    output.audit_details.update(tx_hash=result.tx_hash, success=result.success)
    document = {
        "safe_tx_hash": result.safe_tx_hash,
        "tx_hash": result.tx_hash,
        "block": result.block,
        "success": result.success,
        "postconditions": [c.to_json() for c in result.postconditions],
        "skipped_confirmations": [s.to_json() for s in result.skipped],
    }

    def render(console: Console) -> None:
        from rich.markup import escape

        verdict = "[green]executed[/green]" if result.success else "[bold red]FAILED[/bold red]"
        console.print(f"{verdict} {result.safe_tx_hash} in {result.tx_hash} (block {result.block})")
        for skipped in result.skipped:
            console.print(
                f"  [yellow]not counted[/yellow] {skipped.owner}: {escape(skipped.reason)}"
            )
        for check in result.postconditions:
            mark = "[green]ok[/green]" if check.ok else "[bold red]FAILED[/bold red]"
            console.print(
                f"  {mark} {escape(check.check)}: expected {escape(str(check.expected))}"
                f", actual {escape(str(check.actual))}"
            )

    output.result(document, render)
    if not result.proven:
        raise Refused(
            "the transaction was mined but did not do what was planned"
            if result.success
            else "the Safe reports ExecutionFailure",
            hint=f"Inspect {result.tx_hash}; do not retry blindly.",
        )


def queue(ctx: typer.Context) -> None:
    """Pending proposals per Safe: nonce, action, confirmations, conflicts, rehearsal."""
    from safeops.chain.rpc import RpcPools
    from safeops.workflows.queue import pending

    output: Output = ctx.ensure_object(Output)
    rows = pending(load_policy_for(output), RpcPools(output.warn))
    document = {
        "pending": [
            {
                "safe": r.safe,
                "safe_tx_hash": r.safe_tx_hash,
                "nonce": r.nonce,
                "action": r.action,
                "confirmations": r.confirmations,
                "threshold": r.threshold,
                "conflict": r.conflict,
                "rehearsal": r.rehearsal,
                "skipped": [s.to_json() for s in r.skipped],
            }
            for r in rows
        ]
    }

    def render(console: Console) -> None:
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
                r.safe_tx_hash,
                f"{r.confirmations}/{r.threshold}",
                escape(r.rehearsal),
            )
        console.print(table)

    output.result(document, render)
