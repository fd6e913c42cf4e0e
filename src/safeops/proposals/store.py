"""Open the proposal store the policy names for a Safe: the embedded local one or the Service."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from safeops.core.policy import LocalProposals, SafeEntry
from safeops.proposals.base import ProposalStore
from safeops.proposals.local import LocalStore


def store_for(
    safe: SafeEntry,
    *,
    service_api_key: str | None = None,
    warn: Callable[[str], None] | None = None,
) -> ProposalStore:
    """The store of `safe` on its chain; the CLI reads the Service's API key from the
    environment and passes it here, and `warn` says what an unreadable local file was."""
    if isinstance(safe.proposals, LocalProposals):
        directory = Path(safe.proposals.directory)
        if warn is None:
            return LocalStore(directory, safe.chain_id, safe.address)
        return LocalStore(directory, safe.chain_id, safe.address, warn)
    # Imported here: safe-eth-py and web3 take a second to load, which --help must not pay.
    from safeops.proposals.tx_service import ServiceStore

    return ServiceStore(
        safe.address, safe.chain_id, url=safe.proposals.url, api_key=service_api_key
    )
