"""The interface every proposal store implements, and the one view of a stored proposal."""

from __future__ import annotations

import contextlib
from abc import ABC, abstractmethod
from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass, field

from safeops.core.plan import Plan
from safeops.core.sending import SendRecord
from safeops.core.transactions.safe_tx import SafeTx, SafeTxHash


@dataclass(frozen=True)
class StoredProposal:
    """A proposal as a store holds it: a claim to verify, never a fact.

    The local store keeps the whole plan; the Transaction Service keeps only the transaction
    (`plan` is None) and files it under the hash it claims. Workflows recompute the hash,
    rebuild the plan from its intent and recover every signature before using any of it.
    """

    tx: SafeTx
    safe_tx_hash: SafeTxHash
    chain_id: int
    signatures: Mapping[str, str] = field(default_factory=dict)
    """Owner -> 0x signature, as stored: unverified until recovered against our own hash."""
    plan: Plan | None = None
    proposer: str | None = None
    executed_tx: str | None = None
    unreadable: Mapping[str, str] = field(default_factory=dict)
    """Confirmations the store lists but cannot give (owner -> why): reported, never used."""
    sends: tuple[SendRecord, ...] = ()
    """The execTransactions signed for it, recorded before each was broadcast."""

    @property
    def safe(self) -> str:
        return self.tx.safe

    @property
    def nonce(self) -> int:
        return self.tx.nonce

    @property
    def pending(self) -> bool:
        return self.executed_tx is None

    @property
    def action(self) -> str:
        """What the plan says it does; a Service proposal carries no plan."""
        return self.plan.action if self.plan is not None else "?"


class ProposalStore(ABC):
    """Where the proposals of one Safe on one chain live: `(chain_id, safe)` is its identity,
    so a Safe at the same address on two chains has two stores, even in one shared folder."""

    chain_id: int
    safe: str
    label: str
    """Where the store is, safe to print (no credentials)."""

    @contextlib.contextmanager
    def locked(self) -> Iterator[None]:
        """Read, decide and write as one step; stores that merge concurrent writes need none."""
        yield

    @abstractmethod
    def get(self, safe_tx_hash: SafeTxHash) -> StoredProposal | None:
        """The proposal of this Safe filed under `safe_tx_hash`, or None."""

    @abstractmethod
    def pending(self, from_nonce: int = 0) -> list[StoredProposal]:
        """This Safe's proposals not executed, at `from_nonce` or later, by nonce then hash."""

    @abstractmethod
    def put(self, plan: Plan, signatures: Mapping[str, str], proposer: str | None) -> None:
        """File `plan` with the signatures given (call inside `locked()` after reading)."""

    @abstractmethod
    def add_signature(self, plan: Plan, owner: str, signature: str) -> dict[str, str]:
        """Store one more owner signature of `plan`; returns every signature now stored."""

    @abstractmethod
    def mark_executed(self, safe_tx_hash: SafeTxHash, tx_hash: str) -> None:
        """Record that `tx_hash` executed the proposal (stores that learn it from the chain
        themselves, like the Transaction Service, ignore this)."""

    def check_writable(self) -> None:
        """Prove now that a write would succeed, before any key is used; raise an
        EnvironmentProblem otherwise. Remote stores, which cannot be probed, do nothing."""
        return

    def record_send(self, record: SendRecord, known: Collection[str]) -> SendRecord | None:
        """Durably add `record` to its proposal before it is broadcast, unless the proposal
        already holds a send whose hash is not in `known` (another run's, recorded meanwhile):
        then nothing is written and that send is returned. Stores that keep no local data
        (the Transaction Service) record nothing: the audit log's entry is the record there."""
        return None

    def forget_send(self, safe_tx_hash: SafeTxHash, tx_hash: str) -> None:
        """Remove a recorded send that was never broadcast (its audit entry failed)."""
        return
