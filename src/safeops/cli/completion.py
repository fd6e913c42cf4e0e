"""Shell completion of the policy's own names: `--signer <TAB>` offers its signers.

The policy is the one given before the command (`--policy`) or in SAFEOPS_POLICY. Completion
must never fail loudly or be slow: a policy that cannot be read completes nothing, and it is
read without the environment (no `${VAR}` is needed to list names).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from typer._click import core as click_core

if TYPE_CHECKING:
    from safeops.core.policy import Policy

Complete = Callable[[click_core.Context, click_core.Parameter, str], list[str]]


def _policy(ctx: click_core.Context) -> Policy | None:
    from safeops.core.policy import validate_policy

    path = ctx.find_root().params.get("policy") or os.environ.get("SAFEOPS_POLICY")
    if not path:
        return None
    try:
        return validate_policy(Path(path).read_bytes(), str(path), None).policy
    except Exception:  # completion offers nothing rather than a traceback in the shell
        return None


def _names(section: Callable[[Policy], Iterable[str]]) -> Complete:
    def complete(ctx: click_core.Context, _: click_core.Parameter, incomplete: str) -> list[str]:
        policy = _policy(ctx)
        names = section(policy) if policy is not None else ()
        return [name for name in names if name.startswith(incomplete)]

    return complete


# By parameter name; `to` is a recipient's name only in `plan withdraw` (elsewhere, an address).
BY_PARAMETER: dict[str, Complete] = {
    "signer": _names(lambda policy: policy.signers),
    "targets": _names(lambda policy: policy.targets),
    "allowlist": _names(lambda policy: policy.allowlists),
    "vault": _names(lambda policy: policy.vaults),
    "token": _names(lambda policy: policy.tokens),
}
RECIPIENTS = _names(lambda policy: policy.recipients)


def attach(path: str, command: click_core.Command) -> None:
    """Give `command`'s parameters that name policy entries their completion."""
    for param in command.params:
        complete: Any = BY_PARAMETER.get(param.name or "")
        if param.name == "to" and path == "plan withdraw":
            complete = RECIPIENTS
        if complete is not None:
            param._custom_shell_complete = complete
