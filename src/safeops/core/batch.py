"""Turn an action's calls into one Safe transaction: direct, or a MultiSendCallOnly batch."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from safeops.core.decode import encode_multisend
from safeops.core.safe_tx import Operation, SafeTx, SafeVersion
from safeops.errors import Refused

# The canonical MultiSendCallOnly of each Safe version: batches never use the full MultiSend,
# whose DELEGATECALL items could run arbitrary code as the Safe (docs/security.md check 3).
MULTISEND_CALL_ONLY = {
    "1.3.0": "0x40A2aCCbd92BCA938b02010E17A5b8929b49130D",
    "1.4.1": "0x9641d764fc13c8B624c04430C7356C1C7C8102e2",
    "1.5.0": "0xA83c336B20401Af773B6219BA5027174338D1836",
}


@dataclass(frozen=True)
class Call:
    """A plain CALL the Safe makes, with a line saying what it is for."""

    to: str
    data: bytes
    value: int = 0
    description: str = ""


def multisend_call_only_for(version: SafeVersion) -> str:
    """The MultiSendCallOnly deployment a Safe of `version` batches through."""
    if version.number >= (1, 5, 0):
        return MULTISEND_CALL_ONLY["1.5.0"]
    if version.number >= (1, 4, 0):
        return MULTISEND_CALL_ONLY["1.4.1"]
    if version.number >= (1, 3, 0):
        return MULTISEND_CALL_ONLY["1.3.0"]
    raise Refused(
        f"Safe {version} has no MultiSendCallOnly deployment: batches need 1.3.0 or later",
        hint="Plan one call at a time, or upgrade the Safe.",
    )


def build_safe_tx(safe: str, calls: Sequence[Call], nonce: int, version: SafeVersion) -> SafeTx:
    """One call goes direct; several go through MultiSendCallOnly. Refund fields stay zero."""
    if not calls:
        raise Refused("nothing to do: the action produced no calls")
    if len(calls) == 1:
        (call,) = calls
        return SafeTx(safe=safe, to=call.to, value=call.value, data=call.data, nonce=nonce)
    payload = encode_multisend([(Operation.CALL, c.to, c.value, c.data) for c in calls])
    return SafeTx(
        safe=safe,
        to=multisend_call_only_for(version),
        data=payload,
        operation=Operation.DELEGATECALL,
        nonce=nonce,
    )
