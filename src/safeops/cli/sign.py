"""`safeops sign SAFE_TX_HASH`: re-verify a proposal independently, then add a signature."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from safeops.cli.console import Output
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
    from safeops.core.safe_tx import SafeTxHash
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
    output.result(result.to_json(), lambda console: _render(console, result))


def _render(console: Console, result: Signed) -> None:
    from safeops.cli.render import hashes_table

    console.print(hashes_table(result.plan.inspection))
    console.print(
        "[green]review passed[/green]: rebuilt locally, policy, live Safe and simulation all agree"
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
