"""Read a Safe's live configuration from every configured RPC at one pinned block."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

# `x as x` re-exports: fork, reads and proofs reach the RPC basics through this module.
from safeops.chain.jsonrpc import Call, Reply, block_tag, data_bytes, quantity
from safeops.chain.pools import RpcPools
from safeops.chain.rpc import Rpc as Rpc
from safeops.chain.rpc import RpcPool, Warn
from safeops.chain.rpc import ask as ask
from safeops.chain.rpc import connect as connect
from safeops.core.decoding.selectors import encode_call
from safeops.core.hexes import hex0x
from safeops.core.safe_state import (
    FALLBACK_HANDLER_SLOT,
    GUARD_SLOT,
    MODULE_GUARD_SLOT,
    SINGLETON_SLOT,
    SafeState,
)
from safeops.errors import ChainMismatch, RpcDisagreement, RpcUnavailable

if TYPE_CHECKING:
    from eth_typing import ChecksumAddress

SENTINEL = "0x0000000000000000000000000000000000000001"
MAX_MODULES = 100


def check_chain_ids(rpcs: Sequence[Rpc], chain_id: int) -> None:
    for rpc in rpcs:
        served = ask(rpc, "eth_chainId", lambda r=rpc: quantity(r.node.request("eth_chainId")))
        if served != chain_id:
            raise ChainMismatch(
                f"RPC {rpc.label} serves chain {served}, the policy says {chain_id}",
                hint="Point the policy's rpc at a node of the right chain.",
            )


def pinned_block(rpcs: Sequence[Rpc]) -> int:
    """The newest block every RPC has: reads at one height are comparable."""
    return min(
        int(ask(rpc, "eth_blockNumber", lambda r=rpc: quantity(r.node.request("eth_blockNumber"))))
        for rpc in rpcs
    )


def checksummed(address: str) -> ChecksumAddress:
    from eth_utils.address import to_checksum_address

    return to_checksum_address(address)


def _decoded(rpc: Rpc, reply: Reply, signature: str, outputs: list[str]) -> Any:
    from eth_abi.abi import decode
    from eth_abi.exceptions import DecodingError

    raw = ask(rpc, signature, lambda: data_bytes(reply.value()))
    try:
        return decode(outputs, raw)
    except DecodingError:  # a node that answers garbage is as unusable as one that errs
        raise RpcUnavailable(
            f"RPC {rpc.label} answered {signature} with data that does not decode",
            hint="Check that the address is a Safe and that the node is sound.",
        ) from None


def _word(rpc: Rpc, reply: Reply) -> bytes:
    return ask(rpc, "eth_getStorageAt", lambda: data_bytes(reply.value()))  # type: ignore[no-any-return]


# The views and slots of one read, in the order of the batch after eth_getCode.
_VIEWS: tuple[tuple[str, list[str], tuple[object, ...]], ...] = (
    ("VERSION()", ["string"], ()),
    ("getOwners()", ["address[]"], ()),
    ("getThreshold()", ["uint256"], ()),
    ("nonce()", ["uint256"], ()),
    (
        "getModulesPaginated(address,uint256)",
        ["address[]", "address"],
        (SENTINEL, MAX_MODULES),
    ),
)
_SLOTS = (SINGLETON_SLOT, GUARD_SLOT, FALLBACK_HANDLER_SLOT, MODULE_GUARD_SLOT)


def safe_read_calls(safe: str, block: int) -> list[Call]:
    """The requests of one full read of `safe` at `block`: its code, five views, four slots."""
    tag = block_tag(block)
    calls: list[Call] = [("eth_getCode", [safe, tag])]
    calls += [
        ("eth_call", [{"to": safe, "data": hex0x(encode_call(signature, *args))}, tag])
        for signature, _outputs, args in _VIEWS
    ]
    calls += [("eth_getStorageAt", [safe, hex(slot), tag]) for slot in _SLOTS]
    return calls


def read_safe(rpc: Rpc, safe: str, block: int) -> SafeState | None:
    """The Safe's state at `block` through `rpc`, in one JSON-RPC batch (one round trip);
    None when there is no contract there."""
    from eth_utils.address import to_checksum_address

    replies = ask(rpc, "the Safe's state", lambda: rpc.node.batch(safe_read_calls(safe, block)))
    code = ask(rpc, "eth_getCode", lambda: data_bytes(replies[0].value()))
    if not code:
        return None
    views = [
        _decoded(rpc, reply, signature, outputs)
        for reply, (signature, outputs, _args) in zip(replies[1:6], _VIEWS, strict=True)
    ]
    (version,), (owners,), (threshold,), (nonce,), (modules, _next) = views
    singleton, guard, fallback_handler, module_guard = (
        to_checksum_address(_word(rpc, reply)[-20:]) for reply in replies[6:]
    )
    return SafeState(
        address=safe,
        block=block,
        version=str(version),
        owners=tuple(to_checksum_address(o) for o in owners),
        threshold=int(threshold),
        nonce=int(nonce),
        singleton=singleton,
        modules=tuple(to_checksum_address(m) for m in modules),
        guard=guard,
        fallback_handler=fallback_handler,
        module_guard=module_guard,
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


def read_safe_agreed(pool: RpcPool, safe: str, *, fresh: bool = False) -> SafeState | None:
    """Read `safe` through every RPC of `pool` at one block (docs/security.md check 6): a field on
    which two disagree is named and stops the flow; so does another hash for that block.

    The block is the run's pin, so every step of a run shares one read; `fresh` pins the
    latest block instead, for the step that must see the chain as it is when it acts."""
    pin = pool.fresh_pin() if fresh else pool.pin()
    with pool.lock:
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
    with pool.lock:
        pool.safe_states[(safe, pin.block)] = first
    return first


def read_safe_everywhere(
    urls: Sequence[str], chain_id: int, safe: str, warn: Warn | None = None
) -> SafeState | None:
    """`read_safe_agreed` through a pool of its own, for a one-off read."""
    return read_safe_agreed(RpcPools(warn).open(urls, chain_id), safe)
