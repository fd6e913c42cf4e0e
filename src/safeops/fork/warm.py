"""Warm a fresh fork: have it fetch, all at once, the state a rehearsal is about to read.

anvil fetches the origin's state as execution reaches it, one request at a time. The same reads
asked of the fork concurrently make it fetch them concurrently (a JSON-RPC batch would not:
anvil answers a batch's requests one after the other). Only reads are sent: the fork keeps
what it fetched from the origin at its block, exactly as it would have fetched it later, and
nothing is written into it.
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from safeops.core.rehearsal.warm import Prefetch
from safeops.fork.node import Fork

# Requests in flight at once: enough to cover a pause or a batch in a round trip or two, few
# enough that a hosted RPC behind the fork does not see a burst it rate-limits.
WARM_CONCURRENCY = 32
WARM_TIMEOUT_S = 30.0


def warm_fork(fork: Fork, prefetch: Prefetch) -> tuple[int, float]:
    """Ask the fork for every account and slot of `prefetch` at its block; returns how many
    reads were made and the seconds they took. A read that fails is left to the rehearsal
    itself, which reads it again and reports any failure in its own words."""
    import requests
    from requests.adapters import HTTPAdapter

    tag = hex(fork.block)
    reads = [("eth_getBalance", [address, tag]) for address in prefetch]
    reads += [
        ("eth_getStorageAt", [address, hex(slot), tag])
        for address, slots in prefetch.items()
        for slot in sorted(slots)
    ]
    started = time.monotonic()
    with requests.Session() as session:
        session.mount("http://", HTTPAdapter(pool_maxsize=WARM_CONCURRENCY))
        # The fork listens on 127.0.0.1: no proxy applies, and reading the environment for
        # one before every request costs about 1 ms of CPU each.
        session.trust_env = False

        def read(call: tuple[str, list[str]]) -> None:
            body: dict[str, Any] = {"jsonrpc": "2.0", "id": 1, "method": call[0], "params": call[1]}
            try:
                session.post(fork.anvil.rpc_url, json=body, timeout=WARM_TIMEOUT_S).close()
            except requests.RequestException:
                return  # only a cache: the rehearsal reads it again

        with ThreadPoolExecutor(max_workers=WARM_CONCURRENCY) as pool:
            list(pool.map(read, reads))
    return len(reads), time.monotonic() - started
