"""Choose a Safe's proposal store from the policy."""

from __future__ import annotations

from pathlib import Path

from safeops.core.policy import LocalProposals, SafeEntry
from safeops.errors import BadInput
from safeops.proposals.local import LocalStore


def store_for(safe: SafeEntry) -> LocalStore:
    """The store the policy names for `safe`; the Transaction Service arrives with its issue."""
    if isinstance(safe.proposals, LocalProposals):
        return LocalStore(Path(safe.proposals.directory))
    raise BadInput(
        f"Safe {safe.name} uses the Safe Transaction Service, which this version cannot reach yet",
        hint='Use proposals = "local:DIR" in the policy for now.',
    )
