"""Danger checks on a Safe transaction and its decoded calls: the warnings a reviewer must see."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from safeops.core.addresses import is_zero
from safeops.core.decoding.decode import DecodedCall, JsonValue, walk
from safeops.core.deployments import (
    TRUSTED_LIBRARIES,
    known_deployment,
    trusted_delegatecall_target,
)
from safeops.core.transactions.safe_tx import Operation, SafeTx

# The codes are part of the CLI contract: policies and scripts match on these exact strings.
UNTRUSTED_DELEGATECALL = "UNTRUSTED_DELEGATECALL"
OWNER_CHANGE = "OWNER_CHANGE"
THRESHOLD_CHANGE = "THRESHOLD_CHANGE"
MODULE_CHANGE = "MODULE_CHANGE"
GUARD_CHANGE = "GUARD_CHANGE"
FALLBACK_HANDLER_CHANGE = "FALLBACK_HANDLER_CHANGE"
SINGLETON_CHANGE = "SINGLETON_CHANGE"
HASH_APPROVAL = "HASH_APPROVAL"
MESSAGE_SIGNATURE = "MESSAGE_SIGNATURE"
UPGRADE_CALL = "UPGRADE_CALL"
OWNERSHIP_TRANSFER = "OWNERSHIP_TRANSFER"
ROLE_GRANT = "ROLE_GRANT"
GAS_REFUND = "GAS_REFUND"
BASE_GAS_SET = "BASE_GAS_SET"
MALFORMED_CALLDATA = "MALFORMED_CALLDATA"

ALL_CODES = (
    UNTRUSTED_DELEGATECALL,
    OWNER_CHANGE,
    THRESHOLD_CHANGE,
    MODULE_CHANGE,
    GUARD_CHANGE,
    FALLBACK_HANDLER_CHANGE,
    SINGLETON_CHANGE,
    HASH_APPROVAL,
    MESSAGE_SIGNATURE,
    UPGRADE_CALL,
    OWNERSHIP_TRANSFER,
    ROLE_GRANT,
    GAS_REFUND,
    BASE_GAS_SET,
    MALFORMED_CALLDATA,
)

# What each sensitive function does, per code; matched on the signature wherever the call sits.
_SENSITIVE: Mapping[str, Mapping[str, str]] = MappingProxyType(
    {
        "addOwnerWithThreshold(address,uint256)": {
            OWNER_CHANGE: "adds a Safe owner",
            THRESHOLD_CHANGE: "sets the signing threshold",
        },
        "removeOwner(address,address,uint256)": {
            OWNER_CHANGE: "removes a Safe owner",
            THRESHOLD_CHANGE: "sets the signing threshold",
        },
        "swapOwner(address,address,address)": {OWNER_CHANGE: "replaces a Safe owner"},
        "changeThreshold(uint256)": {THRESHOLD_CHANGE: "sets the signing threshold"},
        "enableModule(address)": {
            MODULE_CHANGE: "enables a module, which can move funds without owner signatures"
        },
        "disableModule(address,address)": {MODULE_CHANGE: "disables a module"},
        "setGuard(address)": {GUARD_CHANGE: "replaces the guard that vets every Safe transaction"},
        "setModuleGuard(address)": {
            GUARD_CHANGE: "replaces the guard that vets every module transaction"
        },
        "setFallbackHandler(address)": {
            FALLBACK_HANDLER_CHANGE: "replaces the fallback handler, which also answers "
            "signature checks (EIP-1271) for the Safe"
        },
        "changeMasterCopy(address)": {
            SINGLETON_CHANGE: "replaces the Safe's implementation (singleton): new code owns it"
        },
        "migrateSingleton()": {SINGLETON_CHANGE: "migrates the Safe's implementation (singleton)"},
        "migrateL2Singleton()": {
            SINGLETON_CHANGE: "migrates the Safe's implementation (singleton) to the L2 one"
        },
        "migrateWithFallbackHandler()": {
            SINGLETON_CHANGE: "migrates the Safe's implementation (singleton)",
            FALLBACK_HANDLER_CHANGE: "replaces the fallback handler",
        },
        "migrateL2WithFallbackHandler()": {
            SINGLETON_CHANGE: "migrates the Safe's implementation (singleton) to the L2 one",
            FALLBACK_HANDLER_CHANGE: "replaces the fallback handler",
        },
        "approveHash(bytes32)": {
            HASH_APPROVAL: "approves a Safe transaction hash on-chain, as an owner's signature"
        },
        "signMessage(bytes)": {
            MESSAGE_SIGNATURE: "signs a message as the Safe (EIP-1271): permits and off-chain "
            "orders that accept Safe signatures will honour it"
        },
        "upgradeTo(address)": {UPGRADE_CALL: "upgrades the target's implementation"},
        "upgradeToAndCall(address,bytes)": {
            UPGRADE_CALL: "upgrades the target's implementation and runs code in it"
        },
        "setImplementation(address)": {UPGRADE_CALL: "replaces the target's implementation"},
        "upgrade(address,address)": {
            UPGRADE_CALL: "upgrades a proxy's implementation (ProxyAdmin)"
        },
        "upgradeAndCall(address,address,bytes)": {
            UPGRADE_CALL: "upgrades a proxy's implementation and calls it (ProxyAdmin)"
        },
        "changeAdmin(address)": {OWNERSHIP_TRANSFER: "hands a proxy's admin rights over"},
        "changeProxyAdmin(address,address)": {
            OWNERSHIP_TRANSFER: "hands a proxy's admin rights over (ProxyAdmin)"
        },
        "grantRole(bytes32,address)": {ROLE_GRANT: "grants a role, which may carry admin power"},
        "transferOwnership(address)": {OWNERSHIP_TRANSFER: "hands ownership of the target over"},
        "renounceOwnership()": {OWNERSHIP_TRANSFER: "gives up ownership of the target for good"},
    }
)
_TRUSTED_KINDS = ", ".join(TRUSTED_LIBRARIES[:-1]) + " or " + TRUSTED_LIBRARIES[-1]
_MAX_SHOWN = 66  # a bytes32 in hex; longer values are cut so a message stays on one line


@dataclass(frozen=True)
class Finding:
    """One warning: a stable code, a one-line message, and where in the call tree it applies."""

    code: str
    message: str
    path: str


def check_transaction(
    tx: SafeTx,
    decoded: DecodedCall,
    chain_id: int | None,
    libraries: Mapping[str, str] | None = None,
) -> list[Finding]:
    """Every danger found in `tx`, whose top-level call `decoded` is; `chain_id` None if unknown.

    `libraries` (checksummed address -> contract name) are the Safe's own library addresses
    from the policy, trusted like official ones: their code hash is proven where a chain is
    read. Ordered by call path depth-first (as walk() yields it), then by code.
    """
    if (
        decoded.to.lower() != tx.to.lower()
        or decoded.value != tx.value
        or decoded.data != tx.data
        or decoded.operation != tx.operation
    ):
        raise ValueError("the decoded call is not the transaction's own call")
    ranked: list[tuple[int, Finding]] = [(0, finding) for finding in _refund_findings(tx)]
    own = libraries or {}
    for rank, (path, call) in enumerate(walk(decoded)):
        ranked.extend((rank, finding) for finding in _call_findings(tx, call, path, chain_id, own))
    ranked.sort(key=lambda item: (item[0], item[1].code))
    return [finding for _, finding in ranked]


def _refund_findings(tx: SafeTx) -> list[Finding]:
    findings: list[Finding] = []
    fields = []
    if tx.gas_price:
        fields.append(f"gasPrice={tx.gas_price}")
    if not is_zero(tx.gas_token):
        fields.append(f"gasToken={tx.gas_token}")
    if not is_zero(tx.refund_receiver):
        fields.append(f"refundReceiver={tx.refund_receiver}")
    if fields:
        findings.append(
            Finding(
                GAS_REFUND,
                f"gas refund fields are set ({', '.join(fields)}): execution can pay the executor "
                "or refundReceiver out of the Safe's funds; they must all be zero",
                "call",
            )
        )
    if tx.base_gas:
        findings.append(
            Finding(
                BASE_GAS_SET,
                f"baseGas is {tx.base_gas}, not 0: it inflates any gas refund paid by the Safe "
                "and must be zero",
                "call",
            )
        )
    return findings


def _call_findings(
    tx: SafeTx, call: DecodedCall, path: str, chain_id: int | None, libraries: Mapping[str, str]
) -> list[Finding]:
    findings: list[Finding] = []
    where = "" if path == "call" else f" in batch item {path}"
    if call.operation == Operation.DELEGATECALL and call.to not in libraries:
        message = _untrusted_delegatecall(call, where, chain_id)
        if message:
            findings.append(Finding(UNTRUSTED_DELEGATECALL, message, path))
    effects = _SENSITIVE.get(call.signature or "", {})
    if effects:
        verb = "via delegatecall to" if call.operation == Operation.DELEGATECALL else "on"
        head = f"{_render_call(call)} {verb} {_describe_target(tx, call.to)}{where}"
        findings.extend(
            Finding(code, f"{head}: {effect}", path) for code, effect in effects.items()
        )
    if call.error is not None:
        findings.append(
            Finding(
                MALFORMED_CALLDATA,
                f"calldata to {call.to}{where} is malformed: {call.error}; review the raw data",
                path,
            )
        )
    return findings


def _untrusted_delegatecall(call: DecodedCall, where: str, chain_id: int | None) -> str | None:
    """Why a DELEGATECALL to `call.to` is unsafe, or None when the target is trusted here."""
    if trusted_delegatecall_target(call.to, chain_id) is not None:
        return None
    shown = _render_call(call) if call.signature else (call.selector or "no data")
    head = f"delegatecall to {call.to}{where} ({shown})"
    known = known_deployment(call.to)
    if known is not None and known.name == "MultiSend":
        return (
            f"{head} is the full MultiSend {known.version}, which is never trusted: its batch "
            "items can delegatecall anywhere; use MultiSendCallOnly"
        )
    if known is not None and known.name not in TRUSTED_LIBRARIES:
        return (
            f"{head}: that address is {known.describe()}, not a library a Safe may delegatecall "
            f"({_TRUSTED_KINDS}): that code runs as the Safe"
        )
    if known is not None:
        unlisted = f"they do not list it on chain {chain_id}"
        where_not = "the chain is unknown" if chain_id is None else unlisted
        return (
            f"{head}: that address is {known.describe()} where the Safe deployments list it, "
            f"but {where_not}; any code may be deployed there"
        )
    return (
        f"{head} targets no trusted Safe library ({_TRUSTED_KINDS}): that code runs as the Safe "
        "and can rewrite its owners, modules and implementation"
    )


def _describe_target(tx: SafeTx, to: str) -> str:
    if to.lower() == tx.safe.lower():
        return f"this Safe {tx.safe}"
    known = known_deployment(to)
    if known is not None:
        return f"{to} ({known.name} {known.version})"
    return to


def _render_call(call: DecodedCall) -> str:
    """`name(arg=value, ...)` with full addresses; long byte strings are cut."""
    signature = call.signature or call.selector or "(no data)"
    name = signature.split("(", 1)[0]
    if call.args or signature.endswith("()"):
        shown = ", ".join(f"{arg.name}={_render_value(arg.value)}" for arg in call.args)
        return f"{name}({shown})"
    return f"{signature} with undecodable arguments"


def _render_value(value: JsonValue) -> str:
    text = str(value)
    if isinstance(value, str) and len(text) > _MAX_SHOWN:
        return f"{text[:_MAX_SHOWN]}... ({(len(text) - 2) // 2} bytes)"
    return text
