"""The chain's word on owner confirmations: `approvedHashes` and EIP-1271 answers at one block.

An approved hash counts only if the owner called `approveHash` (or executes itself); a contract
owner's signature only if its `isValidSignature` accepts it, asked exactly as the Safe will ask
it during execution (from the Safe, with the Safe version's own variant). Every RPC of the pool
is asked at the pinned block; two that disagree stop the flow, as for the Safe's state.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from safeops.chain.jsonrpc import NodeError, block_tag, data_bytes
from safeops.chain.rpc import RpcPool, ask
from safeops.chain.safe_reader import Rpc
from safeops.core.decoding.selectors import encode_call
from safeops.core.hexes import hex0x
from safeops.core.policy import SignatureKinds
from safeops.core.transactions.confirmations import (
    ChainFacts,
    Claim,
    Classification,
    Skipped,
    classify,
    kind_by_shape,
    needs_chain,
    read_confirmation,
    read_confirmations,
    refused_kind,
)
from safeops.core.transactions.safe_tx import SafeTx, SafeTxHashes, SafeVersion, safe_tx_hashes
from safeops.errors import BadInput, Refused, RpcDisagreement

# isValidSignature(bytes,bytes) up to Safe 1.4.1 (data = the EIP-712 preimage of the hash);
# isValidSignature(bytes32,bytes) from 1.5.0 (the hash itself, EIP-1271 proper).
LEGACY_MAGIC = bytes.fromhex("20c13b0b")
EIP1271_MAGIC = bytes.fromhex("1626ba7e")


def verify_confirmations(
    pool: RpcPool,
    tx: SafeTx,
    chain_id: int,
    version: SafeVersion,
    confirmations: Mapping[str, str | None],
    owners: Sequence[str],
    kinds: SignatureKinds,
    block: int,
    *,
    executor: str | None = None,
    unreadable: Mapping[str, str] | None = None,
) -> Classification:
    """Every confirmation of `tx` read, checked on chain where it must be, and classified.

    `unreadable` are confirmations the store could not even give (owner -> why): reported too.
    """
    hashes = safe_tx_hashes(tx, chain_id, version)
    claims, skipped = read_confirmations(confirmations, hashes.safe_tx_hash.raw)
    skipped += [Skipped(owner, reason) for owner, reason in (unreadable or {}).items()]
    approvals, contracts = needs_chain(claims, owners)
    facts = ChainFacts(
        block,
        approved=_agreed(
            pool, "approvedHashes", lambda rpc: _approved(rpc, tx.safe, hashes, approvals, block)
        ),
        valid_contract_signatures=_agreed(
            pool,
            "isValidSignature",
            lambda rpc: _valid_contracts(rpc, tx.safe, hashes, version, contracts, block),
        ),
        executor=executor,
    )
    return classify(claims, owners, kinds, facts, skipped)


def verify_imported(
    pool: RpcPool,
    tx: SafeTx,
    chain_id: int,
    version: SafeVersion,
    text: str,
    owners: Sequence[str],
    kinds: SignatureKinds,
    block: int,
) -> Claim:
    """A signature made elsewhere (a hardware wallet, protocol-kit, an on-chain approval),
    accepted only when execution would count it: malformed is exit 2, not counted exit 1."""
    kind = kind_by_shape(text)
    refused = None if kind is None else refused_kind(kind, kinds)
    if refused is not None:
        raise Refused(refused, hint="Sign the EIP-712 typed data (sign --export-typed-data).")
    read = read_confirmation(
        "imported", text, safe_tx_hashes(tx, chain_id, version).safe_tx_hash.raw
    )
    if isinstance(read, Skipped):
        raise (BadInput if read.malformed else Refused)(read.reason)
    classified = verify_confirmations(
        pool, tx, chain_id, version, {read.owner: text}, owners, kinds, block
    )
    if classified.skipped:
        raise Refused(f"the signature is {read.owner}'s: {classified.skipped[0].reason}")
    return classified.usable[0]


def _agreed(pool: RpcPool, what: str, read: Any) -> frozenset[str]:
    answers: list[tuple[Rpc, frozenset[str]]] = pool.each(what, read)
    (first_rpc, first), *others = answers
    for rpc, answer in others:
        if answer != first:
            raise RpcDisagreement(
                f"RPCs {first_rpc.label} and {rpc.label} disagree on {what}: "
                f"{sorted(first)} vs {sorted(answer)}"
            )
    return first


def _approved(
    rpc: Rpc, safe: str, hashes: SafeTxHashes, claims: Sequence[Claim], block: int
) -> frozenset[str]:
    """The claimed owners whose approvedHashes entry is set at `block`, in one batch."""
    calls = [
        (
            "eth_call",
            [
                {
                    "to": safe,
                    "data": hex0x(
                        encode_call(
                            "approvedHashes(address,bytes32)", c.owner, hashes.safe_tx_hash.raw
                        )
                    ),
                },
                block_tag(block),
            ],
        )
        for c in claims
    ]
    replies = ask(rpc, "approvedHashes", lambda: rpc.node.batch(calls)) if calls else []
    approved = set()
    for claim, reply in zip(claims, replies, strict=True):
        raw = ask(rpc, "approvedHashes", lambda r=reply: data_bytes(r.value()))
        if int.from_bytes(raw, "big"):
            approved.add(claim.owner)
    return frozenset(approved)


def _valid_contracts(
    rpc: Rpc,
    safe: str,
    hashes: SafeTxHashes,
    version: SafeVersion,
    claims: Sequence[Claim],
    block: int,
) -> frozenset[str]:
    valid = set()
    for claim in claims:
        if version.number >= (1, 5, 0):
            data = encode_call(
                "isValidSignature(bytes32,bytes)", hashes.safe_tx_hash.raw, claim.data
            )
            magic = EIP1271_MAGIC
        else:
            preimage = b"\x19\x01" + hashes.domain_hash + hashes.message_hash
            data = encode_call("isValidSignature(bytes,bytes)", preimage, claim.data)
            magic = LEGACY_MAGIC
        answer = _call_or_revert(rpc, claim.owner, safe, data, block)
        if answer is not None and answer[:4] == magic:
            valid.add(claim.owner)
    return frozenset(valid)


def _call_or_revert(rpc: Rpc, to: str, sender: str, data: bytes, block: int) -> bytes | None:
    """The call's return data; None when the contract reverts (it refuses the signature).
    Any other failure is the node's, and stops the flow like every RPC failure."""
    call = {"to": to, "from": sender, "data": hex0x(data)}

    def run() -> bytes | None:
        try:
            return data_bytes(rpc.node.request("eth_call", [call, block_tag(block)]))
        except NodeError as error:
            # Execution reverted: code 3 (geth, anvil), or a message saying so.
            if error.code == 3 or "revert" in error.message.lower():
                return None
            raise

    result: bytes | None = ask(rpc, "isValidSignature", run)
    return result
