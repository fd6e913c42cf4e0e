"""The `safeops` root command and the error boundary that maps errors to exit codes."""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable
from typing import Annotated, Any

import typer

# typer 0.29 vendors click; its exceptions are the ones raised while parsing.
from typer._click import core as click_core

from safeops.cli import (
    audit,
    devnet,
    emergency,
    execute,
    keys,
    plan,
    policy,
    propose,
    queue,
    rehearse,
    reject,
    review,
    sign,
    tx,
    version,
)
from safeops.cli.boundary import Stopped, interrupted, run_command
from safeops.cli.console import Output
from safeops.cli.conventions import polish
from safeops.errors import SafeOpsError
from safeops.interrupts import (
    INTERRUPTED_EXIT,
    PAUSE_AT_ENV,
    PAUSE_FILE_ENV,
    TERMINATED_EXIT,
    arm_pause_points,
    signals_held,
    sigterm_raises,
)

ON_CALL, WALLET_OPS, REVIEWERS, SETUP = "On call", "Wallet ops", "Reviewers", "Setup"

app = typer.Typer(
    name="safeops",
    help="Emergency operations for protocols governed by Safe multisigs.",
    no_args_is_help=True,
    # Locals can hold key material: a traceback must never print them.
    pretty_exceptions_show_locals=False,
    pretty_exceptions_enable=False,
)
# Grouped by who reaches for them, the 3 a.m. command first; help lists them in this order.
COMMANDS: tuple[tuple[str, str, typer.Typer | Callable[..., None]], ...] = (
    (ON_CALL, "emergency", emergency.app),
    (ON_CALL, "queue", queue.queue),
    (ON_CALL, "reject", reject.reject),
    (ON_CALL, "audit", audit.app),
    (WALLET_OPS, "plan", plan.app),
    (WALLET_OPS, "propose", propose.propose),
    (WALLET_OPS, "sign", sign.sign),
    (WALLET_OPS, "execute", execute.execute),
    (REVIEWERS, "review", review.review),
    (REVIEWERS, "rehearse", rehearse.rehearse),
    (REVIEWERS, "tx", tx.app),
    (SETUP, "policy", policy.app),
    (SETUP, "keys", keys.app),
    (SETUP, "devnet", devnet.app),
    (SETUP, "version", version.version),
)
# The commands that run in a session of the root --policy (not `policy check FILE`).
SESSION_COMMANDS = frozenset(
    ("emergency", "queue", "reject", "plan", "propose", "sign", "execute", "review", "rehearse")
)
for _panel, _name, _target in COMMANDS:
    if isinstance(_target, typer.Typer):
        app.add_typer(_target, name=_name, rich_help_panel=_panel)
    else:
        app.command(_name, rich_help_panel=_panel)(_target)


@app.callback()
def root(
    ctx: typer.Context,
    policy: Annotated[
        str | None,
        typer.Option("--policy", envvar="SAFEOPS_POLICY", help="Signer policy (TOML)."),
    ] = None,
    json_output: Annotated[
        bool, typer.Option("--json", help="Print one JSON object on stdout.")
    ] = False,
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks on errors.")] = False,
    _version: Annotated[
        bool,
        typer.Option(
            "--version",
            is_eager=True,
            expose_value=False,
            callback=version.print_version,
            help="Show the version and exit (`safeops version --json` for all libraries).",
        ),
    ] = False,
) -> None:
    """Pause, revoke and emergency-withdraw through Safe multisigs, verified end to end."""
    from typer._click.core import ParameterSource

    output: Output = ctx.ensure_object(Output)
    output.json_mode, output.debug, output.policy = json_output, debug, policy
    # A next step printed for pasting repeats --policy only when it was typed: one taken from
    # SAFEOPS_POLICY is in the same shell already.
    output.policy_on_command_line = ctx.get_parameter_source("policy") == (
        ParameterSource.COMMANDLINE
    )
    if policy and ctx.invoked_subcommand in SESSION_COMMANDS:
        output.announce(policy)  # the first line, before the command imports what it needs


@functools.cache
def command_tree() -> click_core.Command:
    """The click command of `app`, built once, with the conventions of every command's help."""
    command = polish(typer.main.get_command(app))
    # typer puts single commands before groups; help lists them in the order of COMMANDS.
    command.commands = {name: command.commands[name] for _, name, _ in COMMANDS}  # type: ignore[attr-defined]
    invoke = command.invoke

    def invoke_keeping_interrupts(ctx: click_core.Context) -> Any:
        # typer turns KeyboardInterrupt into a bare exit 130, losing what it was (SIGTERM, an
        # interrupt after a transaction was sent): carry it past typer instead.
        try:
            return invoke(ctx)
        except KeyboardInterrupt as interrupt:
            raise Stopped(interrupt) from None

    command.invoke = invoke_keeping_interrupts  # type: ignore[method-assign]
    return command


def main(argv: list[str] | None = None) -> int:
    """Run the CLI between the two audit entries of an audited command: its intent first (a
    log that cannot take it stops the command before any key is used: exit 3), its outcome
    last, whatever it is, signed by every key that took part.

    SIGTERM is raised like Ctrl-C meanwhile, so both tear a fork down, and both exit with the
    shell's code (130, 143) after an audit entry: an interrupted run is always recorded, even
    of a command that is not audited otherwise, since it may have stopped half-way.
    """
    args = hoist_global_flags(sys.argv[1:] if argv is None else argv)
    arm_pause_points(os.environ.get(PAUSE_AT_ENV), os.environ.get(PAUSE_FILE_ENV))
    # Known before parsing, so that even a usage error honours them.
    output = Output(json_mode="--json" in args, debug="--debug" in args)
    path = _command_path(args)
    output.command = f"safeops {path}".removesuffix(" safeops")
    # Known before parsing too: the intent entry goes to the audit log of the policy's home,
    # where the outcome entry will go.
    output.policy = _policy_given(args) or os.environ.get("SAFEOPS_POLICY")
    with sigterm_raises():
        try:
            code = _start(output, path, args)
            if code is None:
                code = run_command(command_tree(), args, output)
        except KeyboardInterrupt as interrupt:  # a second one, while reporting an error
            code = interrupted(output, interrupt)
        output.close()
        try:
            # Held back until the audit entry is written: the run is over, its record must not
            # be lost to one more Ctrl-C.
            with signals_held():
                stopped = code in (INTERRUPTED_EXIT, TERMINATED_EXIT)
                if output.audit_action is None and (output.audit_started or stopped):
                    output.audit(path)
                if output.audit_action is not None:
                    _write_audit(output, code)
        except KeyboardInterrupt:
            pass  # the one held back, delivered now: there is nothing left to stop
        finally:
            output.release_keys()
    return code


def _start(output: Output, path: str, args: list[str]) -> int | None:
    """The intent entry of an audited command; its exit code when the log cannot take it."""
    from safeops.cli.audit_trail import is_audited, write_intent

    if not is_audited(path, args):
        return None
    try:
        with signals_held():
            write_intent(output, path, args)
    except SafeOpsError as error:
        output.error(error)
        return int(error.exit_code)
    return None


def _policy_given(args: list[str]) -> str | None:
    """The value of `--policy` in `args` (the root option parses it again, and checks it)."""
    for index, arg in enumerate(args):
        if arg == "--":
            break
        if arg.startswith("--policy="):
            return arg.split("=", 1)[1]
        if arg == "--policy" and index + 1 < len(args):
            return args[index + 1]
    return None


def _write_audit(output: Output, code: int) -> None:
    from safeops.cli.audit_trail import write_outcome

    outcomes = {0: "ok", INTERRUPTED_EXIT: "interrupted", TERMINATED_EXIT: "terminated"}
    try:
        write_outcome(output, outcomes.get(code, f"exit {code}"))
    except SafeOpsError as error:  # the intent (and any send) is in the log already
        output.err.print(f"[bold red]warning:[/bold red] {error.message}")


def _command_path(args: list[str]) -> str:
    """The command the arguments name (`rehearse`, `emergency pause`), for the audit entry of
    an interrupted run; option values are skipped as long as they name no command."""
    command: object = command_tree()
    words: list[str] = []
    for arg in args:
        commands = getattr(command, "commands", None)
        if not isinstance(commands, dict):
            break
        if arg in commands:
            words.append(arg)
            command = commands[arg]
    return " ".join(words) or "safeops"


GLOBAL_FLAGS = ("--json", "--debug")


def hoist_global_flags(args: list[str]) -> list[str]:
    """Accept `--json` and `--debug` anywhere before `--`, as people type them at 3 a.m."""
    end = args.index("--") if "--" in args else len(args)
    flags = [arg for arg in args[:end] if arg in GLOBAL_FLAGS]
    rest = [arg for arg in args[:end] if arg not in GLOBAL_FLAGS]
    return list(dict.fromkeys(flags)) + rest + args[end:]


def run() -> None:
    """Console-script entry point."""
    sys.exit(main())
