"""Reading secrets from the operator: a hidden prompt on the terminal, or standard input."""

from __future__ import annotations

import getpass
import sys

from safeops.cli.progress import paused
from safeops.errors import BadInput


def hidden_prompt(prompt: str) -> str:
    """Ask on the terminal without echo; refuse when there is no terminal to ask on.

    A password must never come from argv or the environment, and reading it from a pipe
    by surprise would consume input meant for something else.
    """
    if not sys.stdin.isatty():
        raise BadInput(
            "a password is needed but there is no terminal to ask on",
            hint="Give the keystore a password_file in the policy, or run interactively.",
        )
    with paused():  # the live status must not draw over the prompt
        return getpass.getpass(prompt)


def read_secret(what: str) -> str:
    """A secret from standard input when it is piped, else from a hidden prompt."""
    if sys.stdin.isatty():
        with paused():
            return getpass.getpass(f"{what} (input hidden): ")
    text = sys.stdin.read().strip()
    if not text:
        raise BadInput(f"no {what} on standard input", hint="Pipe it in, or run interactively.")
    return text
