"""A Safe's configuration as read from chain, and its drift from what the policy expects."""

from __future__ import annotations

from dataclasses import dataclass, fields

from eth_hash.auto import keccak

from safeops.core.policy.model import SafeExpect

# Storage slots the Safe keeps outside its sequential layout (see GuardManager, FallbackManager
# and, from 1.5.0, ModuleManager): a change there re-routes every transaction.
GUARD_SLOT = int.from_bytes(keccak(b"guard_manager.guard.address"), "big")
FALLBACK_HANDLER_SLOT = int.from_bytes(keccak(b"fallback_manager.handler.address"), "big")
MODULE_GUARD_SLOT = int.from_bytes(keccak(b"module_manager.module_guard.address"), "big")
# The Safe's sequential storage: 0 singleton, 1 modules, 2 owners, 3 owner count, 4 threshold,
# 5 nonce (then 6 deprecated domain separator, 7 signedMessages, 8 approvedHashes).
SINGLETON_SLOT = 0
OWNER_COUNT_SLOT = 3
THRESHOLD_SLOT = 4
NONCE_SLOT = 5


@dataclass(frozen=True)
class SafeState:
    """What one RPC says about a Safe at one block. Addresses are checksummed."""

    address: str
    block: int
    version: str
    owners: tuple[str, ...]
    threshold: int
    nonce: int
    singleton: str
    modules: tuple[str, ...]
    guard: str
    fallback_handler: str
    module_guard: str

    def differences(self, other: SafeState) -> list[str]:
        """Names of the fields on which two reads of the same Safe disagree."""
        return [f.name for f in fields(self) if getattr(self, f.name) != getattr(other, f.name)]


@dataclass(frozen=True)
class Drift:
    """One difference between the policy and the chain."""

    safe: str
    check: str
    expected: str
    actual: str
    message: str


def _list(items: tuple[str, ...]) -> str:
    return "[" + ", ".join(items) + "]"


def find_drift(name: str, expected: SafeExpect, live: SafeState) -> list[Drift]:
    """Every way `live` differs from `expected`: owners compared as sets, then in order."""
    drift: list[Drift] = []

    def add(check: str, want: str, got: str, message: str) -> None:
        drift.append(Drift(name, check, want, got, message))

    if live.version.removesuffix("+L2") != expected.version:
        add("version", expected.version, live.version, "the Safe runs another version")
    if live.threshold != expected.threshold:
        add("threshold", str(expected.threshold), str(live.threshold), "the threshold changed")
    added = [o for o in live.owners if o not in expected.owner_addresses]
    removed = [o for o in expected.owner_addresses if o not in live.owners]
    for owner in added:
        add(
            "owners",
            _list(expected.owner_addresses),
            _list(live.owners),
            f"unexpected owner {owner}",
        )
    for owner in removed:
        add("owners", _list(expected.owner_addresses), _list(live.owners), f"missing owner {owner}")
    for check, want, got in (
        ("singleton", expected.singleton, live.singleton),
        ("guard", expected.guard, live.guard),
        ("fallback_handler", expected.fallback_handler, live.fallback_handler),
        ("module_guard", expected.module_guard, live.module_guard),
    ):
        if want is not None and want != got:
            add(check, want, got, f"the {check.replace('_', ' ')} changed")
    if expected.modules is not None and set(expected.modules) != set(live.modules):
        extra = sorted(set(live.modules) - set(expected.modules))
        gone = sorted(set(expected.modules) - set(live.modules))
        parts = [f"unexpected module {m}" for m in extra] + [f"missing module {m}" for m in gone]
        add("modules", _list(expected.modules), _list(live.modules), "; ".join(parts))
    return drift
