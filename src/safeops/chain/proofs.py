"""Read a plan's postconditions on a real chain: views after, balances before and after."""

from __future__ import annotations

from collections.abc import Sequence

from safeops.chain.safe_reader import Rpc, ask, checksummed
from safeops.core.actions import ETH_BALANCE
from safeops.core.plan import Postcondition
from safeops.core.rehearsal import (
    CheckResult,
    evaluate_balance,
    evaluate_view,
    split_postconditions,
    view_calldata,
)
from safeops.core.revert import decode_revert


def _balance(rpc: Rpc, postcondition: Postcondition, block: int) -> int:
    from eth_abi.abi import decode

    if postcondition.call == ETH_BALANCE:
        holder = checksummed(postcondition.target)
        return int(ask(rpc, "eth_getBalance", lambda: rpc.w3.eth.get_balance(holder, block)))
    call = {"to": checksummed(postcondition.target), "data": view_calldata(postcondition)}
    raw = ask(rpc, "balanceOf", lambda: rpc.w3.eth.call(call, block))  # type: ignore[arg-type]
    return int(decode(["uint256"], bytes(raw))[0])


def read_balances(rpc: Rpc, postconditions: Sequence[Postcondition], block: int) -> list[int]:
    """The balances the balance-change postconditions watch, at `block` (before sending)."""
    _views, balances = split_postconditions(postconditions)
    return [_balance(rpc, p, block) for p in balances]


def prove(
    rpc: Rpc, postconditions: Sequence[Postcondition], before: Sequence[int], block: int
) -> list[CheckResult]:
    """Every postcondition at `block` (after execution); balances against `before`."""
    views, balances = split_postconditions(postconditions)
    results = []
    for p in views:
        call = {"to": checksummed(p.target), "data": view_calldata(p)}
        try:
            raw = bytes(rpc.w3.eth.call(call, block))  # type: ignore[arg-type]
            results.append(evaluate_view(p, True, raw))
        except Exception as error:  # a reverting view is a failed proof, not a crash
            data = getattr(error, "data", None)
            reason = (
                decode_revert(bytes.fromhex(data[2:]))
                if isinstance(data, str) and data.startswith("0x")
                else type(error).__name__
            )
            results.append(evaluate_view(p, False, b"", reason))
    for p, start in zip(balances, before, strict=True):
        results.append(evaluate_balance(p, start, _balance(rpc, p, block)))
    return results
