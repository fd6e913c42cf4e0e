"""Read a Safe's live configuration from every configured RPC at one pinned block."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from safeops.core.safe_state import (
    FALLBACK_HANDLER_SLOT,
    GUARD_SLOT,
    MODULE_GUARD_SLOT,
    SINGLETON_SLOT,
    SafeState,
)
from safeops.core.selectors import encode_call
from safeops.core.urls import redact_url
from safeops.errors import ChainMismatch, RpcDisagreement, RpcUnavailable

if TYPE_CHECKING:
    from eth_typing import ChecksumAddress
    from web3 import Web3

RPC_TIMEOUT_S = 10
SENTINEL = "0x0000000000000000000000000000000000000001"
MAX_MODULES = 100


@dataclass(frozen=True)
class Rpc:
    """One RPC endpoint; `label` is the redacted URL, safe to print."""

    url: str
    w3: Web3

    @property
    def label(self) -> str:
        return redact_url(self.url)


def connect(urls: Sequence[str]) -> list[Rpc]:
    from web3 import Web3

    return [
        Rpc(url, Web3(Web3.HTTPProvider(url, request_kwargs={"timeout": RPC_TIMEOUT_S})))
        for url in urls
    ]


def ask(rpc: Rpc, what: str, call: Any) -> Any:
    """Run one RPC request; any transport or node failure becomes an exit-3 error."""
    try:
        return call()
    except Exception as error:
        raise RpcUnavailable(
            f"RPC {rpc.label} failed on {what} ({type(error).__name__})",
            hint="Check the RPC URL and that the node is reachable.",
        ) from None


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

    data = encode_call(signature, *args)
    raw = ask(
        rpc,
        signature,
        lambda: rpc.w3.eth.call({"to": checksummed(safe), "data": data}, block),
    )
    return decode(outputs, bytes(raw))


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


def read_safe_everywhere(urls: Sequence[str], chain_id: int, safe: str) -> SafeState | None:
    """Read `safe` from every RPC at one block; any disagreement between them stops the flow."""
    rpcs = connect(urls)
    check_chain_ids(rpcs, chain_id)
    block = pinned_block(rpcs)
    first, *others = [(rpc, read_safe(rpc, safe, block)) for rpc in rpcs]
    for rpc, state in others:
        if state != first[1]:
            fields = state.differences(first[1]) if state and first[1] else ["contract code"]
            raise RpcDisagreement(
                f"RPCs {first[0].label} and {rpc.label} disagree on Safe {safe} at block "
                f"{block}: {', '.join(fields)}"
            )
    return first[1]
