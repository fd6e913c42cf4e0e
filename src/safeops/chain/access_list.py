"""Ask the origin what a plan's transaction touches (`eth_createAccessList`), so that a
rehearsal fork can fetch all of it at once instead of one slot per round trip."""

from __future__ import annotations

from collections.abc import Sequence

from safeops.chain.jsonrpc import block_tag
from safeops.chain.rpc import Rpc, ask
from safeops.core.rehearsal.warm import (
    Prefetch,
    access_list_calls,
    from_access_lists,
    merge,
    safe_prefetch,
)
from safeops.core.safe_state import SafeState
from safeops.core.transactions.safe_tx import SafeTx, SafeTxHash
from safeops.errors import RpcUnavailable


def rehearsal_prefetch(
    rpc: Rpc, txs: Sequence[tuple[SafeTx, SafeTxHash]], state: SafeState, block: int
) -> Prefetch:
    """The accounts and slots a rehearsal of `txs` on a fork at `block` will read: the Safe's
    own, and what `eth_createAccessList` names for their calls, all asked in one batch. A node
    that refuses (no such method, a revert) only leaves the list shorter: the fork fetches what
    is missing as it runs."""
    calls = [
        call for tx, safe_tx_hash in txs for call in access_list_calls(tx, state, safe_tx_hash)
    ]
    requests = [("eth_createAccessList", [call, block_tag(block)]) for call in calls]
    try:
        replies = ask(rpc, "eth_createAccessList", lambda: rpc.node.batch(requests))
    except RpcUnavailable:
        replies = []
    answers = [reply.result for reply in replies if reply.error is None]
    targets = {str(call["to"]).lower(): frozenset[int]() for call in calls}
    safes = [safe_prefetch(state, safe_tx_hash, block) for _, safe_tx_hash in txs]
    return merge(*safes, targets, from_access_lists(answers))
