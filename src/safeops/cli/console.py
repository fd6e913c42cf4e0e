"""The one output helper: rich for people, exactly one JSON object on stdout with `--json`."""

from __future__ import annotations

import json
import shutil
import sys
from collections.abc import Callable
from contextlib import AbstractContextManager, ExitStack, nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rich.console import Console as RichConsole

    from safeops.cli.progress import LiveStatus
    from safeops.errors import SafeOpsError
    from safeops.keys.signer import Signer


def _width() -> int:
    """Wide enough for a 66-character hash beside its label, even when piped."""
    return max(shutil.get_terminal_size((120, 24)).columns, 100)


@dataclass
class Output:
    """Where a command's result and its progress go. stdout is reserved for the result."""

    json_mode: bool = False
    debug: bool = False
    policy: str | None = None
    policy_on_command_line: bool = False
    command: str = "safeops"
    """The command run (`safeops emergency pause`), for hints."""
    emitted: bool = field(default=False, init=False)
    audit_action: str | None = field(default=None, init=False)
    audit_details: dict[str, Any] = field(default_factory=dict, init=False)
    audit_started: bool = field(default=False, init=False)
    keys_used: list[Signer] = field(default_factory=list, init=False)
    """The policy signers whose key signed something in this run (see cli/audit_trail.py)."""
    key_holds: ExitStack = field(default_factory=ExitStack, init=False, repr=False)
    """The policy signers' keys held for this run: each fetched once, dropped at its end,
    after the audit entry they sign (`release_keys`)."""
    rpc_warnings: list[str] = field(default_factory=list, init=False)
    store_warnings: list[str] = field(default_factory=list, init=False)
    _err: RichConsole | None = field(default=None, init=False, repr=False)
    _live: LiveStatus | None = field(default=None, init=False, repr=False)
    _announced: bool = field(default=False, init=False, repr=False)

    def release_keys(self) -> None:
        """Drop every key this run held: the run is over."""
        self.key_holds.close()

    def audit(self, action: str, **details: Any) -> None:
        """Mark this run for the audit log; the error boundary writes it with the outcome."""
        self.audit_action = action
        self.audit_details.update(details)

    @property
    def out(self) -> RichConsole:
        from rich.console import Console

        # Never crop: a hash cut short with an ellipsis cannot be compared.
        return Console(highlight=False, soft_wrap=False, width=_width())

    @property
    def err(self) -> RichConsole:
        """One console for stderr, so that lines printed while the live status shows land
        above it instead of through it."""
        if self._err is None:
            from rich.console import Console

            self._err = Console(stderr=True, highlight=False, soft_wrap=True)
        return self._err

    def result(self, data: dict[str, Any], render: Callable[[RichConsole], None]) -> None:
        """Print the command's result: `data` as JSON, or `render` for a person."""
        self.close()
        if self.json_mode:
            # Streamed in chunks: an indented dumps() of a large decoded batch would hold many
            # times the input in memory at once.
            json.dump(self._with_warnings(data), sys.stdout, indent=2)
            sys.stdout.write("\n")
            sys.stdout.flush()
        else:
            render(self.out)
        self.emitted = True

    def _with_warnings(self, data: dict[str, Any]) -> dict[str, Any]:
        """`rpc_warnings` and `store_warnings` appear only when there were some: the JSON of a
        run on healthy RPCs and a clean store stays exactly what it was."""
        if self.rpc_warnings:
            data = {**data, "rpc_warnings": list(self.rpc_warnings)}
        if self.store_warnings:
            data = {**data, "store_warnings": list(self.store_warnings)}
        return data

    def progress(self, message: str, step: str | None = None) -> None:
        """A progress line on stderr, silent with `--json`; on a terminal the step it starts
        (`step`, else the line) gets a live status with its elapsed time once it takes more
        than half a second."""
        if self.json_mode:
            return
        from rich.markup import escape

        self.err.print(f"[dim]{escape(message)}[/dim]")
        live = self._live_status()
        if live is not None:
            live.step(step or message)

    def announce(self, policy: str | Path) -> None:
        """The first line of a run that uses a policy: which one, and the safeops home its
        state goes to. Said once, as early as possible: people see at once that it runs."""
        if not self._announced:
            from safeops.cli.home import safeops_home

            self._announced = True
            line = f"policy {policy}, state in {safeops_home(policy)}"
            self.progress(line, step="loading the policy and the Ethereum libraries")

    def waiting(self, label: str) -> AbstractContextManager[object]:
        """Around a request that may hang (an RPC): the live status names it when it is slow."""
        live = self._live_status()
        return nullcontext() if live is None else live.waiting(label)

    def close(self) -> None:
        """Take the live status away: a result, an error or the end of the run comes next."""
        if self._live is not None:
            self._live.close()
            self._live = None

    def _live_status(self) -> LiveStatus | None:
        if self.json_mode or not self.err.is_terminal:
            return None
        if self._live is None:
            from safeops.cli.progress import LiveStatus

            self._live = LiveStatus(self.err)
        return self._live

    def warn(self, message: str) -> None:
        """One yellow line on stderr, with `--json` too (stderr is for logs there, and an RPC
        that was skipped must not go unseen); kept for the JSON result and the audit log."""
        from rich.markup import escape

        self.rpc_warnings.append(message)
        self.audit_details.setdefault("rpc_warnings", []).append(message)
        self.err.print(f"[yellow]warning:[/yellow] {escape(message)}")

    def store_warn(self, message: str) -> None:
        """A proposal-store warning (an unreadable file skipped), said once per run."""
        from rich.markup import escape

        if message in self.store_warnings:
            return
        self.store_warnings.append(message)
        self.audit_details.setdefault("store_warnings", []).append(message)
        self.err.print(f"[yellow]warning:[/yellow] {escape(message)}")

    def _fallback_hint(self, error: SafeOpsError) -> str:
        """Every error says what to do next; these cover the ones raised without a hint."""
        from safeops.errors import ExitCode

        if error.exit_code == ExitCode.BAD_INPUT:
            return f"See `{self.command} --help` for what it takes."
        if error.exit_code == ExitCode.ENVIRONMENT:
            return "Check that what is named above is up and reachable, then run it again."
        return "safeops stopped here on purpose: deal with the cause above before retrying."

    def error(self, error: SafeOpsError) -> None:
        """One red line and a hint on stderr; with `--json` also an error object on stdout."""
        from rich.markup import escape

        from safeops.cli.next_steps import NextSteps

        self.close()
        hint = NextSteps.of(self).in_text(error.hint or self._fallback_hint(error))
        self.audit_details.setdefault("error", error.message)
        self.err.print(f"[bold red]error:[/bold red] {escape(error.message)}")
        self.err.print(f"[yellow]hint:[/yellow] {escape(hint)}")
        if self.json_mode and not self.emitted:
            document = {
                "error": {
                    "type": type(error).__name__,
                    "message": error.message,
                    "hint": hint,
                    "exit_code": int(error.exit_code),
                }
            }
            sys.stdout.write(json.dumps(self._with_warnings(document), indent=2) + "\n")
