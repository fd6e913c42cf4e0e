"""`safeops version` and `--version`: what an incident report must say about the tool."""

from __future__ import annotations

import platform
import sys
from importlib import metadata
from typing import TYPE_CHECKING, Any

import typer

from safeops.cli.console import Output

if TYPE_CHECKING:
    from rich.console import Console

# The libraries whose behaviour decides what is signed and sent, in the order people ask.
LIBRARIES = ("web3", "safe-eth-py", "eth-account", "hvac", "keyring", "typer", "rich")
EXAMPLE = "Example: safeops version --json > versions.json"


def installed(distribution: str) -> str | None:
    """The installed version, read from the package metadata: nothing is imported (web3 alone
    takes a second to import, and `--version` must answer at once)."""
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return None


def versions() -> dict[str, Any]:
    return {
        "safeops": installed("safeops"),
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "platform": f"{sys.platform} {platform.machine()}",
        "libraries": {name: installed(name) for name in LIBRARIES},
    }


def print_version(value: bool) -> None:
    """`--version`: one line, then exit, before any other option is looked at."""
    if value:
        sys.stdout.write(f"safeops {installed('safeops') or 'unknown'}\n")
        raise typer.Exit(0)


def version(ctx: typer.Context) -> None:
    """Show safeops', Python's and the key libraries' versions, for an incident report."""
    output: Output = ctx.ensure_object(Output)
    document = versions()
    output.result(document, lambda console: _render(console, document))


def _render(console: Console, document: dict[str, Any]) -> None:
    console.print(f"safeops {document['safeops'] or 'unknown'}")
    console.print(
        f"python {document['python']} ({document['implementation']}, {document['platform']})"
    )
    for name, found in document["libraries"].items():
        console.print(f"{name} {found or 'not installed'}")
