"""The RPC pools of one run: every URL health-checked once, each chain's pool opened once."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from safeops.chain.jsonrpc import quantity
from safeops.chain.parallel import each_at_once
from safeops.chain.rpc import (
    HEALTH_TIMEOUT_S,
    READ_TIMEOUT_S,
    Head,
    Rpc,
    RpcPool,
    Waiting,
    Warn,
    ask,
    head_of,
    make_node,
)
from safeops.core.urls import redact_url
from safeops.errors import ChainMismatch, RpcUnavailable


@dataclass(frozen=True)
class Probe:
    """One URL's health check: its chain id and head in one round trip, or why it failed."""

    url: str
    session: Any
    served: int | None = None
    head: Head | None = None
    error: RpcUnavailable | None = None


def probe(url: str, warn: Warn, waiting: Waiting | None = None) -> Probe:
    """Ask `url` for its chain id and latest block in one batch, within HEALTH_TIMEOUT_S: the
    only eth_chainId the run sends it. Its session retries HTTP 429 and 5xx (`warn` says so)
    for every later request of the run too."""
    from safeops.chain.retry import RetryingSession, retry_warning

    session = RetryingSession(retry_warning(redact_url(url), warn))
    rpc = Rpc(url, make_node(url, session, HEALTH_TIMEOUT_S), HEALTH_TIMEOUT_S, waiting)
    calls = [("eth_chainId", []), ("eth_getBlockByNumber", ["latest", False])]
    try:
        served, header = ask(rpc, "eth_chainId", lambda: rpc.node.batch(calls))
        chain_id = int(ask(rpc, "eth_chainId", lambda: quantity(served.value())))
    except RpcUnavailable as error:  # down, or answering errors: either way of no use
        return Probe(url, session, error=error)
    # A head that does not parse is read again when the run pins its block.
    head = None if header.error or not header.result else _parsed_head(header.result)
    return Probe(url, session, chain_id, head)


def _parsed_head(header: Any) -> Head | None:
    try:
        return head_of(header)
    except (KeyError, TypeError, ValueError):
        return None


def open_pool(
    probes: Sequence[Probe], chain_id: int, warn: Warn, waiting: Waiting | None = None
) -> RpcPool:
    """The pool of the URLs `probes` checked. Any that failed is skipped with a warning (the
    primary falls over to the next); one serving another chain stops the flow."""
    members: list[Rpc] = []
    heads: list[tuple[Rpc, Head]] = []
    failed: list[tuple[int, RpcUnavailable]] = []

    def say_skipped() -> None:
        for index, error in failed:
            if index == 0 and members:
                warn(f"primary {error.message}: falling over to {members[0].label}")
            else:
                warn(f"{error.message}: skipped")

    for index, checked in enumerate(probes):
        if checked.error is not None:
            failed.append((index, checked.error))
            continue
        node = make_node(checked.url, checked.session, READ_TIMEOUT_S)
        rpc = Rpc(checked.url, node, READ_TIMEOUT_S, waiting)
        if checked.served != chain_id:
            say_skipped()
            raise ChainMismatch(
                f"RPC {rpc.label} serves chain {checked.served}, the policy says {chain_id}",
                hint="Point the policy's rpc at a node of the right chain.",
            )
        members.append(rpc)
        if checked.head is not None:
            heads.append((rpc, checked.head))
    if not members:
        raise RpcUnavailable(
            f"no RPC answers for chain {chain_id}: "
            + "; ".join(error.message for _, error in failed),
            hint="Check the policy's RPC URLs and that the nodes are reachable.",
        )
    say_skipped()
    pool = RpcPool(chain_id, len(probes), members, warn, heads)
    pool.warn_if_alone()
    return pool


class RpcPools:
    """The RPC pools of one run: each URL is checked once (one eth_chainId per RPC per run),
    each warning said once.

    Workflows share one through a whole command, so a slow primary costs its timeout once per
    run, not once per read; `warn` is how the CLI shows what was skipped. Thread-safe, with a
    lock per pool and per URL: Safes of several chains handled at once open their pools at
    once, and a URL two pools share is still checked once.
    """

    def __init__(self, warn: Warn | None = None, waiting: Waiting | None = None) -> None:
        self.warnings: list[str] = []
        self._sink = warn
        self._waiting = waiting
        self._pools: dict[tuple[tuple[str, ...], int], RpcPool] = {}
        self._probes: dict[str, Probe] = {}
        self._failed: dict[tuple[tuple[str, ...], int], RpcUnavailable] = {}
        self._lock = threading.Lock()
        self._locks: dict[object, threading.Lock] = {}

    def _warn(self, message: str) -> None:
        with self._lock:
            if message in self.warnings:
                return
            self.warnings.append(message)
        if self._sink is not None:
            self._sink(message)

    def _lock_of(self, key: object) -> threading.Lock:
        with self._lock:
            return self._locks.setdefault(key, threading.Lock())

    def _probe(self, url: str) -> Probe:
        with self._lock_of(("url", url)):
            if url not in self._probes:
                self._probes[url] = probe(url, self._warn, self._waiting)
            return self._probes[url]

    def open(self, urls: Sequence[str], chain_id: int) -> RpcPool:
        """The chain's pool, opened once per run; a chain none of whose RPCs answered is not
        asked again in the same run (its timeouts are paid once)."""
        key = (tuple(urls), chain_id)
        with self._lock_of(("pool", key)):
            if key in self._failed:
                raise self._failed[key]
            if key not in self._pools:
                checked = each_at_once(self._probe, list(dict.fromkeys(urls)))
                by_url = {c.url: c for c in checked if isinstance(c, Probe)}
                if len(by_url) != len(checked):  # probe() returns its errors; this is a bug
                    raise next(c for c in checked if isinstance(c, BaseException))
                try:
                    self._pools[key] = open_pool(
                        [by_url[url] for url in urls], chain_id, self._warn, self._waiting
                    )
                except RpcUnavailable as error:
                    self._failed[key] = error
                    raise
            return self._pools[key]
