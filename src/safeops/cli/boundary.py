"""The error boundary: every failure of a command becomes one clear line and its exit code."""

from __future__ import annotations

import sys
import traceback

import typer

# typer 0.29 vendors click; its exceptions are the ones raised while parsing.
from typer._click import core as click_core
from typer._click import exceptions as click_errors

from safeops.cli.console import Output
from safeops.errors import ExitCode, SafeOpsError
from safeops.interrupts import INTERRUPTED_EXIT, TERMINATED_EXIT, Interrupted, exit_code_of


def run_command(command: click_core.Command, args: list[str], output: Output) -> int:
    """Every failure leaves through here with the exit code of the CLI contract (README.md)."""
    try:
        code = command.main(args=args, prog_name="safeops", standalone_mode=False, obj=output)
    except SafeOpsError as error:
        if output.debug:
            traceback.print_exc()
        output.error(error)
        return int(error.exit_code)
    except typer.Exit as done:
        return int(done.exit_code)
    except click_errors.NoArgsIsHelpError:
        return int(ExitCode.BAD_INPUT)  # typer has printed the help already
    except click_errors.UsageError as error:
        output.error(_usage(error))
        return int(ExitCode.BAD_INPUT)
    except click_errors.ClickException as error:
        output.error(SafeOpsError(error.format_message(), hint=f"See `{output.command} --help`."))
        return int(error.exit_code)
    except SystemExit as done:  # shell completion answers, then exits
        return done.code if isinstance(done.code, int) else int(ExitCode.OK)
    except typer.Abort:
        output.close()
        output.err.print("[red]aborted[/red]")
        return INTERRUPTED_EXIT
    except Stopped as stopped:
        return interrupted(output, stopped.interrupt)
    except KeyboardInterrupt as interrupt:  # outside any command: while parsing
        return interrupted(output, interrupt)
    except Exception as error:  # the boundary: nothing escapes as a raw traceback
        if output.debug:
            traceback.print_exc()
        # The message of an unknown exception is not shown: it could hold anything.
        output.error(
            SafeOpsError(
                f"internal error ({type(error).__name__})",
                hint="Re-run with --debug for the traceback, and report it.",
            )
        )
        return int(ExitCode.REFUSED)
    return int(code) if isinstance(code, int) else int(ExitCode.OK)


class Stopped(Exception):
    """A KeyboardInterrupt (Ctrl-C, SIGTERM) carried through typer, which would swallow it."""

    def __init__(self, interrupt: KeyboardInterrupt) -> None:
        super().__init__()
        self.interrupt = interrupt


def interrupted(output: Output, interrupt: KeyboardInterrupt) -> int:
    """One line saying what stopped the run (and what it had done already), like an error."""
    import json

    from rich.markup import escape

    output.close()
    code = exit_code_of(interrupt)
    what = "terminated (SIGTERM)" if code == TERMINATED_EXIT else "interrupted (Ctrl-C)"
    if isinstance(interrupt, Interrupted):
        message, hint = f"{what} {interrupt.message}", "Check it on chain before anything else."
        output.audit_details.update(interrupt.details)
    else:
        message, hint = what, "Nothing is left running: run the command again to finish it."
    output.err.print(f"[bold red]error:[/bold red] {escape(message)}")
    output.err.print(f"[yellow]hint:[/yellow] {escape(hint)}")
    if output.json_mode and not output.emitted:
        error = {"type": type(interrupt).__name__, "message": message, "hint": hint}
        sys.stdout.write(json.dumps({"error": {**error, "exit_code": code}}, indent=2) + "\n")
    return code


def _usage(error: click_errors.UsageError) -> SafeOpsError:
    from safeops.errors import BadInput

    return BadInput(error.format_message(), hint=_see_help(error.ctx))


def _see_help(ctx: click_core.Context | None) -> str:
    return f"See `{ctx.command_path if ctx else 'safeops'} --help`."
