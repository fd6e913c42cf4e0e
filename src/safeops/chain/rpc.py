"""Several RPCs per chain: short health checks, failover with warnings, heads kept in step."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

# The lag tolerated between RPCs is the core's, which freshness checks share.
from safeops.core.lag import MAX_LAG_BLOCKS, MAX_LAG_S
from safeops.core.urls import redact_url
from safeops.errors import ChainMismatch, RpcDisagreement, RpcUnavailable

if TYPE_CHECKING:
    import requests
    from web3 import Web3
    from web3.types import BlockIdentifier

# The first request to each RPC (eth_chainId) must connect and answer within this: a dead or
# hung primary costs an emergency these seconds, not a stall, before the next RPC takes over.
HEALTH_TIMEOUT_S = 3.0
# Later requests: the same connect timeout, a longer read timeout for the heavier calls
# (eth_call, eth_estimateGas, eth_simulateV1) that busy public nodes answer slowly.
CONNECT_TIMEOUT_S = 3.0
READ_TIMEOUT_S = 10.0
T = TypeVar("T")
Warn = Callable[[str], None]
Waiting = Callable[[str], AbstractContextManager[object]]  # the CLI shows a slow request live


@dataclass(frozen=True)
class Rpc:
    """One RPC endpoint; `label` is the redacted URL, safe to print."""

    url: str
    w3: Web3
    timeout_s: float | None = None
    """The read timeout its requests run with, for messages; None when not known."""
    waiting: Waiting | None = field(default=None, compare=False, repr=False)

    @property
    def label(self) -> str:
        return redact_url(self.url)


class RpcDown(RpcUnavailable):
    """The RPC could not be reached or did not answer in time: another one may take over."""


def _web3(url: str, session: requests.Session, read_timeout_s: float) -> Web3:
    from web3 import Web3
    from web3.types import RPCEndpoint

    provider = Web3.HTTPProvider(
        url,
        request_kwargs={"timeout": (CONNECT_TIMEOUT_S, read_timeout_s)},
        # An explicit session: web3's shared session cache cannot take a (connect, read)
        # timeout, and one keep-alive connection per RPC serves every request of the run.
        session=session,
        # web3 would retry five times with back-off: one slow node would then cost a minute.
        # Failing over to the next RPC is faster, and it says so.
        exception_retry_configuration=None,
        # web3 asks eth_chainId before every call it signs or sends; the chain id is checked
        # once per RPC when the pool opens, so the answer may be reused for the run.
        cache_allowed_requests=True,
        cacheable_requests={RPCEndpoint("eth_chainId")},
    )
    return Web3(provider)


def connect(urls: Sequence[str]) -> list[Rpc]:
    """An Rpc per URL, without any request yet; `RpcPools.open` also checks that they answer."""
    from safeops.chain.retry import RetryingSession

    return [Rpc(url, _web3(url, RetryingSession(), READ_TIMEOUT_S), READ_TIMEOUT_S) for url in urls]


def _is_transport(error: Exception) -> bool:
    import requests

    return isinstance(error, requests.ConnectionError | requests.Timeout | requests.HTTPError)


def _reason(rpc: Rpc, error: Exception) -> str:
    """What went wrong, without the exception's text: it can quote the URL and its API key."""
    import requests

    if isinstance(error, requests.ConnectTimeout):
        return f"no connection within {CONNECT_TIMEOUT_S:g} s"
    if isinstance(error, requests.Timeout):
        return "timed out" if rpc.timeout_s is None else f"no answer within {rpc.timeout_s:g} s"
    if isinstance(error, requests.ConnectionError):
        return "connection failed"
    if isinstance(error, requests.HTTPError) and error.response is not None:
        return f"HTTP {error.response.status_code}"
    return type(error).__name__


def ask(rpc: Rpc, what: str, call: Callable[..., Any]) -> Any:
    """Run one RPC request; any failure becomes an exit-3 error, `RpcDown` for transport ones."""
    limit = "" if rpc.timeout_s is None else f", gives up after {rpc.timeout_s:g} s"
    watch = rpc.waiting(f"{rpc.label} ({what}{limit})") if rpc.waiting else nullcontext()
    try:
        with watch:
            return call()
    except Exception as error:
        kind = RpcDown if _is_transport(error) else RpcUnavailable
        raise kind(
            f"RPC {rpc.label} failed on {what} ({_reason(rpc, error)})",
            hint="Check the RPC URL and that the node is reachable.",
        ) from None


@dataclass(frozen=True)
class Head:
    """An RPC's latest block: its height, its chain time and its hash."""

    number: int
    timestamp: int
    hash: bytes


def far_behind(leader: Head, head: Head) -> bool:
    """True when `head` trails `leader` by more than MAX_LAG_BLOCKS and MAX_LAG_S."""
    return (
        leader.number - head.number > MAX_LAG_BLOCKS
        and leader.timestamp - head.timestamp > MAX_LAG_S
    )


def _block(rpc: Rpc, block: BlockIdentifier) -> Head:
    header: Any = ask(rpc, "eth_getBlockByNumber", lambda: rpc.w3.eth.get_block(block))
    return Head(int(header["number"]), int(header["timestamp"]), bytes(header["hash"]))


@dataclass(frozen=True)
class Pin:
    """The block every read of one cross-check uses, and each RPC's hash of it."""

    block: int
    hashes: tuple[tuple[Rpc, bytes], ...]

    def require_one_chain(self) -> None:
        """Same height, another hash: one RPC follows another fork of the chain (a local fork
        of mainnet has mainnet's chain id) or lies about it."""
        (first, mine), *others = self.hashes
        for rpc, theirs in others:
            if theirs != mine:
                raise RpcDisagreement(
                    f"RPCs {first.label} and {rpc.label} disagree on block {self.block}: "
                    f"hash 0x{mine.hex()} vs 0x{theirs.hex()}",
                    hint="One of them serves another fork of the chain: check each provider.",
                )


@dataclass
class RpcPool:
    """The RPCs of one chain that answer, in the policy's order: the first is the primary."""

    chain_id: int
    configured: int
    members: list[Rpc]
    warn: Warn
    _said_alone: bool = field(default=False, repr=False)
    # Two Safes of one chain may use the pool from two threads (a multi-Safe emergency).
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    # Safe states already read and agreed on, by (Safe, block): one run reads each once.
    safe_states: dict[tuple[str, int], Any] = field(default_factory=dict, repr=False)
    # Runtime code hashes already read and agreed on, by (address, block); None: no code.
    code_hashes: dict[tuple[str, int], str | None] = field(default_factory=dict, repr=False)

    @property
    def primary(self) -> Rpc:
        if not self.members:
            raise RpcUnavailable(f"no RPC of chain {self.chain_id} answers any more")
        return self.members[0]

    def each(
        self, what: str, call: Callable[[Rpc], T], among: Sequence[Rpc] | None = None
    ) -> list[tuple[Rpc, T]]:
        """`call` on every member (or those `among` them). One that stops answering is dropped
        with a warning; one that answers with an error stops the flow: a healthy node would not
        answer so, and judging between answers is what the cross-check is for."""
        answers: list[tuple[Rpc, T]] = []
        down: list[RpcDown] = []
        try:
            for rpc in list(self.members if among is None else among):
                try:
                    answers.append((rpc, call(rpc)))
                except RpcDown as error:
                    with self._lock:
                        if rpc in self.members:
                            self.members.remove(rpc)
                    down.append(error)
        finally:  # said even when another member's error stops the flow
            for lost in down if self.members else ():
                self.warn(f"{lost.message}: dropped, continuing with {_labels(self.members)}")
        if not self.members:
            raise RpcUnavailable(
                f"no RPC of chain {self.chain_id} answers {what} any more: "
                + "; ".join(lost.message for lost in down),
                hint="Check the policy's RPC URLs and that the nodes are reachable.",
            )
        self.warn_if_alone()
        return answers

    def warn_if_alone(self) -> None:
        """docs/security.md: one reachable RPC out of several gives a warning, not silence."""
        if self.configured > 1 and len(self.members) == 1 and not self._said_alone:
            self._said_alone = True
            self.warn(
                f"only {self.members[0].label} answers of the {self.configured} RPCs of chain "
                f"{self.chain_id}: its reads are not cross-checked"
            )

    def pin(self) -> Pin:
        """The lowest head of the members, after checking that none is far behind the highest
        (MAX_LAG_BLOCKS and MAX_LAG_S); with each one's hash of that block."""
        heads = self.each("eth_getBlockByNumber", lambda rpc: _block(rpc, "latest"))
        leader_rpc, leader = max(heads, key=lambda answer: answer[1].number)
        for rpc, head in heads:
            if far_behind(leader, head):
                raise RpcDisagreement(
                    f"RPC {rpc.label} is {leader.number - head.number} blocks "
                    f"({leader.timestamp - head.timestamp} s) behind {leader_rpc.label}: head "
                    f"{head.number} vs {leader.number}, more than the {MAX_LAG_BLOCKS} blocks "
                    f"and {MAX_LAG_S} s tolerated",
                    hint="That node is stuck or syncing: fix it or take it out of the policy.",
                )
        block = min(head.number for _, head in heads)
        behind = [rpc for rpc, head in heads if head.number != block]
        at_block = self.each("eth_getBlockByNumber", lambda rpc: _block(rpc, block), behind)
        hashes = [(rpc, head.hash) for rpc, head in heads if head.number == block]
        hashes += [(rpc, head.hash) for rpc, head in at_block]
        return Pin(block, tuple(hashes))


def _labels(rpcs: Sequence[Rpc]) -> str:
    return ", ".join(rpc.label for rpc in rpcs)


def _chain_id(rpc: Rpc) -> int:
    return int(ask(rpc, "eth_chainId", lambda: rpc.w3.eth.chain_id))


def open_pool(
    urls: Sequence[str], chain_id: int, warn: Warn, waiting: Waiting | None = None
) -> RpcPool:
    """Ask every URL for its chain id within HEALTH_TIMEOUT_S. Any that fails is skipped with a
    warning (the primary falls over to the next); one serving another chain stops the flow."""
    from safeops.chain.retry import RetryingSession, retry_warning

    members: list[Rpc] = []
    failed: list[tuple[int, RpcUnavailable]] = []

    def say_skipped() -> None:
        for index, error in failed:
            if index == 0 and members:
                warn(f"primary {error.message}: falling over to {members[0].label}")
            else:
                warn(f"{error.message}: skipped")

    for index, url in enumerate(urls):
        session = RetryingSession(retry_warning(redact_url(url), warn))
        probe = Rpc(url, _web3(url, session, HEALTH_TIMEOUT_S), HEALTH_TIMEOUT_S, waiting)
        try:
            served = _chain_id(probe)
        except RpcUnavailable as error:  # down, or answering errors: either way of no use
            failed.append((index, error))
            continue
        if served != chain_id:
            say_skipped()
            raise ChainMismatch(
                f"RPC {probe.label} serves chain {served}, the policy says {chain_id}",
                hint="Point the policy's rpc at a node of the right chain.",
            )
        members.append(Rpc(url, _web3(url, session, READ_TIMEOUT_S), READ_TIMEOUT_S, waiting))
    if not members:
        raise RpcUnavailable(
            f"no RPC answers for chain {chain_id}: "
            + "; ".join(error.message for _, error in failed),
            hint="Check the policy's RPC URLs and that the nodes are reachable.",
        )
    say_skipped()
    pool = RpcPool(chain_id, len(urls), members, warn)
    pool.warn_if_alone()
    return pool


class RpcPools:
    """The RPC pools of one run: each chain's RPCs are checked once, each warning said once.

    Workflows share one through a whole command, so a slow primary costs its timeout once per
    run, not once per read; `warn` is how the CLI shows what was skipped.
    """

    def __init__(self, warn: Warn | None = None, waiting: Waiting | None = None) -> None:
        self.warnings: list[str] = []
        self._sink = warn
        self._waiting = waiting
        self._pools: dict[tuple[tuple[str, ...], int], RpcPool] = {}
        self._failed: dict[tuple[tuple[str, ...], int], RpcUnavailable] = {}
        # One lock per chain, so that a dead RPC's timeouts on one chain never hold up
        # another chain's Safes, and two threads of one chain open its pool once.
        self._locks: dict[tuple[tuple[str, ...], int], threading.Lock] = {}
        self._guard = threading.Lock()

    def _warn(self, message: str) -> None:
        with self._guard:
            if message in self.warnings:
                return
            self.warnings.append(message)
        if self._sink is not None:
            self._sink(message)

    def open(self, urls: Sequence[str], chain_id: int) -> RpcPool:
        """The chain's pool, opened once per run; a chain none of whose RPCs answered is not
        asked again in the same run (its timeouts are paid once)."""
        key = (tuple(urls), chain_id)
        with self._guard:
            lock = self._locks.setdefault(key, threading.Lock())
        with lock:
            if key in self._failed:
                raise self._failed[key]
            if key not in self._pools:
                try:
                    self._pools[key] = open_pool(urls, chain_id, self._warn, self._waiting)
                except RpcUnavailable as error:
                    self._failed[key] = error
                    raise
            return self._pools[key]
