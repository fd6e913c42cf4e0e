"""What every command's help follows: flags without a `<bool>` type, the global options shown.

`--json` and `--debug` are accepted anywhere (`hoist_global_flags`), and `--policy` after the
command too: each command lists them in a panel of their own, so `safeops sign --help` tells
the whole truth about what `sign` takes. Applied once to the click tree typer builds.
"""

from __future__ import annotations

import copy
import inspect
from collections.abc import Iterator
from typing import Any

from typer._click import core as click_core

from safeops.cli.completion import attach
from safeops.cli.console import Output
from safeops.cli.examples import epilog
from safeops.errors import BadInput

GLOBAL_PANEL = "Global options (before or after the command)"
GLOBAL_PARAMS = ("policy", "json_output", "debug")


def polish(root: click_core.Command) -> click_core.Command:
    shared = [param for param in root.params if param.name in GLOBAL_PARAMS]
    _hide_flag_types(root)
    root.epilog = epilog("")
    for path, command in _descendants(root):
        _hide_flag_types(command)
        _reflow(command)
        attach(path, command)
        command.params.extend(_repeated(param) for param in shared)
        command.epilog = epilog(path)
    return root


def _descendants(
    command: click_core.Command, path: str = ""
) -> Iterator[tuple[str, click_core.Command]]:
    """Every command under `command`, with its path (`emergency pause`)."""
    commands = getattr(command, "commands", None)
    if isinstance(commands, dict):
        for name, child in commands.items():
            here = f"{path} {name}".strip()
            yield here, child
            yield from _descendants(child, here)


def _hide_flag_types(command: click_core.Command) -> None:
    """A flag takes no value: `--all <bool>` reads as if it wanted one."""
    # click makes the --help option on first use and keeps it: make it now, to polish it too.
    help_option = command.get_help_option(click_core.Context(command))
    for param in [*command.params, *([help_option] if help_option else [])]:
        if getattr(param, "is_flag", False):
            param.metavar = ""


def _reflow(command: click_core.Command) -> None:
    """Docstrings wrap at 100 columns; help wraps at the terminal's width. A line break kept
    inside a paragraph cuts the command list's one-line summaries in odd places."""
    if command.help:
        paragraphs = inspect.cleandoc(command.help).split("\n\n")
        command.help = "\n\n".join(" ".join(p.split()) for p in paragraphs)


def _repeated(param: click_core.Parameter) -> click_core.Parameter:
    """The root option again, for this command's help and parser; it sets what the root sets."""
    again = copy.copy(param)
    again.expose_value = False
    again.envvar = None  # read once, by the root option
    again.callback = _set_late
    again.rich_help_panel = GLOBAL_PANEL  # type: ignore[attr-defined]
    if param.name == "policy":
        again.help = "Signer policy (TOML); also accepted before the command."  # type: ignore[attr-defined]
        again.show_envvar = False  # type: ignore[attr-defined]
    return again


def _set_late(ctx: click_core.Context, param: click_core.Parameter, value: Any) -> Any:
    output = ctx.find_object(Output)
    if output is None or value in (None, False):
        return value
    if param.name == "policy":
        given = output.policy if output.policy_on_command_line else None
        if given is not None and given != value:
            raise BadInput(
                f"two policies given: --policy {given} and --policy {value}",
                hint="Give --policy once, before or after the command.",
            )
        output.policy, output.policy_on_command_line = value, True
    elif param.name == "json_output":
        output.json_mode = True
    elif param.name == "debug":
        output.debug = True
    return value
