"""Stacking: which pending proposals run on the fork before the plan, in which order."""

from __future__ import annotations

from collections.abc import Sequence

from safeops.core.transactions.safe_tx import SafeTxHash
from safeops.errors import Refused


def nonce_moved(onchain: int, planned: int) -> str:
    return f"the Safe's nonce on chain is {onchain}, the plan was built for {planned}"


def stack_order(
    onchain: int, planned: int, pending: Sequence[tuple[int, SafeTxHash]]
) -> list[SafeTxHash]:
    """The safeTxHashes of the pending proposals `(nonce, hash)` to execute before the plan.

    Every nonce from the on-chain one up to the plan's must be held by exactly one proposal:
    with two, nobody knows which will execute; with none, the plan cannot execute at all.
    """
    if planned < onchain:
        raise Refused(nonce_moved(onchain, planned), hint="The plan is stale: build a new one.")
    by_nonce: dict[int, list[SafeTxHash]] = {}
    for nonce, safe_tx_hash in pending:
        if onchain <= nonce < planned:
            by_nonce.setdefault(nonce, []).append(safe_tx_hash)
    alone = "or rehearse this plan alone with --no-stack."
    for nonce in sorted(by_nonce):
        if len(by_nonce[nonce]) > 1:
            raise Refused(
                f"{len(by_nonce[nonce])} pending proposals share nonce {nonce} "
                f"({', '.join(map(str, sorted(by_nonce[nonce])))}): only one of them can execute",
                hint=f"Resolve the conflict in the proposal store, {alone}",
            )
    if gaps := [n for n in range(onchain, planned) if n not in by_nonce]:
        raise Refused(
            f"{nonce_moved(onchain, planned)}, and no pending proposal holds nonce "
            f"{', '.join(map(str, gaps))}",
            hint=f"Propose the missing transactions first, {alone}",
        )
    return [by_nonce[n][0] for n in range(onchain, planned)]
