"""Policy evaluation of a Safe transaction, judged from its bytes alone, whoever built it.

`review` evaluates plans and transactions from outside (a Service JSON, a Transaction Builder
file) alike, so nothing here trusts how a transaction was made: every call is decoded and must
be exactly what one of the policy's templates produces, from the Safe the policy gives it to.
"""

from __future__ import annotations

from collections.abc import Collection

from safeops.core.actions.common import lookup
from safeops.core.actions.leaves import LeafChecker, describe
from safeops.core.actions.reject import is_rejection
from safeops.core.actions.violations import (
    ACTION_MISMATCH,
    CHAIN_MISMATCH,
    DELEGATECALL_NOT_ALLOWED,
    NO_OPERATION,
    REFUND_FIELDS,
    ROLE,
    SAFE_MISMATCH,
    VALUE_NOT_ALLOWED,
    PolicyViolation,
    Violation,
)
from safeops.core.addresses import is_zero
from safeops.core.decoding.checks import check_transaction
from safeops.core.decoding.decode import DecodedCall, decode_call, walk
from safeops.core.policy import ACTIONS, Policy, SafeEntry
from safeops.core.transactions.batch import batcher_for
from safeops.core.transactions.safe_tx import Operation, SafeTx, SafeVersion
from safeops.errors import BadInput, Refused

__all__ = ["SENSITIVE_CODES", "PolicyViolation", "Violation", "evaluate"]

# Danger-check codes the policy refuses outright (docs/security.md check 4): the emergency playbooks
# never need any of them. GAS_REFUND and BASE_GAS_SET are covered by REFUND_FIELDS instead.
SENSITIVE_CODES = frozenset(
    {
        "OWNER_CHANGE",
        "THRESHOLD_CHANGE",
        "MODULE_CHANGE",
        "GUARD_CHANGE",
        "FALLBACK_HANDLER_CHANGE",
        "SINGLETON_CHANGE",
        "UPGRADE_CALL",
        "OWNERSHIP_TRANSFER",
        "ROLE_GRANT",
        "HASH_APPROVAL",
        "MESSAGE_SIGNATURE",
        "UNTRUSTED_DELEGATECALL",
        "MALFORMED_CALLDATA",
    }
)


def evaluate(
    policy: Policy,
    safe_name: str,
    tx: SafeTx,
    chain_id: int,
    proposer: str | None = None,
    action: str | None = None,
) -> list[Violation]:
    """Every reason the policy refuses `tx` as a transaction of Safe `safe_name`; [] if none.

    `proposer` (a signer name or address) is checked against `[actions]` for every action the
    transaction performs, plus `action` when given; `action` (what the plan claims) must also
    be the only action the transaction performs. Order: the Safe and gas fields, then the calls
    in call-tree order, then totals and roles.
    """
    safe = lookup(policy.safes, "Safe", safe_name)
    if action is not None and action not in ACTIONS:
        raise BadInput(f"unknown action {action!r} (known: {', '.join(ACTIONS)})")
    decoded = decode_call(tx.to, tx.value, tx.data, tx.operation)
    checker = LeafChecker(policy, safe_name)
    if is_rejection(tx, safe):
        checker.actions.add("reject")  # the standard cancellation: it calls nothing
        calls: list[Violation] = []
    else:
        calls = _walk(checker, decoded, _batcher(safe))
    calls += [
        Violation(f.code, f"{f.path}: {f.message}", f.path)
        for f in check_transaction(tx, decoded, chain_id, safe.libraries.by_address())
        if f.code in SENSITIVE_CODES
    ]
    rank = {path: index for index, (path, _) in enumerate(walk(decoded))}
    calls.sort(key=lambda v: rank.get(v.path, len(rank)))  # stable: own violations first
    return [
        *_identity(policy, safe, tx, chain_id),
        *_gas_fields(tx),
        *calls,
        *checker.totals(),
        *_roles(policy, checker.actions, proposer, action),
    ]


def _batcher(safe: SafeEntry) -> str | None:
    """The one DELEGATECALL target allowed: this Safe's MultiSendCallOnly (the policy's own, or
    the official one of its version on its chain), if it has one."""
    try:
        return batcher_for(safe, SafeVersion.parse(safe.expect.version))
    except Refused:
        return None


def _walk(checker: LeafChecker, top: DecodedCall, batcher: str | None) -> list[Violation]:
    """Leaf calls are checked; only the top call may be a batch, and only through `batcher`."""
    if top.operation != Operation.DELEGATECALL:
        return checker.check("call", top)
    if top.to != batcher or top.kind != "multisend":
        allowed = f"MultiSendCallOnly {batcher}" if batcher else "nothing for this Safe version"
        message = (
            f"call: delegatecall to {checker.where(top.to)}: code run by delegatecall "
            f"acts as the Safe; the only one allowed is a multiSend batch to {allowed}"
        )
        return [Violation(DELEGATECALL_NOT_ALLOWED, message, "call")]
    violations: list[Violation] = []
    if top.value:
        message = f"call: the batch carries {top.value} wei; emergency actions never send ETH"
        violations.append(Violation(VALUE_NOT_ALLOWED, message, "call"))
    if not top.inner and top.error is None:
        message = "call: the batch makes no call: it would only use up the nonce"
        violations.append(Violation(NO_OPERATION, message, "call"))
    for index, item in enumerate(top.inner):
        path = f"call.batch[{index}]"
        if item.operation == Operation.DELEGATECALL:
            message = (
                f"{path}: delegatecall to {checker.where(item.to)} inside a batch: "
                "batch items may only call (one batch level, MultiSendCallOnly)"
            )
            violations.append(Violation(DELEGATECALL_NOT_ALLOWED, message, path))
        else:
            violations.extend(checker.check(path, item))
    return violations


def _identity(policy: Policy, safe: SafeEntry, tx: SafeTx, chain_id: int) -> list[Violation]:
    violations = []
    if tx.safe.lower() != safe.address.lower():
        message = (
            f"the transaction is for Safe {describe(policy, tx.safe, safe.chain_id)}, "
            f"not {safe.name} ({safe.address})"
        )
        violations.append(Violation(SAFE_MISMATCH, message, "safe"))
    if chain_id != safe.chain_id:
        message = f"chain {chain_id} is not chain {safe.chain_id} of Safe {safe.name}"
        violations.append(Violation(CHAIN_MISMATCH, message, "chainId"))
    return violations


def _gas_fields(tx: SafeTx) -> list[Violation]:
    """safeTxGas, baseGas, gasPrice, gasToken and refundReceiver must all be zero.

    The last four let execution pay a refund out of the Safe (docs/security.md, 5). safeTxGas is
    held to zero too: with it (and gasPrice) at zero a failing call reverts the whole execution
    (GS013), instead of "succeeding" with the nonce used up and the emergency action not done.
    """
    fields = [
        f"{name}={value}"
        for name, value, zero in (
            ("safeTxGas", tx.safe_tx_gas, not tx.safe_tx_gas),
            ("baseGas", tx.base_gas, not tx.base_gas),
            ("gasPrice", tx.gas_price, not tx.gas_price),
            ("gasToken", tx.gas_token, is_zero(tx.gas_token)),
            ("refundReceiver", tx.refund_receiver, is_zero(tx.refund_receiver)),
        )
        if not zero
    ]
    if not fields:
        return []
    message = f"gas and refund fields must be zero: {', '.join(fields)}"
    return [Violation(REFUND_FIELDS, message, "call")]


def _roles(
    policy: Policy, performed: Collection[str], proposer: str | None, action: str | None
) -> list[Violation]:
    violations = []
    if action is not None and (others := [a for a in ACTIONS if a in performed and a != action]):
        message = f"the plan says {action}, but the transaction also does {', '.join(others)}"
        violations.append(Violation(ACTION_MISMATCH, message, "action"))
    if proposer is None:
        return violations
    name = _signer(policy, proposer)
    if name is None:
        message = f"proposer {proposer} is not a signer of the policy"
        return [*violations, Violation(ROLE, message, "proposer")]
    for act in ACTIONS:
        allowed = policy.actions[act].proposers
        if (act in performed or act == action) and name not in allowed:
            message = f"signer {name} may not propose {act} (proposers: {', '.join(allowed)})"
            violations.append(Violation(ROLE, message, "proposer"))
    return violations


def _signer(policy: Policy, proposer: str) -> str | None:
    """The signer's name, given its name or its address."""
    if proposer in policy.signers:
        return proposer
    for signer in policy.signers.values():
        if signer.address.lower() == proposer.lower():
            return signer.name
    return None
