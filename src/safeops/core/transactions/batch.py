"""Turn an action's calls into one Safe transaction: direct, or a MultiSendCallOnly batch."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from safeops.core.decoding.decode import encode_multisend
from safeops.core.deployments import official_address
from safeops.core.policy.model import SafeEntry
from safeops.core.transactions.safe_tx import Operation, SafeTx, SafeVersion
from safeops.errors import Refused

# The MultiSendCallOnly version each Safe version batches through (by the Safe's version, the
# newest first). Batches never use the full MultiSend, whose DELEGATECALL items could run
# arbitrary code as the Safe (docs/security.md check 3).
_BATCHER_VERSIONS = (((1, 5, 0), "1.5.0"), ((1, 4, 0), "1.4.1"), ((1, 3, 0), "1.3.0"))


@dataclass(frozen=True)
class Call:
    """A plain CALL the Safe makes, with a line saying what it is for."""

    to: str
    data: bytes
    value: int = 0
    description: str = ""


def multisend_call_only_for(version: SafeVersion, chain_id: int | None = None) -> str:
    """The official MultiSendCallOnly a Safe of `version` batches through on `chain_id` (None:
    the deterministic deployment, valid wherever it has the official code)."""
    library = next((v for floor, v in _BATCHER_VERSIONS if version.number >= floor), None)
    if library is None:
        raise Refused(
            f"Safe {version} has no MultiSendCallOnly deployment: batches need 1.3.0 or later",
            hint="Plan one call at a time, upgrade the Safe, or declare "
            "libraries.multisend_call_only for it in the policy.",
        )
    address = official_address("MultiSendCallOnly", library, chain_id)
    if address is None:
        raise Refused(
            f"the Safe deployments list no MultiSendCallOnly {library} on chain {chain_id}",
            hint="Declare the Safe's libraries.multisend_call_only in the policy (see "
            "docs/policy.md), or plan one call at a time.",
        )
    return address


def batcher_for(safe: SafeEntry, version: SafeVersion) -> str:
    """The MultiSendCallOnly `safe` batches through: the policy's own, or the official one."""
    declared = safe.libraries.multisend_call_only
    return declared if declared is not None else multisend_call_only_for(version, safe.chain_id)


def build_safe_tx(
    safe: str,
    calls: Sequence[Call],
    nonce: int,
    version: SafeVersion,
    *,
    multisend: str | None = None,
) -> SafeTx:
    """One call goes direct; several go through MultiSendCallOnly (`multisend`, by default
    the deterministic deployment for `version`). Refund fields stay zero."""
    if not calls:
        raise Refused("nothing to do: the action produced no calls")
    if len(calls) == 1:
        (call,) = calls
        return SafeTx(safe=safe, to=call.to, value=call.value, data=call.data, nonce=nonce)
    payload = encode_multisend([(Operation.CALL, c.to, c.value, c.data) for c in calls])
    return SafeTx(
        safe=safe,
        to=multisend or multisend_call_only_for(version),
        data=payload,
        operation=Operation.DELEGATECALL,
        nonce=nonce,
    )


def build_for_safe(
    safe: SafeEntry, calls: Sequence[Call], nonce: int, version: SafeVersion
) -> SafeTx:
    """`build_safe_tx` for a policy Safe: batches go through its own MultiSendCallOnly."""
    multisend = batcher_for(safe, version) if len(calls) > 1 else None
    return build_safe_tx(safe.address, calls, nonce, version, multisend=multisend)
