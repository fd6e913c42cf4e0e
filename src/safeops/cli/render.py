"""Rich renderings shared by commands: transaction fields, hashes, decoded calls, warnings."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from rich.markup import escape
from rich.table import Table
from rich.tree import Tree

from safeops.core.hexes import hex0x

if TYPE_CHECKING:
    from rich.console import Console

    from safeops.core.decoding.decode import DecodedCall
    from safeops.core.decoding.inspection import Inspection
    from safeops.core.policy import Policy


OPERATIONS = {0: "CALL", 1: "DELEGATECALL"}


def _short(data: bytes, limit: int = 66) -> str:
    text = hex0x(data)
    return text if len(text) <= limit else f"{text[:limit]}… ({len(data)} bytes)"


@dataclass(frozen=True)
class Names:
    """What the policy calls addresses and selectors, so reviewers read names, not hex."""

    addresses: Mapping[str, str] = field(default_factory=dict)
    functions: Mapping[str, str] = field(default_factory=dict)  # "0x8456cb59" -> "pause()"


NO_NAMES = Names()


def policy_names(policy: Policy, chain_id: int | None = None) -> Names:
    """Labels (of `chain_id`'s entries, when given) and function signatures from the
    policy's entries and templates."""
    from safeops.core.policy import CallTemplate

    templates: list[CallTemplate] = []
    for target in policy.targets.values():
        templates += [a.call for a in (target.pause, target.unpause) if a is not None]
    templates += [entry.revoke for entry in policy.allowlists.values()]
    templates += [entry.withdraw for entry in policy.vaults.values()]
    functions = {hex0x(t.signature.selector): t.signature.canonical for t in templates}
    return Names(policy.labels(chain_id), functions)


def _call_label(call: DecodedCall, names: Names) -> str:
    operation = OPERATIONS.get(call.operation, str(call.operation))
    style = "bold red" if call.operation == 1 else "cyan"
    head = f"[{style}]{operation}[/{style}] {call.to}"
    if call.to in names.addresses:
        head += f" [dim]({escape(names.addresses[call.to])})[/dim]"
    if call.value:
        head += f" value={call.value}"
    if call.signature:
        # A batch's packed payload is shown as its decoded items below, not as hex.
        shown = () if call.inner else call.args
        args = ", ".join(f"{a.name}={escape(str(a.value))}" for a in shown)
        head += f"  [bold]{escape(call.signature.split('(')[0])}[/bold]({args})"
    elif call.selector is not None and call.selector in names.functions:
        head += f"  [bold]{escape(names.functions[call.selector])}[/bold] [dim](policy)[/dim]"
    elif call.data:
        head += f"  [dim]unknown function {call.selector}, {len(call.data)} bytes[/dim]"
    else:
        head += "  [dim](no calldata)[/dim]"
    if call.error:
        head += f"  [red]{escape(call.error)}[/red]"
    return head


def decoded_tree(call: DecodedCall, names: Names = NO_NAMES) -> Tree:
    tree = Tree(_call_label(call, names))
    for index, inner in enumerate(call.inner):
        branch = decoded_tree(inner, names)
        branch.label = f"[dim]#{index}[/dim] {branch.label}"
        tree.add(branch)
    return tree


def hashes_table(inspection: Inspection, claimed: str | None = None) -> Table:
    """The three hashes, in full: what a hardware wallet shows is compared with these."""
    hashes = Table(
        title="Hashes (compare with your hardware wallet)", show_header=False, title_justify="left"
    )
    hashes.add_column(style="bold", no_wrap=True)
    hashes.add_column(overflow="fold")
    shown = inspection.hashes.to_json()
    hashes.add_row("domain hash", shown["domain_hash"])
    hashes.add_row("message hash", shown["message_hash"])
    hashes.add_row("safeTxHash", shown["safe_tx_hash"])
    if claimed is not None:
        same = claimed.lower() == shown["safe_tx_hash"]
        verdict = "[green]matches[/green]" if same else "[bold red]DIFFERS[/bold red]"
        hashes.add_row("file's safeTxHash", f"{claimed}  {verdict}")
    return hashes


def render_inspection(
    console: Console, inspection: Inspection, claimed: str | None, names: Names = NO_NAMES
) -> None:
    tx = inspection.tx
    fields = Table(title="Safe transaction", show_header=False, title_justify="left")
    fields.add_column(style="bold", no_wrap=True)
    fields.add_column(overflow="fold")
    rows = [
        ("safe", tx.safe),
        ("chain id", str(inspection.chain_id)),
        ("safe version", str(inspection.version)),
        ("to", tx.to),
        ("value", str(tx.value)),
        ("data", _short(tx.data)),
        ("operation", f"{tx.operation} ({OPERATIONS[tx.operation]})"),
        ("safeTxGas", str(tx.safe_tx_gas)),
        ("baseGas", str(tx.base_gas)),
        ("gasPrice", str(tx.gas_price)),
        ("gasToken", tx.gas_token),
        ("refundReceiver", tx.refund_receiver),
        ("nonce", str(tx.nonce)),
    ]
    for name, value in rows:
        fields.add_row(name, value)
    console.print(fields)

    console.print(hashes_table(inspection, claimed))

    console.print("[bold]Decoded call[/bold]")
    console.print(decoded_tree(inspection.decoded, names))
    if not inspection.findings:
        console.print("[green]No warnings.[/green]")
        return
    console.print(f"[bold red]{len(inspection.findings)} warning(s)[/bold red]")
    for finding in inspection.findings:
        console.print(
            f"  [bold red]{finding.code}[/bold red] {escape(finding.message)} "
            f"[dim]({finding.path})[/dim]"
        )
