"""The `tx-service` proposal store: the Safe Transaction Service, through safe-eth-py's client.

Unlike the local store, which keeps the whole plan, the Service keeps only the Safe transaction
and its confirmations. `get` and `pending` therefore return `ServiceProposal`s (the fields as
served, the safeTxHash the Service claims, its confirmations), never a `Plan`: the workflow
rebuilds the plan from its own plan file, recomputes every hash, compares every field and
recovers every signature itself (docs/security.md checks 1, 2 and 11). Nothing served is trusted.
"""

from __future__ import annotations

import functools
import json
import re
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

import requests
from eth_utils.address import to_checksum_address
from safe_eth.eth import EthereumNetwork
from safe_eth.eth.ethereum_network import EthereumNetworkNotSupported
from safe_eth.safe import SafeTx as SafeEthTx
from safe_eth.safe.api.transaction_service_api import TransactionServiceApi
from safe_eth.safe.safe_signature import SafeSignature
from safe_eth.util.http import HTTP_TRANSPORT_EXCEPTIONS

from safeops.core.addresses import parse_address
from safeops.core.hexes import hex0x
from safeops.core.plan import Plan
from safeops.core.safe_tx import SafeTx, SafeTxHash, SafeTxHashes, SafeVersion, safe_tx_hashes
from safeops.core.service_tx import parse_service_tx
from safeops.core.urls import redact_url
from safeops.errors import BadInput, EnvironmentProblem, HashMismatch, Refused
from safeops.proposals.base import ProposalStore, StoredProposal

T = TypeVar("T")

_SIGNATURE = re.compile(r"^0x[0-9a-fA-F]{130}$")
PAGE_SIZE = 100
MAX_PAGES = 20  # 2,000 transactions: far beyond any queue; more means something is wrong
# safe-eth-py types its client as required, but reads it only for the Safe's nonce, version and
# chain id, which we always give: no RPC is ever needed to propose.
_NO_RPC: Any = None
API_KEY_HINT = (
    "Set SAFE_TRANSACTION_SERVICE_API_KEY to a valid key (https://developer.safe.global)."
)


class ServiceUnavailable(EnvironmentProblem):
    """The Safe Transaction Service cannot be reached or keeps failing (5xx, 429)."""

    default_hint = "Retry later, or check the service URL in the policy and your network."


class ServiceRejected(Refused):
    """The Safe Transaction Service refused a request (4xx); nothing was stored."""

    def __init__(self, message: str, *, status: int, hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.status = status


@dataclass(frozen=True)
class ServiceProposal:
    """A multisig transaction as the Service serves it: a claim to verify, never a fact."""

    tx: SafeTx
    claimed_safe_tx_hash: str
    """The Service's `safeTxHash`. Recompute it (`hashes`) before relying on it."""
    confirmations: dict[str, str] = field(default_factory=dict)
    """Owner -> 0x signature, as listed by the Service: unverified until recovered locally."""
    proposer: str | None = None
    is_executed: bool = False
    executed_tx: str | None = None
    confirmations_required: int | None = None
    trusted: bool | None = None

    @property
    def safe_tx_hash(self) -> str:
        """The key the Service files it under (its claim), for display and look-up only."""
        return self.claimed_safe_tx_hash

    @property
    def safe(self) -> str:
        return self.tx.safe

    @property
    def nonce(self) -> int:
        return self.tx.nonce

    @property
    def pending(self) -> bool:
        return not self.is_executed

    @property
    def signatures(self) -> dict[str, str]:
        """The confirmations, under the name `Proposal` uses."""
        return self.confirmations

    def hashes(self, chain_id: int, version: SafeVersion) -> SafeTxHashes:
        """The hashes computed here from the served fields, to compare with the claim."""
        return safe_tx_hashes(self.tx, chain_id, version)


class _HttpStatus(Exception):
    """A non-2xx answer, raised by the transport so that the caller sees its status code."""

    def __init__(self, status: int, text: str) -> None:
        super().__init__(status)
        self.status = status
        self.text = text


def _checked(response: requests.Response) -> requests.Response:
    if not response.ok:
        raise _HttpStatus(response.status_code, response.text[:4000])
    return response


class _Client(TransactionServiceApi):
    """safe-eth-py's client, whose own errors carry no status code: ours raise with it, so
    that 429/5xx can be retried and 4xx reported."""

    def _get_request(self, url: str) -> requests.Response:
        return _checked(super()._get_request(url))

    def _post_request(self, url: str, payload: dict[Any, Any]) -> requests.Response:
        return _checked(super()._post_request(url, payload))

    def get_multisig_transaction(self, safe_tx_hash: str) -> Any:
        """The raw JSON of one transaction. `get_safe_transaction` does not fit: it needs an RPC
        for the Safe's version, drops who signed what, and refuses a mismatched hash before
        we can show both hashes."""
        return self._get_request(f"/api/v2/multisig-transactions/{safe_tx_hash}/").json()


class ServiceStore(ProposalStore):
    """`tx-service[:URL]`: the proposals of one Safe on the Safe Transaction Service.

    Reads carry no plan: the Service keeps only the transaction and its confirmations. Every
    call is
    tried up to `tries` times on 429, 5xx, timeouts and refused connections, waiting
    `first_delay` seconds and doubling; 4xx answers are final. Retrying a post is safe: the
    Service files transactions and confirmations by hash and owner, so a repeat adds nothing.
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
    ) -> None:
        if tries < 1:
            raise BadInput(f"tries must be at least 1, got {tries}")
        self.safe = parse_address(safe, what="the Safe")
        self.chain_id = chain_id
        self.tries = tries
        self.first_delay = first_delay
        self._sleep = sleep
        try:
            self._client = _Client(
                EthereumNetwork(chain_id), base_url=url, api_key=api_key, request_timeout=timeout
            )
        except EthereumNetworkNotSupported:
            raise BadInput(
                f"the Safe Transaction Service has no default URL for chain {chain_id}",
                hint='Give its URL in the policy: proposals = "tx-service:https://…".',
            ) from None
        self.display_url = self.label = redact_url(self._client.base_url)

    def __repr__(self) -> str:
        return f"ServiceStore({self.safe}, chain {self.chain_id}, {self.display_url})"

    def get(self, safe_tx_hash: SafeTxHash) -> StoredProposal | None:
        """The transaction filed under `safe_tx_hash`, or None when the Service has none (or
        files it for another Safe)."""
        found = self._get(safe_tx_hash.hex0x)
        return self._stored(found) if found is not None and found.safe == self.safe else None

    def _get(self, key: str) -> ServiceProposal | None:
        try:
            document = self._call(
                f"fetch {key}", lambda: self._client.get_multisig_transaction(key)
            )
        except ServiceRejected as error:
            if error.status == 404:
                return None
            raise
        return _proposal(document)

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
            safe_tx = _safe_eth_tx(plan, encoded.pop(first))
            self._call(f"propose {key}", lambda: self._client.post_transaction(safe_tx))
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
        )

    def all(self) -> list[ServiceProposal]:
        """Every transaction of this store's Safe the Service lists, executed ones included."""
        return self._list(self.safe, {})

    def _list(self, safe: str, filters: dict[str, str]) -> list[ServiceProposal]:
        found: dict[str, ServiceProposal] = {}
        for page in range(MAX_PAGES):
            query: dict[str, Any] = {
                **filters,
                "ordering": "nonce",
                "limit": str(PAGE_SIZE),
                "offset": str(page * PAGE_SIZE),
            }
            try:
                results: Any = self._call(
                    f"list the transactions of {safe}",
                    functools.partial(
                        self._client.get_transactions, to_checksum_address(safe), **query
                    ),
                )
            except AttributeError:  # safe-eth-py reads `results` of an answer that is no object
                results = None
            if not isinstance(results, list):
                raise _malformed("a list that is not a page of transactions")
            # Offsets shift when a proposal arrives between pages: key by hash to drop repeats.
            found.update({p.claimed_safe_tx_hash: p for p in map(_proposal, results)})
            if len(results) < PAGE_SIZE:
                return sorted(found.values(), key=lambda p: (p.nonce, p.claimed_safe_tx_hash))
        raise Refused(
            f"the Safe Transaction Service lists more than {MAX_PAGES * PAGE_SIZE} "
            f"transactions for {safe}",
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
        """`request()`, retried with exponential backoff on 429, 5xx and transport errors."""
        last = ""
        for attempt in range(self.tries):
            if attempt:
                self._sleep(self.first_delay * 2 ** (attempt - 1))
            try:
                return request()
            except _HttpStatus as error:
                if error.status != 429 and error.status < 500:
                    raise self._rejected(what, error) from None
                last = f"HTTP {error.status}"
            except HTTP_TRANSPORT_EXCEPTIONS as error:
                # The exception's own text holds the full URL, which may carry a key: not shown.
                last = _transport_reason(error)
        raise ServiceUnavailable(
            f"the Safe Transaction Service at {self.display_url} failed to {what} "
            f"after {self.tries} tries ({last})"
        ) from None

    def _rejected(self, what: str, error: _HttpStatus) -> ServiceRejected:
        if error.status in (401, 403):
            hint = API_KEY_HINT
        elif error.status == 404:
            hint = "Check the service URL in the policy and the Safe's address."
        else:
            hint = "Nothing was stored. Review the plan, the Safe's owners and its nonce."
        return ServiceRejected(
            f"the Safe Transaction Service at {self.display_url} refused to {what} "
            f"(HTTP {error.status}): {_reason(error.text)}",
            status=error.status,
            hint=hint,
        )


def _signature_of(owner: str, signature: str, safe_tx_hash: str) -> bytes:
    """The 65 bytes of `signature`, after checking it is `owner`'s: a mix-up is caught here,
    not as a confusing refusal from the Service. (The workflow still recovers every one.)"""
    if not isinstance(signature, str) or not _SIGNATURE.match(signature):
        raise BadInput(f"the signature for {owner} is not 65 bytes of 0x-hex")
    raw = bytes.fromhex(signature[2:])
    (parsed,) = SafeSignature.parse_signature(raw, bytes.fromhex(safe_tx_hash[2:]))
    if parsed.owner.lower() != owner.lower():
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


def _safe_eth_tx(plan: Plan, signature: bytes) -> SafeEthTx:
    """The plan as safe-eth-py's SafeTx, whose own hash must agree with ours before posting."""
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
        signatures=signature,
        safe_nonce=tx.nonce,
        safe_version=str(plan.safe_version),
        chain_id=plan.chain_id,
    )
    theirs = hex0x(bytes(safe_tx.safe_tx_hash))
    if theirs != plan.safe_tx_hash.hex0x:
        raise HashMismatch(
            f"safe-eth-py hashes the plan to {theirs}, safeops to {plan.safe_tx_hash}"
        )
    return safe_tx


def _proposal(document: Any) -> ServiceProposal:
    """Read one Service transaction strictly; a malformed one is refused, not guessed at."""
    try:
        service = parse_service_tx(document)
        if service.claimed_safe_tx_hash is None:
            raise BadInput("it has no safeTxHash")
        confirmations = {
            parse_address(c["owner"], what="confirmation owner"): str(c["signature"])
            for c in document.get("confirmations") or []
        }
        proposer = document.get("proposer")
        required = document.get("confirmationsRequired")
        trusted = document.get("trusted")
        return ServiceProposal(
            tx=service.tx,
            claimed_safe_tx_hash=service.claimed_safe_tx_hash,
            confirmations=confirmations,
            proposer=parse_address(proposer, what="proposer") if proposer else None,
            is_executed=document.get("isExecuted") is True,
            executed_tx=document.get("transactionHash") or None,
            confirmations_required=int(required) if required is not None else None,
            trusted=trusted if isinstance(trusted, bool) else None,
        )
    except (BadInput, KeyError, TypeError, ValueError, AttributeError) as error:
        raise _malformed(f"a malformed transaction ({error})") from None


def _malformed(what: str) -> Refused:
    return Refused(
        f"the Safe Transaction Service returned {what}",
        hint="Do not sign anything based on it; check the service URL in the policy.",
    )


def _transport_reason(error: BaseException) -> str:
    if isinstance(error, json.JSONDecodeError):
        return "its answer is not JSON"
    if isinstance(error, requests.Timeout):
        return "timed out"
    if isinstance(error, requests.ConnectionError):
        return "connection failed"
    return type(error).__name__


def _reason(text: str) -> str:
    """The Service's error text on one short line (its DRF bodies are nested lists of messages)."""
    try:
        body: Any = json.loads(text)
    except (ValueError, RecursionError):
        body = text
    line = " ".join("; ".join(_messages(body, "", 0)).split()) or "no details"
    return line if len(line) <= 300 else line[:299] + "…"


def _messages(body: Any, key: str, depth: int) -> Iterator[str]:
    if depth > 4:
        return
    if isinstance(body, dict):
        for name, value in body.items():
            label = "" if name in ("nonFieldErrors", "non_field_errors", "detail") else str(name)
            yield from _messages(value, label, depth + 1)
    elif isinstance(body, list):
        for value in body:
            yield from _messages(value, key, depth + 1)
    elif body is not None:
        yield f"{key}: {body}" if key else str(body)
