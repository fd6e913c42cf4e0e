"""The inverse of the builders: recognise a call as an operation the policy allows, and how."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from eth_utils.address import to_checksum_address

from safeops.core.policy import Action, CallTemplate, Policy, TargetAction
from safeops.core.policy.templates import placeholder_name
from safeops.errors import BadInput


@dataclass(frozen=True)
class Operation:
    """One call the policy allows at an address: the entry, its action, the Safe that makes it."""

    kind: str
    """The policy section: `targets`, `allowlists` or `vaults`."""
    name: str
    action: Action
    safe: str
    address: str
    template: CallTemplate

    @property
    def label(self) -> str:
        return f"{self.kind}.{self.name}"


def operations_by_address(policy: Policy) -> dict[str, list[Operation]]:
    """Every allowed operation, by the address it is called on (one contract may hold several)."""
    found: list[Operation] = []
    for target in policy.targets.values():
        actions: tuple[tuple[Action, TargetAction | None], ...] = (
            ("pause", target.pause),
            ("unpause", target.unpause),
        )
        for action, entry in actions:
            if entry is not None:
                found.append(
                    Operation(
                        "targets", target.name, action, entry.safe, target.address, entry.call
                    )
                )
    for allowlist in policy.allowlists.values():
        found.append(
            Operation(
                "allowlists",
                allowlist.name,
                "revoke",
                allowlist.safe,
                allowlist.address,
                allowlist.revoke,
            )
        )
    for vault in policy.vaults.values():
        found.append(
            Operation("vaults", vault.name, "withdraw", vault.safe, vault.address, vault.withdraw)
        )
    by_address: dict[str, list[Operation]] = {}
    for operation in found:
        by_address.setdefault(operation.address, []).append(operation)
    return by_address


def match_template(template: CallTemplate, data: bytes) -> Mapping[str, object] | None:
    """The placeholder values for which `template` produces exactly `data`, or None.

    Decoding alone would accept a call whose constants differ (`setAllowed(a, true)` for a
    revoke written `setAllowed(a, false)`) or whose encoding hides extra bytes: re-rendering the
    template with the decoded values and comparing bytes refuses both.
    """
    from eth_abi.abi import decode
    from eth_abi.exceptions import DecodingError, EncodingError

    selector = template.signature.selector
    if data[:4] != selector:
        return None
    if not template.placeholders:
        return {} if data == template.calldata({}) else None
    try:
        decoded = decode(list(template.signature.inputs), data[4:])
    except (DecodingError, ValueError, OverflowError):
        return None
    values: dict[str, object] = {}
    for arg, abi_type, raw in zip(template.args, template.signature.inputs, decoded, strict=True):
        name = placeholder_name(arg)
        if name is not None and name not in values:
            values[name] = _normalised(abi_type, raw)
    try:
        rendered = template.calldata(values)
    except (EncodingError, BadInput):
        return None
    return values if rendered == data else None


def _normalised(abi_type: str, raw: object) -> object:
    """Decoded addresses checksummed, arrays as tuples: the form the builders use."""
    if abi_type == "address" and isinstance(raw, str):
        return to_checksum_address(raw)
    if abi_type == "address[]" and isinstance(raw, tuple):
        return tuple(to_checksum_address(item) for item in raw)
    return raw
