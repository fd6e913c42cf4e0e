"""The RPC pool's rules without a node: lag tolerance, failover warnings, all-down errors."""

from __future__ import annotations

from typing import Any, cast

import pytest

from safeops.chain.pools import RpcPools
from safeops.chain.rpc import Head, Rpc, RpcDown, RpcPool, far_behind
from safeops.errors import ExitCode, RpcUnavailable

A = Rpc("https://a.example/v2/KEY-A", cast(Any, None))
B = Rpc("https://b.example/v2/KEY-B", cast(Any, None))


def head(number: int, timestamp: int) -> Head:
    return Head(number, timestamp, b"")


@pytest.mark.parametrize(
    ("lag_blocks", "lag_s", "far"),
    [
        (0, 0, False),
        (4, 600, False),  # many seconds, few blocks: a slow chain, one block of propagation
        (500, 30, False),  # many blocks, little time: a 60 ms chain
        (5, 31, True),
        (10, 3600, True),
    ],
)
def test_far_behind_needs_both_blocks_and_seconds(lag_blocks: int, lag_s: int, far: bool) -> None:
    leader = head(1_000, 10_000)
    assert far_behind(leader, head(1_000 - lag_blocks, 10_000 - lag_s)) is far


def _down_on_a(rpc: Rpc) -> int:
    if rpc is A:
        raise RpcDown(f"RPC {rpc.label} failed on eth_call (connection failed)")
    return 7


def test_a_member_that_goes_down_is_dropped_with_warnings() -> None:
    warnings: list[str] = []
    pool = RpcPool(1, 2, [A, B], warnings.append)
    assert pool.each("eth_call", _down_on_a) == [(B, 7)]
    assert pool.primary is B
    assert warnings == [
        "RPC https://a.example/… failed on eth_call (connection failed): dropped, continuing "
        "with https://b.example/…",
        "only https://b.example/… answers of the 2 RPCs of chain 1: its reads are not "
        "cross-checked",
    ]
    pool.each("eth_call", _down_on_a)
    assert len(warnings) == 2  # each said once


def test_the_last_member_going_down_is_exit_3() -> None:
    pool = RpcPool(1, 1, [A], lambda _: None)
    with pytest.raises(RpcUnavailable) as caught:
        pool.each("eth_call", _down_on_a)
    assert caught.value.exit_code == ExitCode.ENVIRONMENT
    assert caught.value.message == (
        "no RPC of chain 1 answers eth_call any more: RPC https://a.example/… failed on "
        "eth_call (connection failed)"
    )
    with pytest.raises(RpcUnavailable, match="no RPC of chain 1 answers any more"):
        _ = pool.primary


def test_a_node_error_is_not_a_failover() -> None:
    """An answer that is an error is what the cross-check judges: it stops, nothing dropped."""

    def refuses(rpc: Rpc) -> int:
        raise RpcUnavailable(f"RPC {rpc.label} failed on eth_call (Web3RPCError)")

    pool = RpcPool(1, 2, [A, B], lambda _: None)
    with pytest.raises(RpcUnavailable, match=r"a\.example"):
        pool.each("eth_call", refuses)
    assert pool.members == [A, B]


def test_pools_say_each_warning_once_and_keep_them() -> None:
    said: list[str] = []
    pools = RpcPools(said.append)
    pools._warn("one")
    pools._warn("one")
    pools._warn("two")
    assert said == pools.warnings == ["one", "two"]


def test_the_run_pins_its_block_once_from_the_health_checks_heads() -> None:
    """The heads read with the chain ids pin the run: no request (these RPCs have no node
    behind them), and every later read of the run gets the same pin."""
    at_103 = Head(103, 990, b"\x03" * 32)
    pool = RpcPool(1, 2, [A, B], lambda _: None, [(A, at_103), (B, at_103)])
    pin = pool.pin()
    assert pin.block == 103
    assert pin.hashes == ((A, at_103.hash), (B, at_103.hash))
    assert pool.pin() is pin
