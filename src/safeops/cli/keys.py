"""`safeops keys`: prove every signer's key source, and import keys into Vault or the keyring."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Annotated, Any

import typer

from safeops.cli.console import Output
from safeops.cli.options import load_policy_for
from safeops.errors import BadInput, ExitCode, SafeOpsError

if TYPE_CHECKING:
    from rich.console import Console

    from safeops.core.policy import Policy, SignerEntry
    from safeops.keys.resolve import SignerCheck

app = typer.Typer(help="Signer keys: check their sources, import them.", no_args_is_help=True)

SignerOption = Annotated[str | None, typer.Option("--signer", help="A signer of the policy.")]


def _signers(policy: Policy, name: str | None) -> list[SignerEntry]:
    if name is None:
        return list(policy.signers.values())
    if name not in policy.signers:
        known = ", ".join(policy.signers)
        raise BadInput(f"unknown signer {name!r}", hint=f"The policy's signers: {known}.")
    return [policy.signers[name]]


@app.command("check")
def check_command(ctx: typer.Context, signer: SignerOption = None) -> None:
    """Fetch each key from its source, check it derives to the policy's address, drop it."""
    from safeops.cli.prompts import hidden_prompt
    from safeops.keys.resolve import check_signer

    output: Output = ctx.ensure_object(Output)
    policy = load_policy_for(output)
    checks = [
        check_signer(
            entry.name, entry.key, entry.address, environ=os.environ, password_prompt=hidden_prompt
        )
        for entry in _signers(policy, signer)
    ]
    document: dict[str, Any] = {
        "ok": all(c.ok for c in checks),
        "signers": [
            {"name": c.name, "address": c.address, "source": c.source, "ok": c.ok, "error": c.error}
            for c in checks
        ],
    }
    output.result(document, lambda console: _render(console, checks))
    failed = [c for c in checks if not c.ok]
    if failed:
        # The most severe failure decides the exit code: an unreachable Vault (3) must not
        # hide behind a mistyped entry (2).
        worst = max(failed, key=lambda c: int(c.exit_code or ExitCode.REFUSED))
        raise SafeOpsError(
            f"{len(failed)} of {len(checks)} key source(s) failed; {worst.name}: {worst.error}",
            hint=worst.hint,
            exit_code=worst.exit_code or ExitCode.REFUSED,
        )


def _render(console: Console, checks: list[SignerCheck]) -> None:
    from rich.markup import escape
    from rich.table import Table

    table = Table(title="Signer keys", title_justify="left")
    for column in ("signer", "address", "source", "ok"):
        table.add_column(column, overflow="fold")
    for c in checks:
        verdict = "[green]ok[/green]" if c.ok else f"[red]{escape(c.error or 'failed')}[/red]"
        table.add_row(c.name, c.address, escape(c.source), verdict)
    console.print(table)


@app.command("import")
def import_command(
    ctx: typer.Context,
    signer: Annotated[str, typer.Option("--signer", help="A signer of the policy.")],
    to: Annotated[str, typer.Option("--to", help="keyring or vault: where the policy reads it.")],
    overwrite: Annotated[
        bool, typer.Option("--overwrite", help="Replace a key already stored there.")
    ] = False,
) -> None:
    """Store a signer's private key where the policy reads it; the key comes from standard
    input or a hidden prompt, never from the command line."""
    from safeops.cli.prompts import read_secret
    from safeops.core.keyspec import KeyringKey, VaultKey
    from safeops.keys.import_key import import_key

    output: Output = ctx.ensure_object(Output)
    output.audit("keys import", signer=signer, to=to)
    if to not in ("keyring", "vault"):
        raise BadInput(
            f"--to must be keyring or vault, not {to!r}",
            hint="--to keyring (the OS keyring) or --to vault (VAULT_ADDR's KV v2).",
        )
    policy = load_policy_for(output)
    (entry,) = _signers(policy, signer)
    kind = VaultKey if to == "vault" else KeyringKey
    if entry.key is None or not isinstance(entry.key, kind):
        # Storing it elsewhere would leave the policy reading a key that is not there.
        raise BadInput(
            f"the policy reads {signer}'s key from "
            f"{entry.key.describe() if entry.key else 'nowhere (it signs elsewhere)'}, "
            f"not from {to}",
            hint="Import it where the policy reads it, or change the policy first.",
        )
    address = import_key(
        signer,
        entry.key,
        read_secret(f"private key of {signer}"),
        entry.address,
        environ=os.environ,
        overwrite=overwrite,
    )
    source = entry.key.describe()
    document = {"signer": signer, "address": address, "source": source, "ok": True}
    output.result(
        document,
        lambda console: console.print(
            f"[green]stored[/green] {signer}'s key in {source} ({address})"
        ),
    )
