"""`safeops policy`: check a signer policy before anyone relies on it."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Annotated, Any

import typer

from safeops.cli.console import Output
from safeops.cli.options import PolicyArgument, policy_path, read_policy

if TYPE_CHECKING:
    from rich.console import Console

    from safeops.core.policy import ValidationResult
    from safeops.workflows.policy_check import SafeCheck

app = typer.Typer(
    help="Signer policies: validate them, check them against the chain.", no_args_is_help=True
)


@app.command("validate")
def validate_command(
    ctx: typer.Context,
    file: PolicyArgument = None,
    no_env: Annotated[
        bool,
        typer.Option(
            "--no-env",
            help="Do not require the ${VAR} references of RPC URLs to be set (review away "
            "from the machines that run safeops).",
        ),
    ] = False,
) -> None:
    """Check a policy's schema and meaning; list every problem with its line. Exit 2 if any."""
    from safeops.core.policy import InvalidPolicy, validate_policy
    from safeops.core.policy.errors import plural

    output: Output = ctx.ensure_object(Output)
    path = policy_path(output, file)
    result = validate_policy(read_policy(path), str(path), None if no_env else os.environ)
    document: dict[str, Any] = {
        "valid": result.valid,
        "errors": [problem.to_json() for problem in result.problems],
        "policy": str(path),
        "digest": result.digest if result.valid else None,
    }
    output.result(document, lambda console: _render(console, str(path), result))
    if not result.valid:
        raise InvalidPolicy(
            str(path),
            result.problems,
            message=f"policy {path} has {plural(len(result.problems), 'problem')}",
            hint="Fix them in the order listed: each names its key and line.",
        )


def _render(console: Console, path: str, result: ValidationResult) -> None:
    from rich.markup import escape

    from safeops.core.policy.errors import plural

    for problem in result.problems:
        # One line per problem, never wrapped: `FILE:LINE:` stays greppable and clickable.
        console.print(escape(problem.describe(path)), soft_wrap=True)
    if result.policy is None:
        console.print(f"[red]{plural(len(result.problems), 'problem')}[/red]")
        return
    policy = result.policy
    counts = ", ".join(
        plural(len(entries), label)
        for label, entries in (
            ("Safe", policy.safes),
            ("signer", policy.signers),
            ("target", policy.targets),
            ("allow-list", policy.allowlists),
            ("vault", policy.vaults),
            ("token", policy.tokens),
        )
    )
    console.print(f"[green]policy is valid[/green] ({counts})")
    console.print(f"digest sha256:{policy.digest}")
    if not policy.env_expanded:
        console.print("[yellow]${VAR} references were not expanded (--no-env)[/yellow]")


@app.command("check")
def check_command(ctx: typer.Context, file: PolicyArgument = None) -> None:
    """Compare every Safe's live owners, threshold, version, singleton, modules, guard and
    fallback handler (read from every RPC at one block) with the policy. Exit 1 on drift."""
    from safeops.cli.session import open_session
    from safeops.errors import Refused
    from safeops.workflows.policy_check import check_policy

    output: Output = ctx.ensure_object(Output)
    session = open_session(output, file)
    output.progress(f"reading {len(session.policy.safes)} Safe(s) from their RPCs …")
    checks = check_policy(session)
    drift = [d for check in checks for d in check.drift]
    code = [
        {"safe": c.name, "chain_id": c.chain_id, "block": c.block, **problem.to_json()}
        for c in checks
        for problem in c.code
    ]
    document: dict[str, Any] = {
        "ok": not drift and not code,
        "drift": [
            {
                "safe": d.safe,
                "check": d.check,
                "expected": d.expected,
                "actual": d.actual,
                "message": d.message,
            }
            for d in drift
        ],
        "code": code,
        "safes": [check.to_json() for check in checks],
    }
    output.result(document, lambda console: _render_check(console, checks))
    if drift:
        raise Refused(
            f"policy drift: {len(drift)} difference(s) between the policy and the chain",
            hint="Do not sign until the drift is explained: someone changed the Safe.",
        )
    if code:
        raise Refused(
            f"{len(code)} policy contract(s) without the expected code: {code[0]['message']}",
            hint="Check the policy's addresses and chain ids; a Safe whose libraries live "
            "elsewhere names them in `libraries` (docs/policy.md).",
        )


def _render_check(console: Console, checks: list[SafeCheck]) -> None:
    from rich.markup import escape
    from rich.table import Table

    for check in checks:
        table = Table(
            title=f"Safe {check.name} {check.address} (chain {check.chain_id}, "
            f"block {check.block})",
            title_justify="left",
        )
        table.add_column("check", style="bold")
        table.add_column("expected", overflow="fold")
        table.add_column("actual", overflow="fold")
        table.add_column("")
        for d in check.drift:
            table.add_row(d.check, d.expected, d.actual, f"[red]{escape(d.message)}[/red]")
        for problem in check.code:
            message = f"[red]{escape(problem.message)}[/red]"
            table.add_row("code", escape(problem.what), problem.address, message)
        if check.drift or check.code:
            console.print(table)
        else:
            console.print(
                f"[green]Safe {check.name} matches the policy[/green] "
                f"(block {check.block}, nonce {check.nonce})"
            )
