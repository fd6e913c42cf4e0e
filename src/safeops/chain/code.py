"""Read the runtime code hash of contracts from every RPC of a chain at one pinned block."""

from __future__ import annotations

from collections.abc import Sequence

from safeops.chain.jsonrpc import block_tag, data_bytes
from safeops.chain.rpc import Rpc, RpcPool, ask
from safeops.errors import RpcDisagreement


def code_hashes(rpc: Rpc, addresses: Sequence[str], block: int) -> dict[str, str | None]:
    """keccak256 of the code at each address (0x-hex), or None when there is none: one batch."""
    from eth_hash.auto import keccak

    calls = [("eth_getCode", [address, block_tag(block)]) for address in addresses]
    replies = ask(rpc, "eth_getCode", lambda: rpc.node.batch(calls))
    found: dict[str, str | None] = {}
    for address, reply in zip(addresses, replies, strict=True):
        code = ask(rpc, "eth_getCode", lambda r=reply: data_bytes(r.value()))
        found[address] = "0x" + keccak(code).hex() if code else None
    return found


def read_code_hashes(pool: RpcPool, addresses: Sequence[str], block: int) -> dict[str, str | None]:
    """Each address's code hash at `block`, the same from every RPC of `pool` (SECURITY.md
    check 6): an RPC that shows other code, or none, stops the flow. Read once per run."""
    wanted = [a for a in dict.fromkeys(addresses) if (a, block) not in pool.code_hashes]
    if wanted:
        (first_rpc, first), *others = pool.each(
            "eth_getCode", lambda rpc: code_hashes(rpc, wanted, block)
        )
        for rpc, theirs in others:
            differ = [a for a in wanted if theirs[a] != first[a]]
            if differ:
                raise RpcDisagreement(
                    f"RPCs {first_rpc.label} and {rpc.label} disagree on the code at "
                    f"{', '.join(differ)} at block {block}",
                    hint="One of them lies or serves another chain: check each provider.",
                )
        with pool.lock:
            pool.code_hashes.update({(a, block): first[a] for a in wanted})
    with pool.lock:
        return {a: pool.code_hashes[(a, block)] for a in addresses}
