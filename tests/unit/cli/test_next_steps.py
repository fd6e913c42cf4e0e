"""Next steps: complete commands, --policy only when typed, quoted, signers by name."""

from __future__ import annotations

import io
import shlex

from rich.console import Console

from safeops.cli.console import Output
from safeops.cli.next_steps import NextSteps, as_json, print_steps, signing_steps
from tests.unit.workflows.fakes import policy

HASH = "0x" + "ab" * 32


def test_policy_repeated_only_when_typed() -> None:
    typed = Output(policy="ops/policy.toml")
    typed.policy_on_command_line = True
    from_env = Output(policy="ops/policy.toml")  # SAFEOPS_POLICY: the shell has it already
    assert NextSteps.of(typed).command("queue") == "safeops --policy ops/policy.toml queue"
    assert NextSteps.of(from_env).command("queue") == "safeops queue"


def test_every_word_is_quoted_for_the_shell() -> None:
    steps = NextSteps("my ops/policy $1.toml")
    line = steps.command("review", "plans/it's.json")
    assert shlex.split(line) == [
        "safeops",
        "--policy",
        "my ops/policy $1.toml",
        "review",
        "plans/it's.json",
    ]


def test_hints_carry_the_policy_except_for_commands_that_read_none() -> None:
    steps = NextSteps("p q.toml")
    assert steps.in_text("Run `safeops review X` for the report.") == (
        "Run `safeops --policy 'p q.toml' review X` for the report."
    )
    assert steps.in_text("Run `safeops devnet status`.") == "Run `safeops devnet status`."
    assert steps.in_text("`safeops --policy a.toml queue`") == "`safeops --policy a.toml queue`"
    assert NextSteps(None).in_text("Run `safeops queue`.") == "Run `safeops queue`."


def test_owners_still_to_sign_then_executors_by_name() -> None:
    chosen = policy()
    alice = chosen.signers["alice"].address
    sections = signing_steps(NextSteps("p.toml"), chosen, "admin", "unpause", HASH, 1, 2, {alice})
    assert sections[0][0] == "next, 1 more owner of Safe admin signs (1/2 so far), one of:"
    assert sections[0][1] == [
        f"safeops --policy p.toml sign {HASH} --signer bob",
        f"safeops --policy p.toml sign {HASH} --signer carol",
    ]
    assert sections[1][1] == [
        f"safeops --policy p.toml execute {HASH} --signer oncall",
        f"safeops --policy p.toml execute {HASH} --signer alice",
    ]
    assert "NAME" not in str(sections)
    assert "EXECUTOR" not in str(sections)


def test_at_threshold_only_the_executors() -> None:
    sections = signing_steps(NextSteps(None), policy(), "guardian", "pause", HASH, 1, 1, set())
    assert as_json(sections) == [
        f"safeops execute {HASH} --signer oncall",
        f"safeops execute {HASH} --signer alice",
    ]


def test_a_long_command_stays_on_one_line() -> None:
    """Wrapped, it would paste as two commands."""
    out = io.StringIO()
    console = Console(file=out, width=40, soft_wrap=False)
    line = NextSteps("/a/very/long/path/to/the/policy.toml").command(
        "sign", HASH, "--signer", "bob"
    )
    print_steps(console, [("next:", [line])])
    assert out.getvalue().splitlines() == ["next:", f"  {line}"]
