"""Read the runtime code hash of contracts from every RPC of a chain at one pinned block."""

from __future__ import annotations

from collections.abc import Sequence

from safeops.chain.rpc import Rpc, RpcPool, ask
from safeops.errors import RpcDisagreement


def code_hash(rpc: Rpc, address: str, block: int) -> str | None:
    """keccak256 of the code at `address` (0x-hex), or None when there is none."""
    from eth_hash.auto import keccak
    from eth_utils.address import to_checksum_address

    code = ask(rpc, "eth_getCode", lambda: rpc.w3.eth.get_code(to_checksum_address(address), block))
    return "0x" + keccak(bytes(code)).hex() if code else None


def read_code_hashes(pool: RpcPool, addresses: Sequence[str], block: int) -> dict[str, str | None]:
    """Each address's code hash at `block`, the same from every RPC of `pool` (SECURITY.md
    check 6): an RPC that shows other code, or none, stops the flow. Read once per run."""
    wanted = [a for a in dict.fromkeys(addresses) if (a, block) not in pool.code_hashes]
    if wanted:
        (first_rpc, first), *others = pool.each(
            "eth_getCode", lambda rpc: {a: code_hash(rpc, a, block) for a in wanted}
        )
        for rpc, theirs in others:
            differ = [a for a in wanted if theirs[a] != first[a]]
            if differ:
                raise RpcDisagreement(
                    f"RPCs {first_rpc.label} and {rpc.label} disagree on the code at "
                    f"{', '.join(differ)} at block {block}",
                    hint="One of them lies or serves another chain: check each provider.",
                )
        pool.code_hashes.update({(a, block): first[a] for a in wanted})
    return {a: pool.code_hashes[(a, block)] for a in addresses}
