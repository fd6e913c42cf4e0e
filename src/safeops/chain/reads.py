"""Small chain reads that plans need: the block gas limit and a holder's token balances."""

from __future__ import annotations

from collections.abc import Mapping

from safeops.chain.rpc import Rpc, RpcPool
from safeops.chain.safe_reader import ask, checksummed
from safeops.core.selectors import encode_call
from safeops.errors import RpcDisagreement


def block_gas_limit(pool: RpcPool) -> int:
    """The smallest gas limit among the RPCs' latest blocks: plans must fit every node's view."""
    blocks = pool.each(
        "eth_getBlockByNumber",
        lambda rpc: ask(rpc, "eth_getBlockByNumber", lambda: rpc.w3.eth.get_block("latest")),
    )
    return min(int(block["gasLimit"]) for _, block in blocks)


def balances(pool: RpcPool, holder: str, tokens: Mapping[str, str]) -> dict[str, int]:
    """`holder`'s balance of each token (name -> address; the zero address is ETH) at one block,
    through the primary RPC: balances size a withdrawal, the Safe's state authorises it."""
    from eth_abi.abi import decode

    rpc = pool.primary
    block = int(ask(rpc, "eth_blockNumber", lambda: rpc.w3.eth.block_number))
    found: dict[str, int] = {}
    for name, token in tokens.items():
        if int(token, 16) == 0:
            found[name] = int(
                ask(
                    rpc,
                    "eth_getBalance",
                    lambda: rpc.w3.eth.get_balance(checksummed(holder), block),
                )
            )
            continue
        call = {"to": checksummed(token), "data": encode_call("balanceOf(address)", holder)}
        raw = ask(rpc, "balanceOf", lambda c=call: rpc.w3.eth.call(c, block))
        found[name] = int(decode(["uint256"], bytes(raw))[0])
    return found


def _hash_of(rpc: Rpc, number: int) -> str | None:
    from web3.exceptions import BlockNotFound

    def read() -> str | None:
        try:
            header = rpc.w3.eth.get_block(number)
        except BlockNotFound:
            return None
        return "0x" + bytes(header["hash"]).hex()

    result: str | None = ask(rpc, "eth_getBlockByNumber", read)
    return result


def block_hash(pool: RpcPool, number: int) -> str | None:
    """Block `number`'s hash as every RPC of the pool serves it (None: not mined yet); RPCs
    that disagree stop the flow, as for every other cross-checked read."""
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
