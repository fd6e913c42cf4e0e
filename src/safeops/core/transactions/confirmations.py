"""Owner confirmations of a Safe transaction: which ones execution may count, and why not.

A team's confirmations come from different tools: EIP-712 signatures (wallets, safeops),
eth_sign (some hardware-wallet flows and old tools; v 31/32), an `approveHash` made on chain
(v 1, r = owner, s = 0) and contract owners such as a nested Safe (EIP-1271; v 0, r = owner,
s = the offset of its data). One confirmation that cannot or may not be used must not block the
others: each is read here, then counted or skipped with its reason. Which kinds count is the
policy's choice (`signatures`); approvals and contract signatures count only as the chain
confirms them at the pinned block, facts the caller reads and passes in (this module is pure).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from eth_utils.address import to_checksum_address

from safeops.core.policy.model import SignatureKinds
from safeops.core.transactions.signatures import recover_ecdsa
from safeops.errors import Refused, SafeOpsError

STATIC_LENGTH = 65  # r, s, v: each signature's fixed part, sorted by owner in execTransaction


class Kind(StrEnum):
    EIP712 = "eip712"
    ETH_SIGN = "eth_sign"
    APPROVED_HASH = "approved_hash"
    CONTRACT = "contract"


@dataclass(frozen=True)
class Claim:
    """One readable confirmation: who it proves, how, and the bytes the Safe checks."""

    listed: str
    """The owner the store files it under."""
    owner: str
    """The recovered signer (ECDSA), or the owner named in r (approved hash, contract)."""
    kind: Kind
    signature: bytes
    """The 65-byte static part: low-s ECDSA with v 27/28 or 31/32, or r = owner for v 0/1."""
    data: bytes = b""
    """A contract signature's payload, which the owner's isValidSignature receives."""


@dataclass(frozen=True)
class Skipped:
    """A confirmation execution does not count, and why (shown to the operator)."""

    owner: str
    reason: str
    malformed: bool = False
    """True when it could not be read at all (as opposed to read and not counted)."""

    def to_json(self) -> dict[str, str]:
        return {"owner": self.owner, "reason": self.reason}


@dataclass(frozen=True)
class ChainFacts:
    """What the chain says at the pinned block about the claims that need it."""

    block: int
    approved: frozenset[str] = frozenset()
    """Owners whose `approvedHashes(owner, safeTxHash)` is set."""
    valid_contract_signatures: frozenset[str] = frozenset()
    """Contract owners whose isValidSignature accepted their signature."""
    executor: str | None = None
    """The account sending execTransaction: the Safe takes its own v = 1 signature as given."""


@dataclass(frozen=True)
class Classification:
    usable: tuple[Claim, ...]
    """One per owner, sorted by owner address as the Safe requires (GS026)."""
    skipped: tuple[Skipped, ...]

    @property
    def owners(self) -> tuple[str, ...]:
        return tuple(claim.owner for claim in self.usable)

    def signatures_for(self, threshold: int) -> bytes:
        """execTransaction's `signatures`, or a refusal naming what was skipped."""
        if len(self.usable) < threshold:
            skipped = "; ".join(f"{s.owner}: {s.reason}" for s in self.skipped)
            raise Refused(
                f"{len(self.usable)} distinct owner signature(s), the threshold is {threshold}"
                + (f" (skipped {skipped})" if skipped else ""),
                hint="Collect more owner signatures (safeops sign), then execute again.",
            )
        return pack(self.usable)


def read_confirmation(listed: str, text: str | None, safe_tx_hash: bytes) -> Claim | Skipped:
    """Parse one stored confirmation (0x-hex, or None when the store has no signature)."""
    if text is None:
        return Skipped(listed, "listed without a signature", malformed=True)
    try:
        blob = bytes.fromhex(text.removeprefix("0x")) if text.startswith("0x") else None
    except ValueError:
        blob = None
    if blob is None:
        return Skipped(listed, "the signature is not 0x-hex", malformed=True)
    if len(blob) < STATIC_LENGTH:
        return Skipped(listed, f"{len(blob)} bytes: too short for a signature", malformed=True)
    r, s, v = blob[:32], int.from_bytes(blob[32:64], "big"), blob[64]
    names_owner = r[:12] == bytes(12) and int.from_bytes(r, "big") != 0
    if v == 1 and names_owner:  # an ECDSA r never starts with 12 zero bytes in practice
        if s != 0:
            return Skipped(listed, "approved-hash signature whose s is not 0", malformed=True)
        return _exact(listed, blob, Claim(listed, _owner(r), Kind.APPROVED_HASH, blob[:65]))
    if v == 0 and names_owner:
        return _contract(listed, blob, r, s)
    if v not in (0, 1, 27, 28, 31, 32):
        return Skipped(listed, f"v = {v}: a signature type safeops does not verify")
    try:
        recovered = recover_ecdsa(safe_tx_hash, blob[:65])
    except SafeOpsError as error:
        return Skipped(listed, error.message, malformed=True)
    kind = Kind.ETH_SIGN if recovered.signature[64] > 30 else Kind.EIP712
    return _exact(listed, blob, Claim(listed, recovered.owner, kind, recovered.signature))


def kind_by_shape(text: str) -> Kind | None:
    """The kind a signature claims by its v and shape, before any recovery; None if unclear."""
    try:
        blob = bytes.fromhex(text.removeprefix("0x"))
    except ValueError:
        return None
    if len(blob) < STATIC_LENGTH:
        return None
    v, names_owner = blob[64], blob[:12] == bytes(12)
    if v in (31, 32):
        return Kind.ETH_SIGN
    if v in (27, 28) or (v in (0, 1) and not names_owner):
        return Kind.EIP712
    return {0: Kind.CONTRACT, 1: Kind.APPROVED_HASH}.get(v)


def _owner(word: bytes) -> str:
    return str(to_checksum_address(word[12:]))


def _exact(listed: str, blob: bytes, claim: Claim) -> Claim | Skipped:
    if len(blob) != STATIC_LENGTH:
        return Skipped(
            listed, f"{len(blob) - STATIC_LENGTH} bytes follow the signature", malformed=True
        )
    return claim


def _contract(listed: str, blob: bytes, r: bytes, offset: int) -> Claim | Skipped:
    """v = 0: the owner contract in r, its data at `offset` as a length-prefixed payload."""
    if offset < STATIC_LENGTH or offset + 32 > len(blob):
        return Skipped(listed, "contract signature whose data offset points outside it", True)
    length = int.from_bytes(blob[offset : offset + 32], "big")
    if offset + 32 + length != len(blob):
        return Skipped(listed, "contract signature whose data length does not match", True)
    static = r + STATIC_LENGTH.to_bytes(32, "big") + b"\x00"
    return Claim(listed, _owner(r), Kind.CONTRACT, static, blob[offset + 32 :])


def read_confirmations(
    confirmations: Mapping[str, str | None], safe_tx_hash: bytes
) -> tuple[list[Claim], list[Skipped]]:
    read = [read_confirmation(listed, text, safe_tx_hash) for listed, text in confirmations.items()]
    return (
        [item for item in read if isinstance(item, Claim)],
        [item for item in read if isinstance(item, Skipped)],
    )


def needs_chain(claims: Iterable[Claim], owners: Sequence[str]) -> tuple[list[Claim], list[Claim]]:
    """(approved-hash claims, contract claims) of current owners: what the chain must confirm."""
    current = [c for c in claims if c.owner in owners]
    return (
        [c for c in current if c.kind == Kind.APPROVED_HASH],
        [c for c in current if c.kind == Kind.CONTRACT],
    )


def classify(
    claims: Iterable[Claim],
    owners: Sequence[str],
    kinds: SignatureKinds,
    facts: ChainFacts,
    already_skipped: Iterable[Skipped] = (),
) -> Classification:
    """Count each claim or skip it with its reason; never more than one per owner."""
    usable: dict[str, Claim] = {}
    skipped = list(already_skipped)
    for claim in claims:
        reason = _why_not(claim, owners, kinds, facts)
        if reason is None and claim.owner in usable:
            reason = "a second confirmation by this owner"
        if reason is None:
            usable[claim.owner] = claim
        else:
            skipped.append(Skipped(claim.listed, reason))
    ordered = tuple(usable[o] for o in sorted(usable, key=lambda o: int(o, 16)))
    return Classification(ordered, tuple(skipped))


def _why_not(
    claim: Claim, owners: Sequence[str], kinds: SignatureKinds, facts: ChainFacts
) -> str | None:
    if claim.listed.lower() != claim.owner.lower():
        return f"it is {claim.owner}'s signature, not this owner's"
    refused = refused_kind(claim.kind, kinds)
    if refused is not None:
        return refused
    if claim.owner not in owners:
        return "not an owner now"
    if claim.kind == Kind.APPROVED_HASH and claim.owner not in (facts.approved | {facts.executor}):
        return f"approved hash: no approveHash of this safeTxHash on chain at block {facts.block}"
    if claim.kind == Kind.CONTRACT and claim.owner not in facts.valid_contract_signatures:
        return f"contract signature: the owner's isValidSignature refused it at block {facts.block}"
    return None


def refused_kind(kind: Kind, kinds: SignatureKinds) -> str | None:
    """Why the policy does not count this kind of signature, or None when it does."""
    allowed = {
        Kind.EIP712: True,
        Kind.ETH_SIGN: kinds.eth_sign,
        Kind.APPROVED_HASH: kinds.approved_hash,
        Kind.CONTRACT: kinds.contract,
    }
    if allowed[kind]:
        return None
    label = {
        Kind.ETH_SIGN: "eth_sign signature",
        Kind.APPROVED_HASH: "approved hash",
        Kind.CONTRACT: "contract signature",
    }[kind]
    return f"{label}: the policy does not count them (signatures.{kind.value})"


def pack(claims: Sequence[Claim]) -> bytes:
    """The static parts sorted by owner, then each contract signature's length-prefixed data,
    its offset written into s (as the Safe reads them and protocol-kit builds them)."""
    ordered = sorted(claims, key=lambda c: int(c.owner, 16))
    static, dynamic = b"", b""
    for claim in ordered:
        if claim.kind != Kind.CONTRACT:
            static += claim.signature
            continue
        offset = STATIC_LENGTH * len(ordered) + len(dynamic)
        owner_word = bytes(12) + bytes.fromhex(claim.owner[2:])
        static += owner_word + offset.to_bytes(32, "big") + b"\x00"
        dynamic += len(claim.data).to_bytes(32, "big") + claim.data
    return static + dynamic
