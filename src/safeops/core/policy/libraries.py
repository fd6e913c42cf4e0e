"""`libraries` of a Safe: its MultiSendCallOnly address on a chain where it is not at the
official address."""

from __future__ import annotations

from safeops.core.deployments import known_library
from safeops.core.policy.model import LIBRARY_CONTRACTS, SafeLibraries
from safeops.core.policy.reader import Table


def read_libraries(safe: Table) -> SafeLibraries | None:
    """The Safe's declared libraries (none declared: the official ones); None after recording
    a problem. An address that is officially another contract is refused: declaring the full
    MultiSend as `multisend_call_only` would trust what is never trusted."""
    if "libraries" not in safe.data:
        return SafeLibraries()
    table = safe.table("libraries")
    if table is None:
        return None
    before = len(table.problems.items)
    table.check_keys(tuple(LIBRARY_CONTRACTS))
    found: dict[str, str] = {}
    for key, contract in LIBRARY_CONTRACTS.items():
        address = table.address(key, required=False)
        if address is None:
            continue
        official = known_library(address)
        if official is not None and official.name != contract:
            table.add(key, f"{address} is the official {official.describe()}, not a {contract}")
        else:
            found[key] = address
    if len(table.problems.items) != before:
        return None
    return SafeLibraries(**found)
