"""The validated signer policy: frozen values the rest of safeops reads, never the raw TOML."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Literal

from safeops.core.keyspec import KeySpec
from safeops.core.policy.amounts import to_units
from safeops.core.policy.templates import CallTemplate, ConstValue

Role = Literal["proposer", "signer", "executor"]
Action = Literal["pause", "unpause", "revoke", "withdraw"]
ROLES: tuple[Role, ...] = ("proposer", "signer", "executor")
ACTIONS: tuple[Action, ...] = ("pause", "unpause", "revoke", "withdraw")


@dataclass(frozen=True)
class Settings:
    """`[settings]`: how fresh a fork rehearsal must be for a proposal to rely on it."""

    rehearsal_max_age_blocks: int = 50
    rehearsal_max_age_seconds: int = 1800


@dataclass(frozen=True)
class LocalProposals:
    """`proposals = "local:DIR"`: proposals and signatures kept in a folder (shared by git)."""

    directory: Path


@dataclass(frozen=True)
class ServiceProposals:
    """`proposals = "tx-service[:URL]"`: the Safe Transaction Service; None is the chain's own."""

    url: str | None = None


Proposals = LocalProposals | ServiceProposals


@dataclass(frozen=True)
class SafeExpect:
    """`expect`: what the Safe must look like on chain. None means "not pinned"."""

    version: str
    threshold: int
    owners: tuple[str, ...]
    """Signer names, in the policy's order."""
    owner_addresses: tuple[str, ...]
    """The same owners as checksummed addresses, in the same order."""
    modules: tuple[str, ...] | None = None
    guard: str | None = None
    fallback_handler: str | None = None
    singleton: str | None = None
    module_guard: str | None = None


@dataclass(frozen=True)
class SignatureKinds:
    """`signatures`: which kinds of owner confirmation execution may count, besides EIP-712.

    EIP-712 signatures always count. eth_sign is off by default (SECURITY.md rule 11: the hash
    is signed blind, as a personal message). Approved hashes (`approveHash` on chain) and
    contract owners' EIP-1271 signatures are verified on chain at the pinned block.
    """

    eth_sign: bool = False
    approved_hash: bool = True
    contract: bool = True


@dataclass(frozen=True)
class SafeEntry:
    """`[safes.NAME]`."""

    name: str
    chain_id: int
    address: str
    # RPC URLs often embed an API key: the expanded form stays out of repr and messages.
    rpc: tuple[str, ...] = field(repr=False)
    rpc_as_written: tuple[str, ...]
    """The URLs as the file spells them, `${VAR}` references included: safe to display."""
    proposals: Proposals
    expect: SafeExpect
    signatures: SignatureKinds = SignatureKinds()


@dataclass(frozen=True)
class SignerEntry:
    """`[signers.NAME]`: an account, where its key lives and what it may do."""

    name: str
    address: str
    key: KeySpec | None
    """None for an owner that signs elsewhere (hardware wallet, nested Safe) and is imported."""
    roles: frozenset[Role]


@dataclass(frozen=True)
class TargetAction:
    """`pause` or `unpause` of a target: the call and the Safe that makes it."""

    safe: str
    call: CallTemplate


@dataclass(frozen=True)
class PauseCheck:
    """`check` of a target: a view and the value it must return after each action."""

    call: CallTemplate
    after_pause: ConstValue | None = None
    after_unpause: ConstValue | None = None


@dataclass(frozen=True)
class TargetEntry:
    """`[targets.NAME]`: a pausable contract."""

    name: str
    address: str
    safe: str | None
    """The default Safe for the actions that name none."""
    pause: TargetAction | None
    unpause: TargetAction | None
    check: PauseCheck | None


@dataclass(frozen=True)
class RevokeCheck:
    """`check` of an allow-list: a view on `{account}` and its value once revoked."""

    call: CallTemplate
    after: ConstValue


@dataclass(frozen=True)
class AllowlistEntry:
    """`[allowlists.NAME]`: a contract from which accounts can be revoked."""

    name: str
    safe: str
    address: str
    revoke: CallTemplate
    check: RevokeCheck | None
    max_batch: int = 100

    @property
    def batched(self) -> bool:
        """True when one call revokes many accounts (`{accounts}`), not one call per account."""
        return "accounts" in self.revoke.placeholders


@dataclass(frozen=True)
class VaultEntry:
    """`[vaults.NAME]`: a contract whose funds may be withdrawn to pre-approved recipients."""

    name: str
    safe: str
    address: str
    withdraw: CallTemplate
    recipients: tuple[str, ...]
    tokens: tuple[str, ...]
    """Token names; every token of the policy when the file lists none."""


@dataclass(frozen=True)
class RecipientEntry:
    """`[recipients.NAME]`: an address funds may be withdrawn to."""

    name: str
    address: str


@dataclass(frozen=True)
class TokenEntry:
    """`[tokens.NAME]`: an ERC-20, or native ETH at the zero address, and its withdrawal cap."""

    name: str
    address: str
    decimals: int
    max_withdraw: Decimal | None = None
    """In token units, exactly as written; None means no cap."""

    @property
    def is_native(self) -> bool:
        return int(self.address, 16) == 0

    @property
    def max_withdraw_units(self) -> int | None:
        """The cap in the token's smallest unit (wei for ETH)."""
        if self.max_withdraw is None:
            return None
        return to_units(str(self.max_withdraw), self.decimals)


@dataclass(frozen=True)
class ActionRoles:
    """`[actions.NAME]`: the signers who may propose and execute one kind of action."""

    proposers: tuple[str, ...]
    executors: tuple[str, ...]


@dataclass(frozen=True)
class Policy:
    """A whole validated policy; `digest` binds plans to the exact file they were built from."""

    path: str
    digest: str
    """sha256 hex of the file's bytes."""
    settings: Settings
    safes: Mapping[str, SafeEntry]
    signers: Mapping[str, SignerEntry]
    targets: Mapping[str, TargetEntry]
    allowlists: Mapping[str, AllowlistEntry]
    vaults: Mapping[str, VaultEntry]
    recipients: Mapping[str, RecipientEntry]
    tokens: Mapping[str, TokenEntry]
    actions: Mapping[Action, ActionRoles]
    env_expanded: bool = True
    """False when validated without an environment: `rpc` then still holds `${VAR}` text."""

    def labels(self) -> dict[str, str]:
        """Every address the policy names, as `kind.name` (e.g. `safes.admin`), for display."""
        labels: dict[str, str] = {}
        for kind, entries in (
            ("safes", self.safes),
            ("signers", self.signers),
            ("targets", self.targets),
            ("allowlists", self.allowlists),
            ("vaults", self.vaults),
            ("recipients", self.recipients),
            ("tokens", self.tokens),
        ):
            for name, entry in entries.items():
                labels.setdefault(entry.address, f"{kind}.{name}")
        return labels
