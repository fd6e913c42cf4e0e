"""Read a Safe's live configuration from every configured RPC at one pinned block."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

# `x as x` re-exports: fork, reads and proofs reach the RPC basics through this module.
from safeops.chain.rpc import Rpc as Rpc
from safeops.chain.rpc import RpcPool, RpcPools, Warn
from safeops.chain.rpc import ask as ask
from safeops.chain.rpc import connect as connect
from safeops.core.safe_state import (
    FALLBACK_HANDLER_SLOT,
    GUARD_SLOT,
    MODULE_GUARD_SLOT,
    SINGLETON_SLOT,
    SafeState,
)
from safeops.core.selectors import encode_call
from safeops.errors import ChainMismatch, RpcDisagreement, RpcUnavailable

if TYPE_CHECKING:
    from eth_typing import ChecksumAddress

SENTINEL = "0x0000000000000000000000000000000000000001"
MAX_MODULES = 100


def check_chain_ids(rpcs: Sequence[Rpc], chain_id: int) -> None:
    for rpc in rpcs:
        served = ask(rpc, "eth_chainId", lambda r=rpc: r.w3.eth.chain_id)
        if served != chain_id:
            raise ChainMismatch(
                f"RPC {rpc.label} serves chain {served}, the policy says {chain_id}",
                hint="Point the policy's rpc at a node of the right chain.",
            )


def pinned_block(rpcs: Sequence[Rpc]) -> int:
    """The newest block every RPC has: reads at one height are comparable."""
    return min(
        int(ask(rpc, "eth_blockNumber", lambda r=rpc: r.w3.eth.block_number)) for rpc in rpcs
    )


def checksummed(address: str) -> ChecksumAddress:
    from eth_utils.address import to_checksum_address

    return to_checksum_address(address)


def _view(rpc: Rpc, safe: str, signature: str, outputs: list[str], block: int, *args: Any) -> Any:
    from eth_abi.abi import decode
    from eth_abi.exceptions import DecodingError

    data = encode_call(signature, *args)
    raw = ask(
        rpc,
        signature,
        lambda: rpc.w3.eth.call({"to": checksummed(safe), "data": data}, block),
    )
    try:
        return decode(outputs, bytes(raw))
    except DecodingError:  # a node that answers garbage is as unusable as one that errs
        raise RpcUnavailable(
            f"RPC {rpc.label} answered {signature} with data that does not decode",
            hint="Check that the address is a Safe and that the node is sound.",
        ) from None


def _slot_address(rpc: Rpc, safe: str, slot: int, block: int) -> str:
    from eth_utils.address import to_checksum_address

    word = ask(
        rpc, "eth_getStorageAt", lambda: rpc.w3.eth.get_storage_at(checksummed(safe), slot, block)
    )
    return str(to_checksum_address(bytes(word)[-20:]))


def read_safe(rpc: Rpc, safe: str, block: int) -> SafeState | None:
    """The Safe's state at `block` through `rpc`; None when there is no contract there."""
    from eth_utils.address import to_checksum_address

    code = ask(rpc, "eth_getCode", lambda: rpc.w3.eth.get_code(checksummed(safe), block))
    if not code:
        return None
    (version,) = _view(rpc, safe, "VERSION()", ["string"], block)
    (owners,) = _view(rpc, safe, "getOwners()", ["address[]"], block)
    (threshold,) = _view(rpc, safe, "getThreshold()", ["uint256"], block)
    (nonce,) = _view(rpc, safe, "nonce()", ["uint256"], block)
    modules, _next = _view(
        rpc,
        safe,
        "getModulesPaginated(address,uint256)",
        ["address[]", "address"],
        block,
        SENTINEL,
        MAX_MODULES,
    )
    return SafeState(
        address=safe,
        block=block,
        version=str(version),
        owners=tuple(to_checksum_address(o) for o in owners),
        threshold=int(threshold),
        nonce=int(nonce),
        singleton=_slot_address(rpc, safe, SINGLETON_SLOT, block),
        modules=tuple(to_checksum_address(m) for m in modules),
        guard=_slot_address(rpc, safe, GUARD_SLOT, block),
        fallback_handler=_slot_address(rpc, safe, FALLBACK_HANDLER_SLOT, block),
        module_guard=_slot_address(rpc, safe, MODULE_GUARD_SLOT, block),
    )


def _disagreement(field: str, mine: object, theirs: object) -> str:
    """`nonce (7 vs 8)`; for lists, what only one side has: `owners (0xA… vs 0xB…)`."""
    if isinstance(mine, tuple) and isinstance(theirs, tuple):
        only_mine = ", ".join(str(item) for item in mine if item not in theirs) or "none"
        only_theirs = ", ".join(str(item) for item in theirs if item not in mine) or "none"
        if only_mine == only_theirs == "none":
            return f"{field} (the same, in another order)"
        return f"{field} ({only_mine} vs {only_theirs})"
    return f"{field} ({mine} vs {theirs})"


def read_safe_agreed(pool: RpcPool, safe: str) -> SafeState | None:
    """Read `safe` through every RPC of `pool` at one block (docs/security.md check 6): a field on
    which two disagree is named and stops the flow; so does another hash for that block."""
    pin = pool.pin()
    if (safe, pin.block) in pool.safe_states:
        cached: SafeState | None = pool.safe_states[(safe, pin.block)]
        return cached
    (first_rpc, first), *others = pool.each(
        "the Safe's state", lambda rpc: read_safe(rpc, safe, pin.block)
    )
    for rpc, state in others:
        if state == first:
            continue
        fields = (
            [
                _disagreement(f, getattr(first, f), getattr(state, f))
                for f in first.differences(state)
            ]
            if state is not None and first is not None
            else ["contract code"]
        )
        raise RpcDisagreement(
            f"RPCs {first_rpc.label} and {rpc.label} disagree on Safe {safe} at block "
            f"{pin.block}: {', '.join(fields)}"
        )
    # Checked after the state: when both differ, the named fields are the better report.
    pin.require_one_chain()
    pool.safe_states[(safe, pin.block)] = first
    return first


def read_safe_everywhere(
    urls: Sequence[str], chain_id: int, safe: str, warn: Warn | None = None
) -> SafeState | None:
    """`read_safe_agreed` through a pool of its own, for a one-off read."""
    return read_safe_agreed(RpcPools(warn).open(urls, chain_id), safe)
