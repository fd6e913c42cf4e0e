"""Options and helpers shared by command groups: finding and loading the signer policy."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from safeops.cli.console import Output
from safeops.errors import BadInput

if TYPE_CHECKING:
    from safeops.core.policy import Policy
    from safeops.keys.run_signer import RunScopedSigner
    from safeops.keys.signer import Signer
    from safeops.workflows.session import Session

SignerOption = Annotated[str, typer.Option("--signer", help="A signer of the policy.")]
SafeOption = Annotated[
    str | None,
    typer.Option(
        "--safe",
        help="The policy Safe, when a hash is in several Safes' stores (one Safe address on "
        "several chains before Safe 1.3.0).",
    ),
]
SafeTxHashArgument = Annotated[
    str, typer.Argument(help="The proposal's safeTxHash (0x and 64 hex digits).")
]

PolicyArgument = Annotated[
    Path | None,
    typer.Argument(
        help="Policy file (TOML); overrides --policy and SAFEOPS_POLICY.", show_default=False
    ),
]


def policy_path(output: Output, file: Path | None = None) -> Path:
    """The policy to use: the command's FILE argument, else the root --policy / SAFEOPS_POLICY."""
    if file is not None:
        return file
    if output.policy:
        return Path(output.policy)
    raise BadInput(
        "no policy given",
        hint="Pass --policy FILE (before or after the command), or set SAFEOPS_POLICY.",
    )


def read_policy(path: Path) -> bytes:
    """The file's exact bytes: the policy digest is computed over them."""
    try:
        return path.read_bytes()
    except OSError as error:
        raise BadInput(
            f"cannot read policy {path}: {error.strerror}",
            hint="Check the path given with --policy or SAFEOPS_POLICY; `safeops devnet up` "
            "writes a policy for a local try.",
        ) from error


def load_policy_for(output: Output, file: Path | None = None) -> Policy:
    """Load and validate the policy with this environment; any problem stops the command."""
    from safeops.core.policy import load_policy

    path = policy_path(output, file)
    return load_policy(read_policy(path), str(path), os.environ)


def open_policy_signer(
    policy: Policy, name: str, role: str, output: Output | None = None
) -> Signer:
    """The policy's signer `name`, which must hold `role`; its key is read only when used.
    Given the command's `output`, every use of the key is noted for the audit entry, which
    that key then signs."""
    from safeops.cli.prompts import hidden_prompt
    from safeops.errors import Refused
    from safeops.keys.resolve import open_signer

    entry = policy.signers.get(name)
    if entry is None:
        raise BadInput(
            f"unknown signer {name!r}", hint=f"The policy's: {', '.join(policy.signers)}."
        )
    if role not in entry.roles:
        holders = [n for n, s in policy.signers.items() if role in s.roles]
        raise Refused(
            f"signer {name} does not have the {role} role in the policy",
            hint=f"Signers with the {role} role: {', '.join(holders) or 'none'}.",
        )
    if entry.key is None:
        raise Refused(
            f"signer {name} has no key in the policy: it signs elsewhere",
            hint="Export the typed data (sign --export-typed-data), sign it on the device, "
            "then import it (sign --signature).",
        )
    signer = open_signer(
        name, entry.key, entry.address, environ=os.environ, password_prompt=hidden_prompt
    )
    if output is None:
        return signer
    from safeops.cli.audit_trail import KeyUse

    # One fetch of the key for the whole run (an emergency proposes, executes, then signs its
    # audit entry), dropped when the run ends.
    output.key_holds.enter_context(signer.held())
    return KeyUse(signer, output.keys_used)


def open_run_signer(policy: Policy, name: str, roles: tuple[str, ...]) -> RunScopedSigner:
    """The policy's signer `name`, holding at least one of `roles`, whose key is fetched once
    for the whole run (see RunScopedSigner); the caller closes it."""
    from safeops.cli.prompts import hidden_prompt
    from safeops.errors import Refused
    from safeops.keys.resolve import open_run_signer as open_signer

    entry = policy.signers.get(name)
    if entry is None:
        raise BadInput(
            f"unknown signer {name!r}", hint=f"The policy's: {', '.join(policy.signers)}."
        )
    if not any(role in entry.roles for role in roles):
        raise Refused(f"signer {name} has none of the roles {', '.join(roles)} in the policy")
    if entry.key is None:
        raise Refused(
            f"signer {name} has no key in the policy: it signs elsewhere",
            hint="Run `safeops sign` with --export-typed-data and --signature for this owner.",
        )
    return open_signer(
        name, entry.key, entry.address, environ=os.environ, password_prompt=hidden_prompt
    )


def plan_argument(session: Session, text: str) -> Path:
    """A plan file, or the safeTxHash of a plan in the safeops home (or, as before, in the
    working folder's `.safeops/plans`): what `queue` shows is enough to name a plan."""
    from safeops.core.transactions.safe_tx import SafeTxHash

    path = Path(text)
    if path.exists() or not text.startswith("0x") or os.sep in text:
        return path
    found = session.plan_file(SafeTxHash.parse(text))
    if not found.is_file():
        raise BadInput(
            f"no plan {text} in {session.plan_dir}",
            hint="Give the plan file's path, or plan it again with `safeops plan`.",
        )
    return found
