"""Reject: the Safe's standard cancellation of a queued transaction. A zero-value call from
the Safe to itself, without data, at that transaction's nonce: once executed it uses the
nonce up, and the queued transaction can never execute."""

from __future__ import annotations

from safeops.core.actions.common import ActionPlan, lookup
from safeops.core.decoding.decode import JsonValue
from safeops.core.plan import Postcondition
from safeops.core.policy import Policy, SafeEntry
from safeops.core.transactions.batch import Call
from safeops.core.transactions.safe_tx import Operation, SafeTx
from safeops.errors import BadInput

SAFE_NONCE = "nonce()(uint256)"


def is_rejection(tx: SafeTx, safe: SafeEntry) -> bool:
    """True for exactly the rejection shape: a plain call to the Safe itself, no value, no
    data. Anything else sent to the Safe (a call of one of its functions) is not one."""
    return (
        tx.to == safe.address
        and tx.safe == safe.address
        and tx.value == 0
        and tx.data == b""
        and tx.operation == Operation.CALL
    )


def plan_reject(
    policy: Policy, safe_name: str, nonce: int, rejects: str | None = None
) -> ActionPlan:
    """The rejection at `nonce` of Safe `safe_name`; `rejects` is the safeTxHash it cancels,
    when one was named (recorded for reviewers; the nonce is what cancels)."""
    safe = lookup(policy.safes, "Safe", safe_name)
    if nonce < 0:
        raise BadInput(f"nonce {nonce} is negative")
    what = (
        f"the queued transaction {rejects}" if rejects else f"whatever is queued at nonce {nonce}"
    )
    description = (
        f"reject: a call to this Safe ({safe.address}) that does nothing, to use up nonce "
        f"{nonce} so that {what} can never execute"
    )
    proof = Postcondition(
        f"{safe_name}.nonce() == {nonce + 1} (nonce {nonce} used up)",
        safe.address,
        SAFE_NONCE,
        (),
        nonce + 1,
    )
    arguments: dict[str, JsonValue] = {"nonce": nonce, "rejects": rejects}
    return ActionPlan(
        action="reject",
        arguments=arguments,
        safe_name=safe_name,
        calls=(Call(safe.address, b"", 0, description),),
        postconditions=(proof,),
    )
