"""`safeops tx`: offline work on single Safe transactions."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from safeops.cli.console import Output
from safeops.errors import BadInput

if TYPE_CHECKING:
    from rich.console import Console

    from safeops.workflows.tx_hash import HashReport

_DATA_HINT = "Give the calldata as 0x followed by hex digits, e.g. --data 0x8456cb59."

app = typer.Typer(help="Offline work on single Safe transactions.", no_args_is_help=True)

_TX_FIELDS = (
    "safe",
    "to",
    "value",
    "data",
    "operation",
    "safe_tx_gas",
    "base_gas",
    "gas_price",
    "gas_token",
    "refund_receiver",
    "nonce",
)


def _hex_data(text: str) -> bytes:
    from safeops.core.hexes import calldata_from_hex

    return calldata_from_hex(text, "--data")


@app.command("hash")
def hash_command(
    ctx: typer.Context,
    file: Annotated[
        Path | None, typer.Option("--file", help="Safe Transaction Service JSON.")
    ] = None,
    chain_id: Annotated[int | None, typer.Option(help="Chain id of the Safe.")] = None,
    safe: Annotated[str | None, typer.Option(help="Safe address (EIP-55).")] = None,
    safe_version: Annotated[str | None, typer.Option(help="Safe VERSION(), e.g. 1.4.1.")] = None,
    nonce: Annotated[int | None, typer.Option(help="Safe nonce of the transaction.")] = None,
    to: Annotated[str | None, typer.Option(help="Target address (EIP-55).")] = None,
    value: Annotated[int, typer.Option(help="Wei sent with the call.")] = 0,
    data: Annotated[str, typer.Option(help="Calldata, 0x-hex.")] = "0x",
    operation: Annotated[int, typer.Option(help="0 call, 1 delegatecall.")] = 0,
    safe_tx_gas: Annotated[int, typer.Option()] = 0,
    base_gas: Annotated[int, typer.Option()] = 0,
    gas_price: Annotated[int, typer.Option()] = 0,
    gas_token: Annotated[str | None, typer.Option(help="Refund token (EIP-55).")] = None,
    refund_receiver: Annotated[str | None, typer.Option(help="Refund receiver (EIP-55).")] = None,
) -> None:
    """Compute a Safe transaction's domain, message and safeTxHash offline, decode it, warn."""
    from safeops.core.addresses import ZERO_ADDRESS, parse_address
    from safeops.core.transactions.safe_tx import SafeTx, SafeVersion
    from safeops.workflows.tx_hash import hash_fields, hash_file

    output: Output = ctx.ensure_object(Output)
    version = SafeVersion.parse(safe_version) if safe_version is not None else None
    if file is not None:
        given = [name for name in _TX_FIELDS if _given(ctx, name)]
        if given:
            flags = ", ".join("--" + name.replace("_", "-") for name in given)
            raise BadInput(f"{flags} cannot be combined with --file", hint="The file holds them.")
        report = hash_file(file, chain_id, version)
    else:
        if safe is None or to is None or nonce is None:
            missing = [
                f for f, v in (("--safe", safe), ("--to", to), ("--nonce", nonce)) if v is None
            ]
            raise BadInput(f"missing {', '.join(missing)}", hint="Or pass --file with a JSON.")
        tx = SafeTx(
            safe=parse_address(safe, what="--safe", allow_zero=False),
            to=parse_address(to, what="--to"),
            value=value,
            data=_hex_data(data),
            operation=operation,
            safe_tx_gas=safe_tx_gas,
            base_gas=base_gas,
            gas_price=gas_price,
            gas_token=parse_address(gas_token or ZERO_ADDRESS, what="--gas-token"),
            refund_receiver=parse_address(
                refund_receiver or ZERO_ADDRESS, what="--refund-receiver"
            ),
            nonce=nonce,
        )
        report = hash_fields(tx, chain_id, version)
    output.result(report.to_json(), lambda console: _render(console, report))
    report.require_match()


def _given(ctx: typer.Context, name: str) -> bool:
    """True when the operator typed this option (not its default)."""
    source = ctx.get_parameter_source(name)
    return source is not None and source.name != "DEFAULT"


def _render(console: Console, report: HashReport) -> None:
    from safeops.cli.render import render_inspection

    render_inspection(console, report.inspection, report.claimed)
    if report.taken_from_file:
        console.print(
            f"[yellow]note:[/yellow] {' and '.join(report.taken_from_file)} came from the file "
            "itself; pass them to check the hash independently of the file's claims"
        )
