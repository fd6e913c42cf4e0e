"""A rehearsal record vouched for by a policy signer: an EIP-191 signature over its digest.

A digest alone proves nothing: anyone who can write the plan's folder can write a record that
says `passed` and recompute its sha256. A record counts for `propose`, `sign` and `execute`
only when a signer of the policy who may rehearse (role proposer or signer) signed it, or when
it was rehearsed in the same process.
"""

from __future__ import annotations

from typing import Any

from eth_hash.auto import keccak

from safeops.core.hexes import hex0x
from safeops.core.policy import Policy, Role, SignerEntry
from safeops.core.rehearsal.record import REHEARSE_HINT, RehearsalRecord, record_digest
from safeops.core.transactions.signatures import recover_signer
from safeops.errors import Refused, SafeOpsError

REHEARSER_ROLES: tuple[Role, ...] = ("proposer", "signer")
"""Who may vouch for a rehearsal: the people who answer for what is proposed and signed. An
executor-only account (a gas relayer) is not one: it checks nothing."""
MESSAGE_PREFIX = "safeops rehearsal record "
UNSIGNED_HINT = (
    "An unsigned record is written for people to read and never counts: run "
    "`safeops rehearse PLAN --signer NAME` with a proposer or signer of the policy."
)


def record_message(digest: str) -> bytes:
    """The text a signer signs. Readable on a hardware wallet, and longer than 32 bytes, so
    that it can never double as a Safe `eth_sign` approval of some safeTxHash."""
    return f"{MESSAGE_PREFIX}0x{digest}".encode()


def eip191_hash(message: bytes) -> bytes:
    """The EIP-191 (version 0x45, `personal_sign`) hash of `message`."""
    return keccak(b"\x19Ethereum Signed Message:\n" + str(len(message)).encode() + message)


def record_hash(record: RehearsalRecord) -> bytes:
    """The 32 bytes a signer's key signs for `record`."""
    return eip191_hash(record_message(record.digest))


def may_rehearse(policy: Policy, name: str) -> SignerEntry:
    """The policy signer `name`, if it holds a role that may vouch for a rehearsal."""
    entry = policy.signers.get(name)
    if entry is None:
        raise Refused(
            f"{name!r} is not a signer of the policy",
            hint="Sign the rehearsal as one of the policy's proposers or signers.",
        )
    if not entry.roles & set(REHEARSER_ROLES):
        roles = ", ".join(sorted(entry.roles))
        raise Refused(
            f"signer {name} may not vouch for a rehearsal (roles: {roles})",
            hint="Only a proposer or a signer of the policy signs rehearsal records.",
        )
    return entry


def signed_record(
    record: RehearsalRecord, signer: SignerEntry, signature: bytes
) -> RehearsalRecord:
    """`record` with `signer`'s signature, checked to recover to the signer's address."""
    recovered = _recover(record, signature)
    if recovered != signer.address:
        raise Refused(f"the record's signature recovers to {recovered}, not {signer.address}")
    document: dict[str, Any] = dict(record.document)
    document["signature"] = {
        "signer": signer.name,
        "address": signer.address,
        "signature": hex0x(signature),
    }
    return RehearsalRecord(document)


def record_signer(record: RehearsalRecord, policy: Policy) -> SignerEntry:
    """The policy signer who vouched for `record`; Refused when nobody (valid) did."""
    vouched = record.signature
    if vouched is None:
        raise Refused("the rehearsal record is not signed", hint=UNSIGNED_HINT)
    if record_digest(record.document) != record.digest:
        raise Refused(
            "the rehearsal record was altered: its digest does not match its content",
            hint=REHEARSE_HINT,
        )
    name, text = vouched.get("signer"), vouched.get("signature")
    if not isinstance(name, str) or not isinstance(text, str) or not text.startswith("0x"):
        raise Refused("the rehearsal record's signature is malformed", hint=REHEARSE_HINT)
    entry = may_rehearse(policy, name)
    try:
        raw = bytes.fromhex(text[2:])
    except ValueError:
        raise Refused("the rehearsal record's signature is not hex", hint=REHEARSE_HINT) from None
    recovered = _recover(record, raw)
    if recovered != entry.address:
        raise Refused(
            f"the rehearsal record's signature recovers to {recovered}, not to signer "
            f"{name} ({entry.address})",
            hint=UNSIGNED_HINT,
        )
    return entry


def _recover(record: RehearsalRecord, signature: bytes) -> str:
    try:
        return recover_signer(record_hash(record), signature).owner
    except SafeOpsError as error:
        raise Refused(
            f"the rehearsal record's signature does not verify: {error.message}",
            hint=REHEARSE_HINT,
        ) from None
