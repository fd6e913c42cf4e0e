"""Refuse a Safe transaction that would call or delegatecall an account without the right code."""

from __future__ import annotations

from safeops.chain.code import read_code_hashes
from safeops.chain.rpc import RpcPools
from safeops.core.code_checks import code_problems, tx_expectations
from safeops.core.policy import Policy, SafeEntry
from safeops.core.safe_tx import SafeTx
from safeops.errors import Refused


def require_code(
    policy: Policy, safe: SafeEntry, tx: SafeTx, rpcs: RpcPools, block: int | None = None
) -> None:
    """Every contract `tx` calls (targets, allow-lists, vaults, tokens) has code at `block`
    (default: the pool's pinned block), and every library it delegatecalls has the runtime
    code of an official Safe deployment; otherwise Refused naming the first address."""
    expectations = tx_expectations(policy, safe, tx)
    pool = rpcs.open(safe.rpc, safe.chain_id)
    at = pool.pin().block if block is None else block
    hashes = read_code_hashes(pool, [e.address for e in expectations], at)
    problems = code_problems(expectations, hashes)
    if problems:
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        raise Refused(
            f"{problems[0].message}, at block {at} of chain {safe.chain_id}{more}",
            hint="Nothing was done. Check the policy's addresses and chain (`safeops policy "
            "check`); a Safe whose libraries live elsewhere names them in `libraries`.",
        )
