"""The local store's proposal file: its JSON, written and read back with every field checked."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from safeops.core.plan import Plan, plan_from_json
from safeops.core.sending import SendRecord, send_record_from_json
from safeops.errors import BadInput
from safeops.proposals.base import StoredProposal

HINT = (
    "Proposal files are written by `safeops propose`: restore this one from git or propose again."
)

PROPOSAL_FORMAT = 1


def proposal_to_json(proposal: StoredProposal) -> dict[str, Any]:
    if proposal.plan is None:
        raise BadInput("the local store keeps plans: this proposal has none", hint=HINT)
    document: dict[str, Any] = {
        "proposal": PROPOSAL_FORMAT,
        "plan": proposal.plan.to_json(),
        "signatures": dict(sorted(proposal.signatures.items())),
        "proposer": proposal.proposer,
        "executedTx": proposal.executed_tx,
    }
    if proposal.sends:  # absent until a send: files of proposals never sent stay as they were
        document["sending"] = [send.to_json() for send in proposal.sends]
    return document


def proposal_from_json(document: object) -> StoredProposal:
    """A proposal file's content, checked (the plan's hashes recomputed); BadInput if not one."""
    if not isinstance(document, dict) or document.get("proposal") != PROPOSAL_FORMAT:
        raise BadInput("not a safeops proposal file", hint=HINT)
    if "plan" not in document:
        raise BadInput("not a safeops proposal file: it holds no plan", hint=HINT)
    signatures = document.get("signatures") or {}
    if not isinstance(signatures, dict) or not all(
        isinstance(owner, str) and isinstance(signature, str)
        for owner, signature in signatures.items()
    ):
        raise BadInput(
            "the proposal's signatures must map owner addresses to 0x signatures", hint=HINT
        )
    proposer, executed_tx = document.get("proposer"), document.get("executedTx")
    if not isinstance(proposer, str | None) or not isinstance(executed_tx, str | None):
        raise BadInput("the proposal's proposer and executedTx must be text or null", hint=HINT)
    sending = document.get("sending") or []
    if not isinstance(sending, list):
        raise BadInput("the proposal's sending must be a list of send records")
    plan = plan_from_json(document["plan"])
    sends = tuple(send_record_from_json(send) for send in sending)
    if any(send.safe_tx_hash != plan.safe_tx_hash for send in sends):
        raise BadInput("the proposal holds a send record of another safeTxHash")
    return stored_of(plan, dict(signatures), proposer, executed_tx, sends)


def stored_of(
    plan: Plan,
    signatures: Mapping[str, str],
    proposer: str | None,
    executed_tx: str | None,
    sends: Sequence[SendRecord] = (),
) -> StoredProposal:
    return StoredProposal(
        plan.tx,
        plan.safe_tx_hash,
        plan.chain_id,
        dict(signatures),
        plan,
        proposer,
        executed_tx,
        sends=tuple(sends),
    )
