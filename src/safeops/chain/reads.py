"""Small chain reads that plans need: the block gas limit and a holder's token balances."""

from __future__ import annotations

from collections.abc import Mapping

from safeops.chain.jsonrpc import Call, block_tag, data_bytes, quantity
from safeops.chain.rpc import Rpc, RpcPool
from safeops.chain.safe_reader import ask
from safeops.core.decoding.selectors import encode_call
from safeops.core.hexes import hex0x
from safeops.errors import RpcDisagreement


def block_gas_limit(pool: RpcPool) -> int:
    """The smallest gas limit among the RPCs' latest blocks: plans must fit every node's view."""
    blocks = pool.each(
        "eth_getBlockByNumber",
        lambda rpc: ask(
            rpc,
            "eth_getBlockByNumber",
            lambda: quantity(
                rpc.node.request("eth_getBlockByNumber", ["latest", False])["gasLimit"]
            ),
        ),
    )
    return min(int(limit) for _, limit in blocks)


def balances(pool: RpcPool, holder: str, tokens: Mapping[str, str]) -> dict[str, int]:
    """`holder`'s balance of each token (name -> address; the zero address is ETH) at the run's
    block, in one batch through the primary RPC: balances size a withdrawal, the Safe's state
    authorises it."""
    from eth_abi.abi import decode

    rpc = pool.primary
    tag = block_tag(pool.pin().block)
    calls: list[Call] = [
        ("eth_getBalance", [holder, tag])
        if int(token, 16) == 0
        else (
            "eth_call",
            [{"to": token, "data": hex0x(encode_call("balanceOf(address)", holder))}, tag],
        )
        for token in tokens.values()
    ]
    replies = ask(rpc, "balanceOf", lambda: rpc.node.batch(calls))
    found: dict[str, int] = {}
    for (name, token), reply in zip(tokens.items(), replies, strict=True):
        if int(token, 16) == 0:
            found[name] = ask(rpc, "eth_getBalance", lambda r=reply: quantity(r.value()))
        else:
            raw = ask(rpc, "balanceOf", lambda r=reply: data_bytes(r.value()))
            found[name] = int(decode(["uint256"], raw)[0])
    return found


def _hash_of(rpc: Rpc, number: int) -> str | None:
    def read() -> str | None:
        header = rpc.node.request("eth_getBlockByNumber", [block_tag(number), False])
        return None if header is None else hex0x(data_bytes(header["hash"]))

    result: str | None = ask(rpc, "eth_getBlockByNumber", read)
    return result


def block_hash(pool: RpcPool, number: int) -> str | None:
    """Block `number`'s hash as every RPC of the pool serves it (None: not mined yet); RPCs
    that disagree stop the flow, as for every other cross-checked read. The block the pool
    pinned last (the run's, or execute's fresh one) had its hash read from every RPC then: it
    is not asked again."""
    pinned = pool.last_pin
    if pinned is not None and pinned.block == number and pinned.hashes:
        pinned.require_one_chain()
        return hex0x(pinned.hashes[0][1])
    answers = pool.each("eth_getBlockByNumber", lambda rpc: _hash_of(rpc, number))
    (first, mine), *others = answers
    for rpc, theirs in others:
        if theirs != mine:
            raise RpcDisagreement(
                f"RPCs {first.label} and {rpc.label} disagree on block {number}: "
                f"{mine} vs {theirs}",
                hint="One of them serves another fork of the chain: check each provider.",
            )
    return mine
