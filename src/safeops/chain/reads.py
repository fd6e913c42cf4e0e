"""Small chain reads that plans need: the block gas limit and a holder's token balances."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from safeops.chain.safe_reader import Rpc, ask, checksummed, connect, pinned_block
from safeops.core.selectors import encode_call


def block_gas_limit(urls: Sequence[str]) -> int:
    """The smallest gas limit among the RPCs' latest blocks: plans must fit every node's view."""
    return min(
        int(
            ask(rpc, "eth_getBlockByNumber", lambda r=rpc: r.w3.eth.get_block("latest"))["gasLimit"]
        )
        for rpc in connect(urls)
    )


def balances(urls: Sequence[str], holder: str, tokens: Mapping[str, str]) -> dict[str, int]:
    """`holder`'s balance of each token (name -> address; the zero address is ETH) at one block."""
    from eth_abi.abi import decode

    rpc: Rpc = connect(urls)[0]
    block = pinned_block([rpc])
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
