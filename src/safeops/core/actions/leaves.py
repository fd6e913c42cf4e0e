"""Check each plain call of a transaction against the operations the policy allows."""

from __future__ import annotations

from collections.abc import Mapping

from safeops.core.actions.common import format_units
from safeops.core.actions.match import Operation, match_template, operations_by_address
from safeops.core.actions.violations import (
    CAP_EXCEEDED,
    MAX_BATCH_EXCEEDED,
    RECIPIENT_NOT_ALLOWED,
    TOKEN_NOT_ALLOWED,
    UNKNOWN_FUNCTION,
    UNKNOWN_TARGET,
    VALUE_NOT_ALLOWED,
    WRONG_SAFE,
    Violation,
)
from safeops.core.decoding.decode import DecodedCall
from safeops.core.deployments import known_library
from safeops.core.policy import Action, Policy, TokenEntry


def describe(policy: Policy, address: str, chain_id: int | None = None) -> str:
    """`0x… (targets.router)`, `0x… (MultiSend 1.3.0)` or `0x… (not in the policy)`; the
    entry of `chain_id` when the same address is on several chains."""
    label = policy.labels(chain_id).get(address)
    if label is None and (library := known_library(address)) is not None:
        label = f"{library.name} {library.version}"
    return f"{address} ({label or 'not in the policy'})"


class LeafChecker:
    """Checks the plain calls of one transaction, keeping the totals that span several calls.

    Caps apply to the sum withdrawn per token across the whole transaction, and `max_batch` to
    the accounts revoked per allow-list: splitting one withdrawal or revocation into several
    calls of one batch must not get around either.
    """

    def __init__(self, policy: Policy, safe_name: str) -> None:
        self.policy = policy
        self.safe_name = safe_name
        safe = policy.safes.get(safe_name)
        self.chain_id = safe.chain_id if safe is not None else None
        self.actions: set[Action] = set()
        self._operations = operations_by_address(policy)
        self._withdrawn: dict[str, int] = {}
        self._over_cap: set[str] = set()
        self._revoked: dict[str, int] = {}

    def where(self, address: str) -> str:
        """`describe` with this Safe's chain's names."""
        return describe(self.policy, address, self.chain_id)

    def check(self, path: str, call: DecodedCall) -> list[Violation]:
        """Why the plain call at `path` is not an allowed operation of this Safe; [] if it is."""
        violations = []
        where = self.where(call.to)
        if call.value:
            message = (
                f"{path}: sends {call.value} wei to {where}: emergency actions never send ETH "
                "directly; ETH leaves a vault through its withdraw function"
            )
            violations.append(Violation(VALUE_NOT_ALLOWED, message, path))
        operations = self._operations.get(call.to, [])
        if not operations:
            message = f"{path}: {where} is not a target, allow-list or vault of the policy"
            return [*violations, Violation(UNKNOWN_TARGET, message, path)]
        matches = [
            (operation, values)
            for operation in operations
            if (values := match_template(operation.template, call.data)) is not None
        ]
        if not matches:
            allowed = "; ".join(f"{o.action} {o.template.text}" for o in operations)
            message = f"{path}: {_function(call)} on {where} is none of the calls allowed there"
            return [*violations, Violation(UNKNOWN_FUNCTION, f"{message} ({allowed})", path)]
        mine = [(o, values) for o, values in matches if o.safe == self.safe_name]
        if not mine:
            operation = matches[0][0]
            message = (
                f"{path}: {operation.action} of {where} belongs to Safe {operation.safe}, "
                f"not {self.safe_name}"
            )
            return [*violations, Violation(WRONG_SAFE, message, path)]
        operation, values = mine[0]
        self.actions.add(operation.action)
        if operation.action == "revoke":
            accounts = values.get("accounts")
            count = len(accounts) if isinstance(accounts, tuple) else 1
            self._revoked[operation.name] = self._revoked.get(operation.name, 0) + count
        if operation.action == "withdraw":
            violations.extend(self._withdrawal(path, operation, values))
        return violations

    def totals(self) -> list[Violation]:
        """Limits on the whole transaction, known once every call has been checked."""
        violations = []
        for name, count in self._revoked.items():
            limit = self.policy.allowlists[name].max_batch
            if count > limit:
                message = (
                    f"revokes {count} accounts from allowlists.{name}, above its max_batch "
                    f"of {limit}: split it into several plans"
                )
                violations.append(Violation(MAX_BATCH_EXCEEDED, message, "call"))
        return violations

    def _withdrawal(
        self, path: str, operation: Operation, values: Mapping[str, object]
    ) -> list[Violation]:
        vault = self.policy.vaults[operation.name]
        recipients = {self.policy.recipients[n].address: n for n in vault.recipients}
        tokens = {self.policy.tokens[n].address: self.policy.tokens[n] for n in vault.tokens}
        # A template without {token} withdraws the one token the vault lists (the loader checks).
        token_address = str(values.get("token", self.policy.tokens[vault.tokens[0]].address))
        to, amount = str(values["to"]), values["amount"]
        assert isinstance(amount, int), "the template types {amount} as a uint"
        violations = []
        if to not in recipients:
            allowed = ", ".join(f"{n} ({a})" for a, n in recipients.items())
            message = (
                f"{path}: withdraws from vaults.{vault.name} to {self.where(to)}; "
                f"allowed recipients: {allowed}"
            )
            violations.append(Violation(RECIPIENT_NOT_ALLOWED, message, path))
        token = tokens.get(token_address)
        if token is None:
            message = (
                f"{path}: withdraws token {self.where(token_address)} from "
                f"vaults.{vault.name}; allowed tokens: {', '.join(vault.tokens)}"
            )
            violations.append(Violation(TOKEN_NOT_ALLOWED, message, path))
        elif (over := self._cap(token, amount)) is not None:
            violations.append(Violation(CAP_EXCEEDED, f"{path}: {over}", path))
        return violations

    def _cap(self, token: TokenEntry, amount: int) -> str | None:
        """Why this amount takes `token` over its cap, reported once per token."""
        total = self._withdrawn.get(token.name, 0) + amount
        self._withdrawn[token.name] = total
        cap = token.max_withdraw_units
        if cap is None or total <= cap or token.name in self._over_cap:
            return None
        self._over_cap.add(token.name)

        def units(value: int) -> str:
            return f"{format_units(value, token.decimals)} {token.name}"

        if amount == total:
            what = f"withdraws {units(amount)}"
        else:
            what = f"brings the {token.name} withdrawn by this transaction to {units(total)}"
        return f"{what}, above the cap of {units(cap)} (tokens.{token.name}.max_withdraw)"


def _function(call: DecodedCall) -> str:
    if call.signature:
        return call.signature
    if call.selector:
        return f"selector {call.selector}"
    return "a call without data"
