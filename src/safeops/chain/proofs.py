"""Read a plan's postconditions on a real chain: views after, balances before and after."""

from __future__ import annotations

from collections.abc import Sequence

from safeops.chain.jsonrpc import Call, NodeError, Reply, block_tag, data_bytes, quantity
from safeops.chain.safe_reader import Rpc, ask
from safeops.core.actions import ETH_BALANCE
from safeops.core.decoding.revert import decode_revert
from safeops.core.hexes import hex0x
from safeops.core.plan import Postcondition
from safeops.core.rehearsal import (
    CheckResult,
    evaluate_balance,
    evaluate_view,
    split_postconditions,
    view_calldata,
)
from safeops.errors import RpcUnavailable


def _balance_call(postcondition: Postcondition, block: int) -> Call:
    if postcondition.call == ETH_BALANCE:
        return ("eth_getBalance", [postcondition.target, block_tag(block)])
    call = {"to": postcondition.target, "data": hex0x(view_calldata(postcondition))}
    return ("eth_call", [call, block_tag(block)])


def _balance(rpc: Rpc, postcondition: Postcondition, reply: Reply) -> int:
    from eth_abi.abi import decode

    if postcondition.call == ETH_BALANCE:
        return int(ask(rpc, "eth_getBalance", lambda: quantity(reply.value())))
    raw = ask(rpc, "balanceOf", lambda: data_bytes(reply.value()))
    return int(decode(["uint256"], raw)[0])


def read_balances(rpc: Rpc, postconditions: Sequence[Postcondition], block: int) -> list[int]:
    """The balances the balance-change postconditions watch, at `block` (before sending), in
    one batch."""
    _views, balances = split_postconditions(postconditions)
    if not balances:
        return []
    calls = [_balance_call(p, block) for p in balances]
    replies = ask(rpc, "balanceOf", lambda: rpc.node.batch(calls))
    return [_balance(rpc, p, reply) for p, reply in zip(balances, replies, strict=True)]


def _view_result(postcondition: Postcondition, reply: Reply) -> CheckResult:
    """A reverting view is a failed proof, not a crash."""
    if reply.error is None:
        try:
            return evaluate_view(postcondition, True, data_bytes(reply.result))
        except ValueError:
            return evaluate_view(postcondition, False, b"", "the node answered no data")
    data = reply.error.data
    reason = (
        decode_revert(bytes.fromhex(data[2:]))
        if isinstance(data, str) and data.startswith("0x")
        else reply.error.message
    )
    return evaluate_view(postcondition, False, b"", reason)


def prove(
    rpc: Rpc, postconditions: Sequence[Postcondition], before: Sequence[int], block: int
) -> list[CheckResult]:
    """Every postcondition at `block` (after execution), balances against `before`: one batch
    for all of them, however many (a revoke of 200 addresses checks 200 views)."""
    views, balances = split_postconditions(postconditions)
    calls: list[Call] = [
        ("eth_call", [{"to": p.target, "data": hex0x(view_calldata(p))}, block_tag(block)])
        for p in views
    ]
    calls += [_balance_call(p, block) for p in balances]
    try:
        replies = ask(rpc, "the postconditions", lambda: rpc.node.batch(calls)) if calls else []
    except RpcUnavailable as error:
        # The transaction is sent: what could not be read is a failed proof, not a crash that
        # would hide its hash.
        replies = [Reply(method, error=NodeError(method, error.message)) for method, _ in calls]
    results = [_view_result(p, reply) for p, reply in zip(views, replies, strict=False)]
    for p, start, reply in zip(balances, before, replies[len(views) :], strict=True):
        results.append(evaluate_balance(p, start, _balance(rpc, p, reply)))
    return results
