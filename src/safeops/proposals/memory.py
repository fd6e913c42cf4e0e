"""An in-memory proposal store: the test double of the real stores, with their semantics."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import replace

from safeops.core.plan import Plan
from safeops.core.sending import SendRecord
from safeops.core.transactions.safe_tx import SafeTxHash
from safeops.proposals.base import ProposalStore, StoredProposal


class MemoryStore(ProposalStore):
    """Proposals of one (chain id, Safe) in a dict that several stores may share, as Safes
    share a local folder: each store still sees only its own."""

    def __init__(
        self,
        chain_id: int,
        safe: str,
        shared: dict[tuple[int, SafeTxHash], StoredProposal] | None = None,
    ) -> None:
        self.chain_id = chain_id
        self.safe = safe
        self.label = "memory"
        self.proposals = {} if shared is None else shared
        self.writable = True
        """False plays a read-only folder: every write raises, as LocalStore's would."""

    def _key(self, safe_tx_hash: SafeTxHash) -> tuple[int, SafeTxHash]:
        return (self.chain_id, safe_tx_hash)

    def get(self, safe_tx_hash: SafeTxHash) -> StoredProposal | None:
        found = self.proposals.get(self._key(safe_tx_hash))
        return found if found is not None and found.safe == self.safe else None

    def pending(self, from_nonce: int = 0) -> list[StoredProposal]:
        found = [
            p
            for (chain_id, _), p in self.proposals.items()
            if chain_id == self.chain_id and p.safe == self.safe
            if p.pending and p.nonce >= from_nonce
        ]
        return sorted(found, key=lambda p: (p.nonce, p.safe_tx_hash))

    def _require_writable(self) -> None:
        from safeops.proposals.local import StoreUnavailable

        if not self.writable:
            raise StoreUnavailable(f"cannot write to the proposal store {self.label}: read-only")

    def check_writable(self) -> None:
        self._require_writable()

    def put(self, plan: Plan, signatures: Mapping[str, str], proposer: str | None) -> None:
        self._require_writable()
        self.proposals[self._key(plan.safe_tx_hash)] = StoredProposal(
            plan.tx, plan.safe_tx_hash, plan.chain_id, dict(signatures), plan, proposer
        )

    def add_signature(self, plan: Plan, owner: str, signature: str) -> dict[str, str]:
        self._require_writable()
        stored = self.get(plan.safe_tx_hash)
        if stored is None:
            self.put(plan, {}, None)
            stored = self.proposals[self._key(plan.safe_tx_hash)]
        signatures = {**stored.signatures, owner: signature}
        self.proposals[self._key(plan.safe_tx_hash)] = replace(stored, signatures=signatures)
        return signatures

    def mark_executed(self, safe_tx_hash: SafeTxHash, tx_hash: str) -> None:
        self._require_writable()
        stored = self.get(safe_tx_hash)
        if stored is not None:
            self.proposals[self._key(safe_tx_hash)] = replace(stored, executed_tx=tx_hash)

    def record_send(self, record: SendRecord, known: Collection[str]) -> SendRecord | None:
        self._require_writable()
        stored = self.get(record.safe_tx_hash)
        if stored is None:
            raise KeyError(record.safe_tx_hash)
        other = next((s for s in stored.sends if s.tx_hash not in known), None)
        if other is None:
            sends = (*stored.sends, record)
            self.proposals[self._key(record.safe_tx_hash)] = replace(stored, sends=sends)
        return other

    def forget_send(self, safe_tx_hash: SafeTxHash, tx_hash: str) -> None:
        stored = self.get(safe_tx_hash)
        if stored is not None:
            sends = tuple(s for s in stored.sends if s.tx_hash != tx_hash)
            self.proposals[self._key(safe_tx_hash)] = replace(stored, sends=sends)
