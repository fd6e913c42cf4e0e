"""One execTransaction per safeTxHash, even across crashes: each send is recorded (store and
audit log) before it is broadcast, looked up after any failure, and a re-run resolves the
recorded ones before it may sign another: mined is done, pending is waited for, dropped needs
an explicit `--resend`."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Collection, Sequence
from dataclasses import dataclass

from safeops.chain.execute import Sent
from safeops.core.sending import ABANDONED, SENDING, SendRecord
from safeops.errors import Refused, RpcUnavailable, SafeOpsError
from safeops.interrupts import Interrupted, pause_point
from safeops.workflows.ports import SafeChain, TransactionSigner
from safeops.workflows.proposals import Found
from safeops.workflows.session import Session

# A send recorded by a live run reaches the nodes within milliseconds of its record: before a
# recorded transaction no RPC knows is called dropped, it is looked for again this long.
DROPPED_GRACE_S = 3.0
LOOKUP_POLL_S = 0.5


class SendDropped(Refused):
    """A recorded send that no RPC knows: sending another needs the operator's `--resend`."""


@dataclass(frozen=True)
class Resend:
    """The recorded sends were dropped and `--resend` was given: send again, at `nonce` (the
    dropped one's, so that at most one of them can ever mine) when the executor can."""

    nonce: int | None


def _find(chain: SafeChain, tx_hash: str, patience_s: float) -> Sent | str | None:
    """Look `tx_hash` up, again every LOOKUP_POLL_S for `patience_s` while no RPC knows it."""
    deadline = time.monotonic() + patience_s
    while True:
        seen = chain.lookup(tx_hash)
        if seen is not None or time.monotonic() >= deadline:
            return seen
        time.sleep(LOOKUP_POLL_S)


def resolve_sends(
    session: Session,
    chain: SafeChain,
    sends: Sequence[SendRecord],
    executor: str,
    *,
    resend: bool,
) -> Sent | Resend | None:
    """What became of the recorded sends: a mined one (its receipt: the Safe's nonce is used,
    whatever the outcome); a pending one, waited for; None when every one reverted (a new send
    may go); Resend when some were dropped and `resend` allows another; else SendDropped."""
    seen = [(send, chain.lookup(send.tx_hash)) for send in sends]
    mined = [s for _, s in seen if isinstance(s, Sent) and s.status == 1]
    if mined:
        return mined[0]
    pending = [send for send, s in seen if s == "pending"]
    if pending:
        newest = pending[-1]
        session.progress(
            f"transaction {newest.tx_hash} (sent earlier by {newest.sender}) is pending: "
            "waiting for it, never sending another …"
        )
        return chain.wait(newest.tx_hash)
    unknown = [send for send, s in seen if s is None]
    for send in unknown:  # maybe a live run recorded it a moment ago and is broadcasting it
        late = _find(chain, send.tx_hash, DROPPED_GRACE_S)
        if isinstance(late, Sent) and late.status == 1:
            return late
        if late == "pending":
            session.progress(f"transaction {send.tx_hash} appeared: waiting for it …")
            return chain.wait(send.tx_hash)
    if not unknown:
        return None
    dropped = unknown[-1]
    if not resend:
        raise SendDropped(
            f"transaction {dropped.tx_hash} was sent for this proposal (nonce {dropped.nonce} "
            f"of {dropped.sender}) but no RPC knows it: it was dropped. Nothing was sent again",
            hint=f"To sign and send a new one: `safeops execute {dropped.safe_tx_hash} --signer "
            "EXECUTOR --resend`; it reuses that nonce when the same executor sends, so only "
            "one of them can ever be mined.",
        )
    reuse = dropped.sender == executor and chain.account_nonce(executor) <= dropped.nonce
    return Resend(dropped.nonce if reuse else None)


class ConcurrentSend(Exception):
    """Another run recorded a send of this proposal while this one was about to."""

    def __init__(self, other: SendRecord) -> None:
        super().__init__(other.tx_hash)
        self.other = other


def write_ahead(session: Session, found: Found, record: SendRecord, known: Collection[str]) -> None:
    """Record the send in the store, then in the audit log, before anything is broadcast;
    when either fails nothing is sent (and the store's record is taken back)."""
    other = found.store.record_send(record, known)
    if other is None:
        try:
            other = session.audit.record_send(record, known)
        except BaseException:
            with contextlib.suppress(SafeOpsError):
                found.store.forget_send(record.safe_tx_hash, record.tx_hash)
            raise
        if other is not None:
            with contextlib.suppress(SafeOpsError):
                found.store.forget_send(record.safe_tx_hash, record.tx_hash)
    if other is not None:
        raise ConcurrentSend(other)


def _abandon(session: Session, found: Found, record: SendRecord) -> None:
    """Take back the record of a send that was never broadcast (interrupted in between)."""
    with contextlib.suppress(SafeOpsError):
        found.store.forget_send(record.safe_tx_hash, record.tx_hash)
    with contextlib.suppress(SafeOpsError):
        session.audit.record(SENDING, ABANDONED, **record.to_json())


def send_once(
    session: Session,
    found: Found,
    chain: SafeChain,
    signatures: bytes,
    executor: TransactionSigner,
    *,
    nonce: int | None,
    known: Collection[str],
) -> str:
    """Sign, record, broadcast; the hash, which is in the store and the audit log before the
    node sees the transaction. A failed broadcast is followed by a lookup of that hash."""
    plan = found.plan
    signed = chain.sign_send(plan.tx, signatures, executor, nonce)
    record = SendRecord(
        plan.safe_tx_hash,
        plan.chain_id,
        plan.tx.safe,
        plan.tx.nonce,
        signed.tx_hash,
        signed.sender,
        signed.nonce,
        session.now(),
    )
    write_ahead(session, found, record, known)
    try:
        pause_point("execute:before-broadcast", tx_hash=signed.tx_hash)
    except KeyboardInterrupt as interrupt:
        _abandon(session, found, record)
        raise Interrupted("before sending: nothing was sent", interrupt) from None
    session.progress(f"sending execTransaction {signed.tx_hash} …")
    try:
        chain.broadcast(signed)
    except KeyboardInterrupt as interrupt:
        raise Interrupted(
            f"while sending {signed.tx_hash}: it may have reached the node; a re-run looks "
            "for it before anything else",
            interrupt,
            tx_hash=signed.tx_hash,
        ) from None
    except SafeOpsError as error:
        seen = _find(chain, signed.tx_hash, DROPPED_GRACE_S)
        if seen is None:
            raise RpcUnavailable(
                f"{error.message}, and no RPC knows {signed.tx_hash}: it was most likely not sent",
                hint=f"Run the command again: it looks for {signed.tx_hash} first and says "
                "whether another send (--resend) is needed.",
            ) from None
        session.progress(f"the send failed ({error.message}), but {signed.tx_hash} was taken")
    return signed.tx_hash
