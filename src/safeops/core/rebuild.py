"""Rebuild a plan's transaction from its recorded intent and compare it field by field.

What is signed must be what the operator asked for (the Bybit lesson): a proposal read back
from a store is rebuilt from its action and arguments with the policy, independently of the
stored calldata, and every Safe transaction field must come out identical.
"""

from __future__ import annotations

from dataclasses import fields
from typing import Any

from safeops.core.actions import ActionPlan, plan_pause, plan_reject, plan_revoke, plan_withdraw
from safeops.core.actions.withdraw import plan_withdraw_all
from safeops.core.plan import Plan
from safeops.core.policy import Policy, SafeEntry
from safeops.core.transactions.batch import build_for_safe
from safeops.core.transactions.safe_tx import SafeTx
from safeops.errors import BadInput, Refused

SERVICE_NAMES = {
    "to": "to",
    "value": "value",
    "data": "data",
    "operation": "operation",
    "safe_tx_gas": "safeTxGas",
    "base_gas": "baseGas",
    "gas_price": "gasPrice",
    "gas_token": "gasToken",
    "refund_receiver": "refundReceiver",
    "nonce": "nonce",
    "safe": "safe",
}


def _rebuild_action(policy: Policy, plan: Plan) -> list[ActionPlan]:
    args: dict[str, Any] = dict(plan.arguments)
    if plan.action in ("pause", "unpause"):
        return plan_pause(policy, list(args["targets"]), unpause=plan.action == "unpause")
    if plan.action == "revoke":
        return plan_revoke(policy, str(args["list"]), list(args["addresses"]))
    if plan.action == "withdraw" and args.get("all_tokens"):
        vault = policy.vaults.get(str(args["vault"]))
        # Tokens the vault held none of were left out of the sweep: they rebuild as zero.
        held = dict.fromkeys(vault.tokens if vault else (), 0)
        held |= {str(t["token"]): int(t["units"]) for t in args["tokens"]}
        return plan_withdraw_all(policy, str(args["vault"]), str(args["recipient"]), held)
    if plan.action == "withdraw":
        return plan_withdraw(
            policy,
            str(args["vault"]),
            str(args["token"]),
            str(args["amount"]),
            str(args["recipient"]),
        )
    if plan.action == "reject":
        # The nonce in the intent is the one the rejection proves used up: it must be the
        # transaction's own, or the proof would watch another nonce than the one it uses.
        if args["nonce"] != plan.tx.nonce:
            raise ValueError(f"it rejects nonce {args['nonce']} at nonce {plan.tx.nonce}")
        rejects = args.get("rejects")
        return [plan_reject(policy, plan.safe_name, plan.tx.nonce, rejects and str(rejects))]
    raise BadInput(f"the plan's action {plan.action!r} is not one safeops builds")


def rebuild_action(policy: Policy, plan: Plan) -> ActionPlan:
    """The action the plan's intent produces today under `policy`."""
    try:
        built = _rebuild_action(policy, plan)
    except (KeyError, TypeError, ValueError) as error:
        raise Refused(
            f"the plan's recorded arguments do not rebuild a {plan.action} "
            f"({type(error).__name__}: {error})",
            hint="Plans come from `safeops plan`; a hand-made one cannot be proven.",
        ) from None
    candidates = [a for a in built if a.safe_name == plan.safe_name]
    if len(candidates) != 1:
        raise Refused(
            f"the plan's arguments no longer give one transaction for Safe {plan.safe_name}"
        )
    return candidates[0]


def rebuild_tx(policy: Policy, plan: Plan) -> SafeTx:
    """The transaction the plan's intent produces today, at the plan's own nonce."""
    action = rebuild_action(policy, plan)
    return _build(policy, plan, action)


def _build(policy: Policy, plan: Plan, action: ActionPlan) -> SafeTx:
    """The action's transaction from the policy's Safe (batching through its MultiSendCallOnly)
    at the plan's nonce and Safe version; `rebuild_action` made sure the Safe is the policy's."""
    safe = policy.safes[plan.safe_name]
    return build_for_safe(safe, action.calls, plan.tx.nonce, plan.safe_version)


def policy_safe_of(policy: Policy, plan: Plan) -> SafeEntry:
    """The policy Safe a plan was built for; refused when the plan came from another policy
    or names a Safe (address, chain) that is not the policy's."""
    if plan.policy_digest != policy.digest:
        raise Refused(
            "the plan was built from another policy",
            hint="Build it again with `safeops plan` under the current policy.",
        )
    safe = policy.safes.get(plan.safe_name)
    if safe is None or safe.address != plan.tx.safe or safe.chain_id != plan.chain_id:
        raise Refused(f"the plan's Safe {plan.safe_name} ({plan.tx.safe}) is not the policy's")
    return safe


def differing_fields(expected: SafeTx, actual: SafeTx) -> list[str]:
    """The Service names of the fields in which two transactions differ."""
    return [
        SERVICE_NAMES[f.name]
        for f in fields(SafeTx)
        if getattr(expected, f.name) != getattr(actual, f.name)
    ]


def verify_against_rebuild(policy: Policy, plan: Plan, stored: SafeTx) -> None:
    """Refuse unless `stored` equals, field by field, what the plan's intent rebuilds, and the
    plan's calls and postconditions are the ones that intent gives: a plan whose proofs were
    swapped or emptied must not pass as "this transaction does what the plan says"."""
    action = rebuild_action(policy, plan)
    rebuilt = _build(policy, plan, action)
    differences = differing_fields(rebuilt, stored)
    if differences:
        raise Refused(
            f"the stored transaction differs from its local rebuild in {', '.join(differences)}",
            hint="Do not sign: the proposal was changed after it was planned.",
        )
    if [(c.to, c.value, c.data) for c in plan.calls] != [
        (c.to, c.value, c.data) for c in action.calls
    ]:
        raise Refused(
            "the plan's calls differ from what its action rebuilds",
            hint="Do not use this plan: plan it again.",
        )
    if list(plan.postconditions) != list(action.postconditions):
        raise Refused(
            "the plan's postconditions differ from what the policy gives its action",
            hint="Do not use this plan: its proofs were changed; plan it again.",
        )
