"""`safeops sign SAFE_TX_HASH`: re-verify a proposal independently, then add a signature."""

from __future__ import annotations

import shlex
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from safeops.cli.console import Output
from safeops.cli.next_steps import NextSteps, as_json, print_steps, signed_by, signing_steps
from safeops.cli.options import SafeOption, SafeTxHashArgument, open_policy_signer
from safeops.cli.session import open_session

if TYPE_CHECKING:
    from rich.console import Console

    from safeops.workflows.sign import Signed


def sign(
    ctx: typer.Context,
    safe_tx_hash: SafeTxHashArgument,
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
    safe: SafeOption = None,
) -> None:
    """Re-verify the proposal independently (rebuild, hashes, review, simulation), show the
    hashes a hardware wallet displays, then sign it or import/export a signature."""
    from safeops.core.transactions.safe_tx import SafeTxHash
    from safeops.workflows.sign import sign as run

    output: Output = ctx.ensure_object(Output)
    output.audit("sign", safe_tx_hash=safe_tx_hash, signer=signer)
    wanted = SafeTxHash.parse(safe_tx_hash)
    session = open_session(output)
    key = open_policy_signer(session.policy, signer, "signer", output) if signer else None
    chosen = session.safe(safe) if safe else None
    result = run(
        session,
        wanted,
        key,
        export_typed_data=export_typed_data,
        signature=signature,
        safe=chosen,
    )
    steps, plan = NextSteps.of(output), result.plan
    if result.exported:
        # The signature is made elsewhere: the pasted line reads it from a shell variable.
        command = steps.command("sign", plan.safe_tx_hash.hex0x) + ' --signature "$SIGNATURE"'
        intro = (
            f"next, an owner signs {result.exported} with their wallet (for example "
            f"`cast wallet sign --data --from-file {shlex.quote(result.exported)}`), sets "
            "SIGNATURE=0x… to what it prints, and runs:"
        )
        sections = [(intro, [command])]
    else:
        sections = signing_steps(
            steps,
            session.policy,
            plan.safe_name,
            plan.action,
            plan.safe_tx_hash.hex0x,
            result.confirmations,
            result.threshold,
            signed_by(session.store(session.safe(plan.safe_name)), plan.safe_tx_hash),
        )
    document = result.to_json() | {"next": as_json(sections)}
    names = session.policy.labels(plan.chain_id)
    output.result(document, lambda console: _render(console, result, sections, names))


def _render(
    console: Console,
    result: Signed,
    sections: list[tuple[str, list[str]]],
    names: dict[str, str],
) -> None:
    from safeops.cli.render import hashes_table

    console.print(hashes_table(result.plan.inspection))
    console.print(
        "[green]review passed[/green]: rebuilt locally, policy, live Safe and simulation all agree"
    )
    if result.exported:
        console.print(f"typed data written to {result.exported}")
    else:
        who = names.get(result.signer or "", "")
        console.print(
            f"[green]signed[/green] by {result.signer}{f' ({who})' if who else ''}: "
            f"{result.confirmations}/{result.threshold} confirmations"
        )
    print_steps(console, sections)
