"""What a mined transaction changed, account by account: the prestate tracer in diff mode."""

from __future__ import annotations

from safeops.core.rehearsal import AccountDiff, parse_state_diff
from safeops.errors import RpcUnavailable
from safeops.fork.node import Fork


def state_diff(fork: Fork, tx_hash: str) -> dict[str, AccountDiff]:
    """Every account `tx_hash` touched and what changed in it (storage, balance, code)."""
    trace = fork.trace(tx_hash, "prestateTracer", {"diffMode": True})
    try:
        return parse_state_diff(trace)
    except ValueError as error:
        raise RpcUnavailable(f"the fork's prestate tracer answered oddly: {error}") from None
