"""`safeops policy`: check a signer policy before anyone relies on it."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from safeops.cli.console import Output
from safeops.errors import BadInput

if TYPE_CHECKING:
    from rich.console import Console

    from safeops.core.policy import ValidationResult

app = typer.Typer(help="Signer policies: validate them.", no_args_is_help=True)

PolicyArgument = Annotated[
    Path | None,
    typer.Argument(
        help="Policy file (TOML); overrides --policy and SAFEOPS_POLICY.", show_default=False
    ),
]


def policy_path(output: Output, file: Path | None) -> Path:
    """The policy to use: the command's FILE argument, else the root --policy / SAFEOPS_POLICY."""
    if file is not None:
        return file
    if output.policy:
        return Path(output.policy)
    raise BadInput(
        "no policy given",
        hint="Pass --policy FILE (before the command), set SAFEOPS_POLICY, or name the file.",
    )


def read_policy(path: Path) -> bytes:
    """The file's exact bytes: the policy digest is computed over them."""
    try:
        return path.read_bytes()
    except OSError as error:
        raise BadInput(f"cannot read policy {path}: {error.strerror}") from error


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
