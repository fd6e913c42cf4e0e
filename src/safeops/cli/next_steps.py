"""The commands safeops tells people to run next: complete, quoted, ready to paste.

A next step is pasted at 3 a.m. into the shell that ran the command before it. So it repeats
`--policy` when the policy was typed on the command line (one from SAFEOPS_POLICY is in that
shell already), names the policy's signers who may act (never NAME or EXECUTOR), and quotes
every word for the shell.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from safeops.cli.console import Output

if TYPE_CHECKING:
    from rich.console import Console

    from safeops.core.policy import Policy
    from safeops.core.transactions.safe_tx import SafeTxHash
    from safeops.proposals.base import ProposalStore


# A command quoted in a hint, unless it already names a policy or reads none.
_QUOTED = re.compile(r"`safeops (?!--policy |devnet |tx |version\b)([^`]*)")


@dataclass(frozen=True)
class NextSteps:
    policy: str | None
    """The policy path to repeat, or None when the shell has it (SAFEOPS_POLICY)."""

    @classmethod
    def of(cls, output: Output) -> NextSteps:
        return cls(output.policy if output.policy_on_command_line else None)

    def command(self, *words: str) -> str:
        """`safeops [--policy P] WORDS…`, each word quoted for a POSIX shell."""
        policy = ["--policy", self.policy] if self.policy else []
        return shlex.join(["safeops", *policy, *words])

    def in_text(self, text: str) -> str:
        """The commands quoted in a hint ("run `safeops review PLAN`") with --policy too,
        except those that read no policy."""
        if not self.policy:
            return text
        flag = f"`safeops --policy {shlex.quote(self.policy)} "
        return _QUOTED.sub(lambda found: flag + found.group(1), text)

    def sign(self, safe_tx_hash: str, signers: Sequence[str]) -> list[str]:
        return [self.command("sign", safe_tx_hash, "--signer", name) for name in signers]

    def execute(self, safe_tx_hash: str, executors: Sequence[str]) -> list[str]:
        return [self.command("execute", safe_tx_hash, "--signer", name) for name in executors]


def print_steps(
    console: Console, sections: Sequence[tuple[str, Sequence[str]]], indent: str = ""
) -> None:
    """Each intro, then one command per line, each one pasteable as it stands."""
    from rich.markup import escape

    for intro, commands in sections:
        console.print(indent + escape(intro))
        for command in commands:
            # soft_wrap: a command wider than the terminal must stay one line to paste as one.
            console.print(f"{indent}  [bold]{escape(command)}[/bold]", soft_wrap=True)


def as_json(sections: Sequence[tuple[str, Sequence[str]]]) -> list[str]:
    """The commands alone, for `--json` readers: `next` in the result."""
    return [command for _, commands in sections for command in commands]


def signing_steps(
    steps: NextSteps,
    policy: Policy,
    safe_name: str,
    action: str,
    safe_tx_hash: str,
    confirmations: int,
    threshold: int,
    signed: Collection[str],
) -> list[tuple[str, list[str]]]:
    """Who signs next and who then executes, each as the command they run."""
    from safeops.core.policy.roles import executors_of, owners_who_sign

    execute = steps.execute(safe_tx_hash, executors_of(policy, action))
    if confirmations >= threshold:
        return [(f"next, an executor of {action} runs one of:", execute)]
    missing = threshold - confirmations
    owners = owners_who_sign(policy, safe_name, signed)
    who = (
        f"1 more owner of Safe {safe_name} signs ({confirmations}/{threshold} so far), one of:"
        if missing == 1
        else f"{missing} more owners of Safe {safe_name} sign ({confirmations}/{threshold} so "
        "far), each with their own line:"
    )
    return [
        (f"next, {who}", steps.sign(safe_tx_hash, owners)),
        (f"then an executor of {action} runs one of:", execute),
    ]


def signed_by(store: ProposalStore, safe_tx_hash: SafeTxHash) -> set[str]:
    """The owners (addresses) who signed, as the store has it; none when it cannot say."""
    from safeops.errors import SafeOpsError

    try:
        stored = store.get(safe_tx_hash)
    except SafeOpsError:
        return set()  # only the list of who is still to sign is less precise
    return set(stored.signatures) if stored is not None else set()
