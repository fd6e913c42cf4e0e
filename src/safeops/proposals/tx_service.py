"""The `tx-service` proposal store: the Safe Transaction Service, through safe-eth-py's client.

Unlike the local store, which keeps the whole plan, the Service keeps only the Safe transaction
and its confirmations. `get` and `pending` therefore return `StoredProposal`s without a plan
(the fields as served, the safeTxHash the Service claims, its confirmations): the workflow
rebuilds the plan from its own plan file, recomputes every hash, compares every field and
recovers every signature itself (docs/security.md checks 1, 2 and 11). Nothing served is trusted.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable, Mapping
from typing import Any, TypeVar
from urllib.parse import urlencode, urlsplit

from eth_utils.address import to_checksum_address
from safe_eth.eth import EthereumNetwork
from safe_eth.eth.ethereum_network import EthereumNetworkNotSupported
from safe_eth.safe import SafeTx as SafeEthTx
from safe_eth.safe.safe_signature import SafeSignature

from safeops.core.addresses import parse_address
from safeops.core.hexes import hex0x
from safeops.core.plan import Plan
from safeops.core.transactions.safe_tx import SafeTxHash
from safeops.core.urls import redact_url
from safeops.errors import BadInput, HashMismatch, Refused
from safeops.proposals.base import ProposalStore, StoredProposal

# Re-exported: callers know the Service's errors and proposals by this module.
from safeops.proposals.service_client import API_KEY_HINT as API_KEY_HINT
from safeops.proposals.service_client import (
    MAX_ORIGIN_LENGTH,
    ORIGIN,
    Client,
    Retrying,
)
from safeops.proposals.service_client import ServiceRejected as ServiceRejected
from safeops.proposals.service_client import ServiceUnavailable as ServiceUnavailable
from safeops.proposals.service_json import ServiceProposal as ServiceProposal
from safeops.proposals.service_json import malformed, read_page, read_proposal

T = TypeVar("T")

PAGE_SIZE = 100
MAX_PAGES = 20  # 2,000 transactions: far beyond any queue; more means something is wrong
# safe-eth-py types its client as required, but reads it only for the Safe's nonce, version and
# chain id, which we always give: no RPC is ever needed to propose.
_NO_RPC: Any = None


class ServiceStore(ProposalStore):
    """`tx-service[:URL]`: the proposals of one Safe on the Safe Transaction Service.

    Reads carry no plan: the Service keeps only the transaction and its confirmations. Requests are
    retried as `Retrying` says (429/503 as long as `Retry-After` asks, within a bound; 5xx and
    transport errors with backoff from `first_delay`); 4xx answers are final.
    """

    def __init__(
        self,
        safe: str,
        chain_id: int,
        *,
        url: str | None = None,
        api_key: str | None = None,
        tries: int = 4,
        first_delay: float = 0.2,
        timeout: int = 10,
        sleep: Callable[[float], None] = time.sleep,
        origin: str = ORIGIN,
    ) -> None:
        if tries < 1:
            raise BadInput(f"tries must be at least 1, got {tries}")
        if len(origin) > MAX_ORIGIN_LENGTH:
            raise BadInput(f"the origin sent to the Service has at most {MAX_ORIGIN_LENGTH} chars")
        self.safe = parse_address(safe, what="the Safe")
        self.chain_id = chain_id
        self.origin = origin
        try:
            self._client = Client(
                EthereumNetwork(chain_id), base_url=url, api_key=api_key, request_timeout=timeout
            )
        except EthereumNetworkNotSupported:
            raise BadInput(
                f"the Safe Transaction Service has no default URL for chain {chain_id}",
                hint='Give its URL in the policy: proposals = "tx-service:https://…".',
            ) from None
        self.display_url = self.label = redact_url(self._client.base_url)
        self._retrying = Retrying(self.display_url, tries, first_delay, sleep)

    def __repr__(self) -> str:
        return f"ServiceStore({self.safe}, chain {self.chain_id}, {self.display_url})"

    def get(self, safe_tx_hash: SafeTxHash) -> StoredProposal | None:
        """The transaction filed under `safe_tx_hash`, or None when the Service has none (or
        files it for another Safe). The Service files by hash and owner, so concurrent writes
        merge: no lock is needed."""
        found = self._get(safe_tx_hash.hex0x)
        return self._stored(found) if found is not None and found.safe == self.safe else None

    def _get(self, key: str) -> ServiceProposal | None:
        path = f"/api/v2/multisig-transactions/{key}/"
        try:
            document = self._call(f"fetch {key}", lambda: self._client.get_json(path))
        except ServiceRejected as error:
            if error.status == 404:
                return None
            raise
        return read_proposal(document)

    def put(self, plan: Plan, signatures: Mapping[str, str], proposer: str | None) -> None:
        """Propose the transaction with its proposer's signature, then add the others.

        The proposer's is `proposer`'s when it signed, else the lowest owner's. Already filed?
        Only the signatures the Service lacks are posted.
        """
        if plan.chain_id != self.chain_id:
            raise BadInput(
                f"the plan is for chain {plan.chain_id}; this store serves chain {self.chain_id}"
            )
        key = plan.safe_tx_hash.hex0x
        encoded = {
            owner: _signature_of(owner, signature, key) for owner, signature in signatures.items()
        }
        if not encoded:
            raise BadInput(
                "a proposal to the Safe Transaction Service needs its proposer's signature"
            )
        existing = self._get(key)
        if existing is None:
            first = _proposer_of(proposer, encoded)
            payload = _proposal_payload(plan, first, encoded.pop(first), self.origin)
            path = f"/api/v2/safes/{plan.tx.safe}/multisig-transactions/"
            self._call(f"propose {key}", lambda: self._client.post_json(path, payload))
        else:
            filed = {owner.lower() for owner in existing.confirmations}
            encoded = {o: s for o, s in encoded.items() if o.lower() not in filed}
        if encoded:
            self._post_signatures(key, encoded)

    def add_signature(self, plan: Plan, owner: str, signature: str) -> dict[str, str]:
        """Post `owner`'s signature of the plan (the Service ignores a repeat); returns every
        confirmation the Service lists afterwards."""
        key = plan.safe_tx_hash.hex0x
        self._post_signatures(key, {owner: _signature_of(owner, signature, key)})
        stored = self._get(key)
        return dict(stored.confirmations) if stored else {owner: signature}

    def mark_executed(self, safe_tx_hash: SafeTxHash, tx_hash: str) -> None:
        """Nothing to do: the Service learns about executions from the chain."""

    def pending(self, from_nonce: int = 0) -> list[StoredProposal]:
        """This Safe's transactions not executed, at `from_nonce` or later, by nonce.

        Only trusted ones (proposed or confirmed with an owner's or delegate's signature), as
        the Service lists by default; unsigned proposals could never be executed anyway.
        """
        filters = {"executed": "false", "nonce__gte": str(from_nonce)}
        found = self._list(self.safe, filters)
        return [self._stored(p) for p in found if p.pending and p.nonce >= from_nonce]

    def _stored(self, proposal: ServiceProposal) -> StoredProposal:
        return StoredProposal(
            proposal.tx,
            SafeTxHash.parse(proposal.claimed_safe_tx_hash),
            self.chain_id,
            dict(proposal.confirmations),
            None,
            proposal.proposer,
            # Executed per the Service even if it gives no hash: never pending again.
            (proposal.executed_tx or "(unknown transaction)") if proposal.is_executed else None,
            dict(proposal.unreadable),
        )

    def all(self) -> list[ServiceProposal]:
        """Every transaction of this store's Safe the Service lists, executed ones included."""
        return self._list(self.safe, {})

    def _list(self, safe: str, filters: dict[str, str]) -> list[ServiceProposal]:
        """Every page, following the Service's `next` links until `count` transactions are in.

        Only a `next` link's query is used, on the path asked for: the API key is never sent
        to a host or path the Service names.
        """
        path = f"/api/v2/safes/{to_checksum_address(safe)}/multisig-transactions/"
        query = urlencode({**filters, "ordering": "nonce", "limit": str(PAGE_SIZE)})
        found: dict[str, ServiceProposal] = {}
        for _ in range(MAX_PAGES):
            url = f"{path}?{query}"
            listed: Any = self._call(
                f"list the transactions of {safe}", functools.partial(self._client.get_json, url)
            )
            page = read_page(listed)
            # Offsets shift when a proposal arrives between pages: key by hash to drop repeats.
            found.update({p.claimed_safe_tx_hash: p for p in map(read_proposal, page.results)})
            if page.next is None or len(found) >= page.count:
                if len(found) < page.count:
                    raise malformed(
                        f"{len(found)} of the {page.count} transactions it counts for {safe}"
                    )
                return sorted(found.values(), key=lambda p: (p.nonce, p.claimed_safe_tx_hash))
            query = urlsplit(page.next).query
        raise Refused(
            f"the Safe Transaction Service lists more than {MAX_PAGES} pages of transactions "
            f"for {safe}",
            hint="Ask for a later nonce, or inspect the Safe's queue in another tool.",
        )

    def _post_signatures(self, safe_tx_hash: str, signatures: dict[str, bytes]) -> None:
        # One request for all: the Service takes them all or none, so nothing half-applies.
        packed = b"".join(signatures[o] for o in sorted(signatures, key=lambda o: int(o, 16)))
        self._call(
            f"add confirmations to {safe_tx_hash}",
            lambda: self._client.post_signatures(bytes.fromhex(safe_tx_hash[2:]), packed),
        )

    def _call(self, what: str, request: Callable[[], T]) -> T:
        return self._retrying.call(what, request)


def _signature_of(owner: str, signature: str, safe_tx_hash: str) -> bytes:
    """The 65 bytes of `signature`, after checking it is `owner`'s: a mix-up is caught here,
    not as a confusing refusal from the Service. (The workflow still recovers every one.)"""
    try:
        raw = bytes.fromhex(signature[2:]) if signature.startswith("0x") else b""
    except ValueError:
        raw = b""
    if len(raw) < 65:
        raise BadInput(f"the signature for {owner} is not 0x-hex of 65 bytes or more")
    (parsed, *more) = SafeSignature.parse_signature(raw, bytes.fromhex(safe_tx_hash[2:]))
    if more or parsed.owner.lower() != owner.lower():
        raise Refused(
            f"the signature given for {owner} is {parsed.owner}'s, not {owner}'s",
            hint="Do not post it: re-sign with the owner's key.",
        )
    return raw


def _proposer_of(proposer: str | None, signatures: dict[str, bytes]) -> str:
    for owner in signatures:
        if proposer is not None and owner.lower() == proposer.lower():
            return owner
    return min(signatures, key=lambda o: int(o, 16))


def _proposal_payload(plan: Plan, sender: str, signature: bytes, origin: str) -> dict[str, Any]:
    """The body the Service's propose endpoint takes, as safe-eth-py writes it but for
    `origin` (safe-eth-py always says "Safe-CLI"); its hash must agree with ours first."""
    _check_safe_eth_hash(plan)
    tx = plan.tx
    return {
        "to": to_checksum_address(tx.to),
        "value": tx.value,
        "data": hex0x(tx.data) if tx.data else None,
        "operation": tx.operation,
        "gasToken": to_checksum_address(tx.gas_token),
        "safeTxGas": tx.safe_tx_gas,
        "baseGas": tx.base_gas,
        "gasPrice": tx.gas_price,
        "refundReceiver": to_checksum_address(tx.refund_receiver),
        "nonce": tx.nonce,
        "contractTransactionHash": plan.safe_tx_hash.hex0x,
        "sender": to_checksum_address(sender),
        "signature": hex0x(signature),
        "origin": origin,
    }


def _check_safe_eth_hash(plan: Plan) -> None:
    """safe-eth-py, whose hashing the Service runs, must hash the plan as safeops does."""
    tx = plan.tx
    safe_tx = SafeEthTx(
        _NO_RPC,
        to_checksum_address(tx.safe),
        to_checksum_address(tx.to),
        tx.value,
        tx.data,
        tx.operation,
        tx.safe_tx_gas,
        tx.base_gas,
        tx.gas_price,
        to_checksum_address(tx.gas_token),
        to_checksum_address(tx.refund_receiver),
        safe_nonce=tx.nonce,
        safe_version=str(plan.safe_version),
        chain_id=plan.chain_id,
    )
    theirs = hex0x(bytes(safe_tx.safe_tx_hash))
    if theirs != plan.safe_tx_hash.hex0x:
        raise HashMismatch(
            f"safe-eth-py hashes the plan to {theirs}, safeops to {plan.safe_tx_hash}"
        )
