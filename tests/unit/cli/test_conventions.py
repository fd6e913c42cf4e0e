"""CLI conventions: --version, version --json, completion, grouped help, examples, hints."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from importlib import metadata
from pathlib import Path

import pytest
from typer._click import core as click_core

from safeops.cli.app import COMMANDS, command_tree
from safeops.cli.console import Output
from safeops.cli.examples import EXAMPLES
from safeops.cli.version import LIBRARIES
from safeops.errors import BadInput, ExitCode, Refused, SafeOpsError
from tests.helpers import cli

ROOT = Path(__file__).parents[3]
EXAMPLE_POLICY = ROOT / "policies" / "production.example.toml"


def _commands(
    command: click_core.Command | None = None, path: tuple[str, ...] = ()
) -> Iterator[tuple[str, ...]]:
    """Every command path of the tree, the root (()) included."""
    command = command or command_tree()
    yield path
    children = getattr(command, "commands", None) or {}
    for name, child in children.items():
        yield from _commands(child, (*path, name))


ALL = sorted(_commands())


def _command_of(example: str) -> list[str]:
    """The words of an example after `safeops` and its global options."""
    words = example.split()
    assert words[0] == "safeops"
    words = words[1:]
    while words and words[0] in ("--policy", "--json", "--debug"):
        words = words[2:] if words[0] == "--policy" else words[1:]
    return words


def test_version_flag(capsys: pytest.CaptureFixture[str]) -> None:
    run = cli(capsys, "--version")
    assert run.code == 0
    assert run.stdout == f"safeops {metadata.version('safeops')}\n"


def test_version_json_names_python_and_the_key_libraries(
    capsys: pytest.CaptureFixture[str],
) -> None:
    document = cli(capsys, "version", "--json").json
    assert document["safeops"] == metadata.version("safeops")
    assert document["python"] == ".".join(map(str, sys.version_info[:3]))
    assert set(document["libraries"]) == {
        "web3",
        "safe-eth-py",
        "eth-account",
        "hvac",
        "keyring",
        "typer",
        "rich",
    }
    assert document["libraries"]["web3"] == metadata.version("web3")
    assert document["libraries"]["safe-eth-py"] == metadata.version("safe-eth-py")
    assert tuple(document["libraries"]) == LIBRARIES


def test_version_imports_none_of_the_libraries() -> None:
    """Read from package metadata: `version` answers at once, even with web3 broken."""
    probe = (
        "import sys\n"
        "from safeops.cli.app import main\n"
        "code = main(['version', '--json'])\n"
        "print('HEAVY', sorted(m for m in ('web3', 'safe_eth', 'eth_account', 'hvac', 'keyring')"
        " if m in sys.modules), file=sys.stderr)\n"
        "sys.exit(code)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    assert "HEAVY []" in done.stderr


def test_show_completion_prints_the_shell_script(capsys: pytest.CaptureFixture[str]) -> None:
    run = cli(capsys, "--show-completion", "bash")
    assert run.code == 0
    assert "_SAFEOPS_COMPLETE=complete_bash" in run.stdout
    assert "complete -o default -F _safeops_completion safeops" in run.stdout


@pytest.mark.parametrize(
    ("words", "cword", "expected"),
    [
        ("safeops emer", 1, "emergency"),
        ("safeops emergency pau", 2, "pause"),
        ("safeops emergency pause --sig", 3, "--signer"),
    ],
)
def test_the_shell_completes_commands_and_options(words: str, cword: int, expected: str) -> None:
    """What bash runs on TAB once the completion script is installed."""
    env = {
        **os.environ,
        "_SAFEOPS_COMPLETE": "complete_bash",
        "COMP_WORDS": words,
        "COMP_CWORD": str(cword),
    }
    done = subprocess.run(
        [sys.executable, "-m", "safeops"], capture_output=True, text=True, env=env, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == [expected]


@pytest.mark.parametrize(
    ("words", "expected"),
    [
        (
            "emergency pause --signer ",
            ["oncall", "alice", "bob", "carol", "dave", "erin", "relayer"],
        ),
        ("emergency pause --signer a", ["alice"]),
        ("emergency pause r", ["router"]),
        ("plan withdraw treasury --to ", ["cold", "recovery"]),
        ("plan revoke ", ["kyc", "liquidators"]),
    ],
)
def test_the_shell_completes_the_policys_names(words: str, expected: list[str]) -> None:
    """`--signer <TAB>` at 3 a.m.: the policy's signers, not a guess at their spelling."""
    typed = f"safeops --policy {EXAMPLE_POLICY} {words}".split(" ")
    env = {
        **os.environ,
        "_SAFEOPS_COMPLETE": "complete_bash",
        "COMP_WORDS": " ".join(typed),
        "COMP_CWORD": str(len(typed) - 1),
    }
    done = subprocess.run(
        [sys.executable, "-m", "safeops"], capture_output=True, text=True, env=env, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == expected


def test_root_help_groups_commands_by_who_uses_them_emergency_first(
    capsys: pytest.CaptureFixture[str],
) -> None:
    run = cli(capsys, "--help")
    assert run.code == 0
    panels = ["On call", "Wallet ops", "Reviewers", "Setup"]
    at = [run.stdout.index(f"─ {panel} ─") for panel in panels]
    assert at == sorted(at)
    first_command = run.stdout[at[0] :].splitlines()[1].split()[1]
    assert first_command == "emergency"
    assert next(name for _, name, _ in COMMANDS) == "emergency"
    assert "--install-completion" in run.stdout
    assert "--version" in run.stdout


@pytest.mark.parametrize("path", ALL, ids=lambda path: " ".join(path) or "safeops")
def test_every_command_help_has_an_example_and_no_bool_metavar(
    capsys: pytest.CaptureFixture[str], path: tuple[str, ...]
) -> None:
    run = cli(capsys, *path, "--help")
    assert run.code == 0, run.stderr
    assert "<bool>" not in run.stdout
    assert "Example: safeops" in run.stdout
    assert _command_of(EXAMPLES[" ".join(path)])[: len(path)] == list(path)
    if path:  # the global options are listed in every command's help
        assert "Global options" in run.stdout
        for flag in ("--json", "--debug", "--policy"):
            assert flag in run.stdout


def test_examples_name_only_commands_that_exist() -> None:
    assert set(EXAMPLES) == {" ".join(path) for path in ALL}


def test_policy_is_accepted_after_the_command(capsys: pytest.CaptureFixture[str]) -> None:
    run = cli(capsys, "--json", "policy", "validate", "--no-env", "--policy", str(EXAMPLE_POLICY))
    assert run.code == 0, run.stderr
    assert run.json["valid"] is True
    assert run.json["policy"] == str(EXAMPLE_POLICY)


def test_two_different_policies_are_refused(capsys: pytest.CaptureFixture[str]) -> None:
    run = cli(capsys, "--json", "--policy", "a.toml", "queue", "--policy", "b.toml")
    assert run.code == 2
    message = run.json["error"]["message"]
    assert message == "two policies given: --policy a.toml and --policy b.toml"


@pytest.mark.parametrize(
    ("error", "fragment"),
    [
        (BadInput("no such thing"), "See `safeops plan pause --help`"),
        (Refused("not now"), "on purpose"),
        (SafeOpsError("odd", exit_code=ExitCode.ENVIRONMENT), "reachable"),
    ],
)
def test_an_error_raised_without_a_hint_still_gets_one(
    capsys: pytest.CaptureFixture[str], error: SafeOpsError, fragment: str
) -> None:
    output = Output(json_mode=True)
    output.command = "safeops plan pause"
    output.error(error)
    captured = capsys.readouterr()
    hint = json.loads(captured.out)["error"]["hint"]
    assert fragment in hint
    assert captured.err.splitlines()[1] == f"hint: {hint}"


def test_a_missing_policy_file_has_a_hint(capsys: pytest.CaptureFixture[str]) -> None:
    run = cli(capsys, "--json", "--policy", "/nowhere/policy.toml", "queue")
    assert run.code == 2
    error = run.json["error"]
    assert error["message"] == "cannot read policy /nowhere/policy.toml: No such file or directory"
    assert "--policy or SAFEOPS_POLICY" in error["hint"]


def test_a_mistyped_safe_tx_hash_has_a_hint(capsys: pytest.CaptureFixture[str]) -> None:
    run = cli(capsys, "--json", "--policy", str(EXAMPLE_POLICY), "sign", "0x1234", "--signer", "a")
    assert run.code == 2
    assert run.json["error"]["hint"].startswith("Copy the safeTxHash from `safeops --policy ")
