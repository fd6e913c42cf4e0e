"""Several RPCs per chain: short health checks, failover with warnings, heads kept in step."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from safeops.chain.jsonrpc import JsonRpcNode, block_tag, data_bytes, quantity
from safeops.chain.parallel import each_at_once

# The lag tolerated between RPCs is the core's, which freshness checks share.
from safeops.core.lag import MAX_LAG_BLOCKS, MAX_LAG_S
from safeops.core.urls import redact_url
from safeops.errors import RpcDisagreement, RpcUnavailable

if TYPE_CHECKING:
    import requests

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
    node: JsonRpcNode
    timeout_s: float | None = None
    """The read timeout its requests run with, for messages; None when not known."""
    waiting: Waiting | None = field(default=None, compare=False, repr=False)

    @property
    def label(self) -> str:
        return redact_url(self.url)


class RpcDown(RpcUnavailable):
    """The RPC could not be reached or did not answer in time: another one may take over."""


def make_node(url: str, session: requests.Session, read_timeout_s: float) -> JsonRpcNode:
    # One session per RPC: every request of the run reuses its keep-alive connection, and no
    # retries of its own: failing over to the next RPC is faster than a minute of back-off.
    return JsonRpcNode(url, session, (CONNECT_TIMEOUT_S, read_timeout_s))


def connect(urls: Sequence[str]) -> list[Rpc]:
    """An Rpc per URL, without any request yet; `RpcPools.open` also checks that they answer."""
    from safeops.chain.retry import RetryingSession

    return [
        Rpc(url, make_node(url, RetryingSession(), READ_TIMEOUT_S), READ_TIMEOUT_S) for url in urls
    ]


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


def head_of(header: Any) -> Head:
    """A block header as JSON-RPC gives it, as a Head."""
    return Head(
        quantity(header["number"]), quantity(header["timestamp"]), data_bytes(header["hash"])
    )


def _block(rpc: Rpc, block: int | str) -> Head:
    def read() -> Head:
        header = rpc.node.request("eth_getBlockByNumber", [block_tag(block), False])
        if header is None:
            raise ValueError(f"no block {block}")
        return head_of(header)

    return ask(rpc, "eth_getBlockByNumber", read)  # type: ignore[no-any-return]


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
    """The RPCs of one chain that answer, in the policy's order: the first is the primary.

    Thread-safe: Safes of one chain handled at once share their pool."""

    chain_id: int
    configured: int
    members: list[Rpc]
    warn: Warn
    opened_heads: list[tuple[Rpc, Head]] = field(default_factory=list, repr=False)
    """Each member's head as the health check read it: the run's pin starts from these."""
    _said_alone: bool = field(default=False, repr=False)
    # Safe states already read and agreed on, by (Safe, block): one run reads each once.
    safe_states: dict[tuple[str, int], Any] = field(default_factory=dict, repr=False)
    _run_pin: Pin | None = field(default=None, repr=False)
    last_pin: Pin | None = field(default=None, repr=False)
    """The block pinned last, the run's or a fresh one, with each RPC's hash of it."""
    lock: threading.RLock = field(default_factory=threading.RLock, repr=False)
    # Runtime code hashes already read and agreed on, by (address, block); None: no code.
    code_hashes: dict[tuple[str, int], str | None] = field(default_factory=dict, repr=False)

    @property
    def primary(self) -> Rpc:
        with self.lock:
            if not self.members:
                raise RpcUnavailable(f"no RPC of chain {self.chain_id} answers any more")
            return self.members[0]

    def each(
        self, what: str, call: Callable[[Rpc], T], among: Sequence[Rpc] | None = None
    ) -> list[tuple[Rpc, T]]:
        """`call` on every member (or those `among` them), all at once. One that stops
        answering is dropped with a warning; one that answers with an error stops the flow: a
        healthy node would not answer so, and judging between answers is what the cross-check
        is for (the first such error in the policy's order is the one raised)."""
        with self.lock:
            asked = list(self.members if among is None else among)
        outcomes = each_at_once(call, asked)
        answers: list[tuple[Rpc, T]] = []
        down: list[RpcDown] = []
        with self.lock:
            try:
                for rpc, outcome in zip(asked, outcomes, strict=True):
                    if isinstance(outcome, RpcDown):
                        if rpc in self.members:
                            self.members.remove(rpc)
                        down.append(outcome)
                    elif isinstance(outcome, BaseException):
                        raise outcome
                    else:
                        answers.append((rpc, outcome))
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
        with self.lock:
            if self.configured > 1 and len(self.members) == 1 and not self._said_alone:
                self._said_alone = True
                self.warn(
                    f"only {self.members[0].label} answers of the {self.configured} RPCs of "
                    f"chain {self.chain_id}: its reads are not cross-checked"
                )

    def pin(self) -> Pin:
        """The run's block: pinned once, on first use, then shared by every read of the run
        (plan, review, rehearsal, propose see one state of the chain)."""
        with self.lock:
            if self._run_pin is None:
                opened = [(rpc, head) for rpc, head in self.opened_heads if rpc in self.members]
                self.opened_heads = []
                fresh = len(opened) != len(self.members)
                self._run_pin = self.fresh_pin() if fresh else self._pin_at(opened)
            return self._run_pin

    def fresh_pin(self) -> Pin:
        """A block pinned now, for the one read that must see the chain as it is when it acts
        (execute, right before its final simulation). The run's pin stays as it was."""
        return self._pin_at(self.each("eth_getBlockByNumber", lambda rpc: _block(rpc, "latest")))

    def _pin_at(self, heads: list[tuple[Rpc, Head]]) -> Pin:
        """The lowest of `heads`, after checking that none is far behind the highest
        (MAX_LAG_BLOCKS and MAX_LAG_S); with each member's hash of that block."""
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
        pin = Pin(block, tuple(hashes))
        with self.lock:
            self.last_pin = pin
        return pin


def _labels(rpcs: Sequence[Rpc]) -> str:
    return ", ".join(rpc.label for rpc in rpcs)
