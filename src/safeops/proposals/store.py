"""Choose a Safe's proposal store from the policy: the embedded local one or the Service."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from safeops.core.policy import LocalProposals, SafeEntry
from safeops.proposals.local import LocalStore

if TYPE_CHECKING:
    from safeops.proposals.tx_service import ServiceStore


def store_for(safe: SafeEntry, *, service_api_key: str | None = None) -> LocalStore | ServiceStore:
    """The store the policy names for `safe`; the Service's API key comes from
    SAFE_TRANSACTION_SERVICE_API_KEY unless given."""
    if isinstance(safe.proposals, LocalProposals):
        return LocalStore(Path(safe.proposals.directory))
    # Imported here: safe-eth-py and web3 take a second to load, which --help must not pay.
    from safeops.proposals.tx_service import ServiceStore

    key = service_api_key or os.environ.get("SAFE_TRANSACTION_SERVICE_API_KEY") or None
    return ServiceStore(safe.address, safe.chain_id, url=safe.proposals.url, api_key=key)
