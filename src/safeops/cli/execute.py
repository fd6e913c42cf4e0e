"""`safeops execute SAFE_TX_HASH --signer N`: send a fully signed proposal and prove it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from safeops.cli.console import Output
from safeops.cli.options import SafeOption, SafeTxHashArgument, SignerOption, open_policy_signer
from safeops.cli.session import open_session
from safeops.errors import Refused

if TYPE_CHECKING:
    from rich.console import Console

    from safeops.workflows.executed import Executed


Resend = Annotated[
    bool,
    typer.Option(
        "--resend",
        help="Send again after a recorded send was dropped (no RPC knows it); reuses its nonce.",
    ),
]


def execute(
    ctx: typer.Context,
    safe_tx_hash: SafeTxHashArgument,
    signer: SignerOption,
    resend: Resend = False,
    safe: SafeOption = None,
) -> None:
    """Execute a proposal that has its threshold of verified owner signatures, then prove
    its postconditions on chain. Exit 1 if anything fails. Run again after a crash: a send
    recorded earlier is looked up first and never doubled."""
    from safeops.core.transactions.safe_tx import SafeTxHash
    from safeops.workflows.execute import execute as run

    output: Output = ctx.ensure_object(Output)
    output.audit("execute", safe_tx_hash=safe_tx_hash, signer=signer)
    wanted = SafeTxHash.parse(safe_tx_hash)
    session = open_session(output)
    executor = open_policy_signer(session.policy, signer, "executor", output)
    chosen = session.safe(safe) if safe else None
    result = run(session, wanted, executor, signer, chosen, resend=resend)
    output.audit_details.update(
        tx_hash=result.tx_hash, success=result.success, already_done=result.already_done
    )
    for warning in result.warnings:
        output.store_warn(warning)
    output.result(result.to_json(), lambda console: _render(console, result))
    if not result.proven:
        what = "mined but not done" if result.success else "not done"
        raise Refused(
            f"{result.tx_hash} {what}: {'; '.join(result.unproven)}",
            hint=f"Inspect {result.tx_hash}; do not retry blindly.",
        )


def _render(console: Console, result: Executed) -> None:
    from rich.markup import escape

    verdict = "[green]executed[/green]" if result.success else "[bold red]FAILED[/bold red]"
    if result.already_done and result.success:
        verdict = "[green]already done[/green]: executed"
    console.print(f"{verdict} {result.safe_tx_hash} in {result.tx_hash} (block {result.block})")
    for skipped in result.skipped:
        console.print(f"  [yellow]not counted[/yellow] {skipped.owner}: {escape(skipped.reason)}")
    for check in result.postconditions:
        mark = "[green]ok[/green]" if check.ok else "[bold red]FAILED[/bold red]"
        console.print(
            f"  {mark} {escape(check.check)}: expected {escape(str(check.expected))}"
            f", actual {escape(str(check.actual))}"
        )
