"""What the Safe Transaction Service serves, read strictly: transactions, pages, error bodies.

Nothing served is trusted: a transaction is a claim (its hash is recomputed, its fields compared
with the plan, its signatures recovered); a confirmation the Service lists without a signature
(its schema allows null) is reported for that confirmation alone, never a crash.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from safeops.core.addresses import parse_address
from safeops.core.transactions.safe_tx import SafeTx, SafeTxHashes, SafeVersion, safe_tx_hashes
from safeops.core.transactions.service_tx import parse_service_tx
from safeops.errors import BadInput, Refused

NO_SIGNATURE = "the Service lists this confirmation without a signature"


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
    unreadable: dict[str, str] = field(default_factory=dict)
    """Owner -> why a listed confirmation gives nothing to verify (e.g. a null signature)."""
    origin: str | None = None

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


def read_proposal(document: Any) -> ServiceProposal:
    """Read one Service transaction strictly; a malformed one is refused, not guessed at."""
    try:
        service = parse_service_tx(document)
        if service.claimed_safe_tx_hash is None:
            raise BadInput("it has no safeTxHash")
        confirmations, unreadable = _confirmations(document.get("confirmations") or [])
        proposer = document.get("proposer")
        required = document.get("confirmationsRequired")
        trusted = document.get("trusted")
        origin = document.get("origin")
        return ServiceProposal(
            tx=service.tx,
            claimed_safe_tx_hash=service.claimed_safe_tx_hash,
            confirmations=confirmations,
            proposer=parse_address(proposer, what="proposer") if proposer else None,
            is_executed=document.get("isExecuted") is True,
            executed_tx=document.get("transactionHash") or None,
            confirmations_required=int(required) if required is not None else None,
            trusted=trusted if isinstance(trusted, bool) else None,
            unreadable=unreadable,
            origin=origin if isinstance(origin, str) else None,
        )
    except (BadInput, KeyError, TypeError, ValueError, AttributeError) as error:
        raise malformed(f"a malformed transaction ({error})") from None


def _confirmations(listed: list[Any]) -> tuple[dict[str, str], dict[str, str]]:
    """(owner -> signature, owner -> why unreadable). An on-chain approval the indexer found
    (`APPROVED_HASH`, no signature) becomes its v = 1 form, still to be checked on chain."""
    signatures: dict[str, str] = {}
    unreadable: dict[str, str] = {}
    for item in listed:
        owner = parse_address(item["owner"], what="confirmation owner")
        signature = item.get("signature")
        if isinstance(signature, str):
            signatures[owner] = signature
        elif signature is None and item.get("signatureType") == "APPROVED_HASH":
            signatures[owner] = "0x" + "00" * 12 + owner[2:].lower() + "00" * 32 + "01"
        elif signature is None:
            unreadable[owner] = NO_SIGNATURE
        else:
            unreadable[owner] = "the Service lists a signature that is not text"
    return signatures, unreadable


@dataclass(frozen=True)
class Page:
    """One page of a listing: its transactions, the total and the link to the next page."""

    results: list[Any]
    count: int
    next: str | None


def read_page(document: Any) -> Page:
    if not isinstance(document, dict) or not isinstance(document.get("results"), list):
        raise malformed("a list that is not a page of transactions")
    count, following = document.get("count"), document.get("next")
    if isinstance(count, bool) or not isinstance(count, int) or count < 0:
        raise malformed("a page of transactions without a count")
    if following is not None and not isinstance(following, str):
        raise malformed("a page of transactions whose next link is not a URL")
    return Page(document["results"], count, following)


def malformed(what: str) -> Refused:
    return Refused(
        f"the Safe Transaction Service returned {what}",
        hint="Do not sign anything based on it; check the service URL in the policy.",
    )


def reason(text: str) -> str:
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
