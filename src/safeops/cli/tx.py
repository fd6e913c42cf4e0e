"""`safeops tx`: offline work on single Safe transactions."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, TypeVar

import typer

from safeops.cli.console import Output
from safeops.errors import BadInput, HashMismatch

if TYPE_CHECKING:
    from rich.console import Console

    from safeops.core.inspection import Inspection

T = TypeVar("T")

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
    if not text.startswith("0x") or len(text) % 2:
        raise BadInput("--data must be 0x-prefixed hex with an even number of digits")
    try:
        return bytes.fromhex(text[2:])
    except ValueError as error:
        raise BadInput("--data is not valid hex") from error


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
    from safeops.core.inspection import inspect_transaction
    from safeops.core.safe_tx import SafeTx

    output: Output = ctx.ensure_object(Output)
    claimed: str | None = None
    self_attested: list[str] = []
    if file is not None:
        given = [name for name in _TX_FIELDS if _given(ctx, name)]
        if given:
            flags = ", ".join("--" + name.replace("_", "-") for name in given)
            raise BadInput(f"{flags} cannot be combined with --file", hint="The file holds them.")
        service = _read_service_file(file)
        tx, claimed = service.tx, service.claimed_safe_tx_hash
        # A value only the file gives is the file's own claim: a tampered file can make its
        # hash "match" with it, so the report says which values were not given independently.
        self_attested = [
            flag
            for flag, given, in_file in (
                ("--chain-id", chain_id, service.chain_id),
                ("--safe-version", safe_version, service.safe_version),
            )
            if given is None and in_file is not None
        ]
        chain_id = _agree("chain id", chain_id, service.chain_id)
        version = _agree("Safe version", _version(safe_version), service.safe_version)
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
        version = _version(safe_version)
    if chain_id is None:
        raise BadInput("missing --chain-id", hint="The domain hash depends on the chain.")
    if version is None:
        raise BadInput("missing --safe-version", hint="Read it from the Safe's VERSION().")
    inspection = inspect_transaction(tx, chain_id, version)
    computed = "0x" + inspection.hashes.safe_tx_hash.hex()
    document = inspection.to_json()
    if claimed is not None:
        document["claimed_safe_tx_hash"] = claimed
        document["hash_matches"] = claimed == computed
    if file is not None:
        document["taken_from_file"] = [flag.removeprefix("--") for flag in self_attested]
    output.result(document, lambda console: _render(console, inspection, claimed, self_attested))
    if claimed is not None and claimed != computed:
        raise HashMismatch(f"the file's safeTxHash {claimed} differs from the computed {computed}")


def _given(ctx: typer.Context, name: str) -> bool:
    """True when the operator typed this option (not its default)."""
    source = ctx.get_parameter_source(name)
    return source is not None and source.name != "DEFAULT"


def _version(text: str | None) -> SafeVersion | None:
    from safeops.core.safe_tx import SafeVersion

    return SafeVersion.parse(text) if text is not None else None


def _agree(what: str, flag: T | None, from_file: T | None) -> T | None:
    if flag is not None and from_file is not None and flag != from_file:
        raise BadInput(f"the {what} given ({flag}) differs from the file's ({from_file})")
    return flag if flag is not None else from_file


def _read_service_file(path: Path) -> ServiceTx:
    from safeops.core.json_text import parse_json
    from safeops.core.service_tx import parse_service_tx

    try:
        raw = path.read_bytes()
    except OSError as error:
        raise BadInput(f"cannot read {path}: {error.strerror}") from error
    return parse_service_tx(parse_json(raw, str(path)))


def _render(
    console: Console, inspection: Inspection, claimed: str | None, self_attested: list[str]
) -> None:
    from safeops.cli.render import render_inspection

    render_inspection(console, inspection, claimed)
    if self_attested:
        console.print(
            f"[yellow]note:[/yellow] {' and '.join(self_attested)} came from the file itself; "
            "pass them to check the hash independently of the file's claims"
        )


if TYPE_CHECKING:
    from safeops.core.safe_tx import SafeVersion
    from safeops.core.service_tx import ServiceTx
