"""The functions safeops names by their selector: the Safe's own, MultiSend, token, upgrade and
admin functions, and the bundled table of common ones."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from eth_hash.auto import keccak

from safeops.core.decoding.common_functions import COMMON_FUNCTIONS


@dataclass(frozen=True)
class KnownFunction:
    """A function safeops recognises by its selector."""

    signature: str
    kind: str
    arg_names: tuple[str, ...]

    @property
    def name(self) -> str:
        return self.signature.split("(", 1)[0]

    @property
    def arg_types(self) -> tuple[str, ...]:
        inside = self.signature.split("(", 1)[1].removesuffix(")")
        return tuple(inside.split(",")) if inside else ()

    @property
    def selector(self) -> bytes:
        return keccak(self.signature.encode())[:4]


_FUNCTIONS = (
    # Safe (OwnerManager, ModuleManager, GuardManager, FallbackManager, pre-1.3 MasterCopy)
    KnownFunction("addOwnerWithThreshold(address,uint256)", "safe", ("owner", "_threshold")),
    KnownFunction(
        "removeOwner(address,address,uint256)", "safe", ("prevOwner", "owner", "_threshold")
    ),
    KnownFunction(
        "swapOwner(address,address,address)", "safe", ("prevOwner", "oldOwner", "newOwner")
    ),
    KnownFunction("changeThreshold(uint256)", "safe", ("_threshold",)),
    KnownFunction("enableModule(address)", "safe", ("module",)),
    KnownFunction("disableModule(address,address)", "safe", ("prevModule", "module")),
    KnownFunction("setGuard(address)", "safe", ("guard",)),
    KnownFunction("setModuleGuard(address)", "safe", ("moduleGuard",)),
    KnownFunction("setFallbackHandler(address)", "safe", ("handler",)),
    KnownFunction("changeMasterCopy(address)", "safe", ("_masterCopy",)),
    KnownFunction("approveHash(bytes32)", "safe", ("hashToApprove",)),
    # SignMessageLib, reached by DELEGATECALL: marks a message as signed by the Safe (EIP-1271).
    KnownFunction("signMessage(bytes)", "safe", ("_data",)),
    # SafeMigration 1.4.1 / 1.5.0, reached by DELEGATECALL
    KnownFunction("migrateSingleton()", "migration", ()),
    KnownFunction("migrateWithFallbackHandler()", "migration", ()),
    KnownFunction("migrateL2Singleton()", "migration", ()),
    KnownFunction("migrateL2WithFallbackHandler()", "migration", ()),
    KnownFunction("multiSend(bytes)", "multisend", ("transactions",)),
    KnownFunction("transfer(address,uint256)", "erc20", ("to", "value")),
    KnownFunction("approve(address,uint256)", "erc20", ("spender", "value")),
    KnownFunction("transferFrom(address,address,uint256)", "erc20", ("from", "to", "value")),
    KnownFunction("upgradeTo(address)", "upgrade", ("newImplementation",)),
    KnownFunction("upgradeToAndCall(address,bytes)", "upgrade", ("newImplementation", "data")),
    KnownFunction("setImplementation(address)", "upgrade", ("newImplementation",)),
    # OpenZeppelin's ProxyAdmin upgrades a transparent proxy from outside it (WazirX, 2024).
    KnownFunction("upgrade(address,address)", "upgrade", ("proxy", "implementation")),
    KnownFunction(
        "upgradeAndCall(address,address,bytes)", "upgrade", ("proxy", "implementation", "data")
    ),
    KnownFunction("changeAdmin(address)", "ownership", ("newAdmin",)),
    KnownFunction("changeProxyAdmin(address,address)", "ownership", ("proxy", "newAdmin")),
    KnownFunction("grantRole(bytes32,address)", "role", ("role", "account")),
    KnownFunction("transferOwnership(address)", "ownership", ("newOwner",)),
    KnownFunction("renounceOwnership()", "ownership", ()),
)
KNOWN_FUNCTIONS: Mapping[bytes, KnownFunction] = MappingProxyType(
    {f.selector: f for f in (*_FUNCTIONS, *(KnownFunction(*row) for row in COMMON_FUNCTIONS))}
)
