"""The SafeOpsError tree: every error knows its exit code and a hint for the operator."""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """Exit codes of the CLI contract (README.md)."""

    OK = 0
    REFUSED = 1
    BAD_INPUT = 2
    ENVIRONMENT = 3
    INTERRUPTED = 130  # 128 + SIGINT, what shells report for Ctrl-C
    TERMINATED = 143  # 128 + SIGTERM


class SafeOpsError(Exception):
    """Base of every error safeops reports to the operator.

    The message is one line and never holds a secret; the hint says what to do next.
    """

    exit_code: ExitCode = ExitCode.REFUSED
    default_hint: str = ""

    def __init__(
        self, message: str, *, hint: str | None = None, exit_code: ExitCode | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.hint = self.default_hint if hint is None else hint
        if exit_code is not None:
            self.exit_code = exit_code

    def __str__(self) -> str:
        return self.message


class Refused(SafeOpsError):
    """safeops will not do this: a policy violation, a danger check or a failed proof."""

    exit_code = ExitCode.REFUSED


class HashMismatch(Refused):
    """A hash given from outside differs from the one safeops computed itself."""

    default_hint = "Do not sign: the transaction is not what its hash claims. Rebuild it locally."


class BadInput(SafeOpsError):
    """The operator's input is malformed: usage, file, address, amount."""

    exit_code = ExitCode.BAD_INPUT


class InvalidAddress(BadInput):
    """An address that is malformed or lacks its EIP-55 checksum."""

    default_hint = "Copy the address in its EIP-55 checksummed form from a trusted source."


class UnsupportedSafeVersion(BadInput):
    """A Safe version whose hashing rules safeops does not know."""


class EnvironmentProblem(SafeOpsError):
    """Something outside safeops is missing or unreachable: RPC, anvil, Vault, keyring."""

    exit_code = ExitCode.ENVIRONMENT


class ToolMissing(EnvironmentProblem):
    """A program safeops needs (anvil, node) is not installed."""


class RpcUnavailable(EnvironmentProblem):
    """A JSON-RPC endpoint cannot be reached or answers with errors."""

    default_hint = (
        "Check the RPC URL and that the node answers; with two RPCs per Safe in the policy, "
        "safeops fails over to the second."
    )


class DevnetError(EnvironmentProblem):
    """The local devnet could not be started, reached or stopped."""

    default_hint = (
        "A local anvil (the devnet or a rehearsal fork) failed; no real chain was touched. "
        "Run the command again, with --debug to see why."
    )


class RpcDisagreement(EnvironmentProblem):
    """Two configured RPCs give different answers for the same block: one of them lies."""

    default_hint = "Do not proceed on this data: check each RPC provider before retrying."


class ChainMismatch(EnvironmentProblem):
    """An RPC serves another chain than the policy names."""

    default_hint = "Point the policy's rpc at a node of the chain its chain_id names."
