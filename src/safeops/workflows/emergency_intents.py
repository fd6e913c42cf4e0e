"""What the on-call engineer asked `emergency` for (pause, revoke, withdraw), which Safes it
involves, and what is left to do on each one once the chain says what already holds."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

from safeops.core.actions import ActionPlan, plan_pause, plan_revoke, plan_withdraw
from safeops.core.actions.postconditions import after_revoke, after_target
from safeops.core.actions.withdraw import plan_withdraw_all
from safeops.core.plan import Postcondition
from safeops.core.policy import Policy, SafeEntry
from safeops.errors import BadInput
from safeops.workflows.session import Session


@dataclass(frozen=True)
class Remaining:
    """One Safe's work: the plans still needed, and the items left out because their check
    already holds on chain (a target already paused, an account already revoked)."""

    actions: list[ActionPlan]
    already: list[str] = field(default_factory=list)
    note: str | None = None
    """Why nothing is left when there is no per-item check (an empty vault)."""


class Intent(Protocol):
    """One emergency request, whatever its kind."""

    @property
    def action(self) -> str: ...

    @property
    def once(self) -> bool:
        """True when the same request executed just before is not done again unasked."""
        ...

    def safes(self, policy: Policy) -> list[str]:
        """The Safes involved, in the policy's order; bad input is refused here, before any
        Safe is touched."""
        ...

    def remaining(self, session: Session, safe: SafeEntry, block: int) -> Remaining:
        """What is left on `safe`, read from its chain at `block`."""
        ...

    def items(self, action: ActionPlan) -> list[str]:
        """What one plan acts on, as the report names it."""
        ...


def _listed(plan: ActionPlan, key: str) -> list[str]:
    """The names (targets) or addresses (accounts) a plan's arguments list under `key`."""
    value = plan.arguments[key]
    assert isinstance(value, list), f"the action builders record {key} as a list"
    return [str(item) for item in value]


def _holding(
    session: Session, safe: SafeEntry, checks: Sequence[Postcondition], block: int
) -> list[bool]:
    """Whether each check already holds at `block` (one read per check, no transaction)."""
    if not checks:
        return []
    return [result.ok for result in session.chain(safe).prove(checks, [], block)]


@dataclass(frozen=True)
class PauseIntent:
    """`emergency pause|unpause [TARGET…|--all]`."""

    targets: tuple[str, ...]
    all_targets: bool
    unpause: bool
    once: bool = False

    @property
    def action(self) -> str:
        return "unpause" if self.unpause else "pause"

    def _by_safe(self, policy: Policy) -> dict[str, list[str]]:
        plans = plan_pause(policy, self.targets, all_targets=self.all_targets, unpause=self.unpause)
        return {plan.safe_name: _listed(plan, "targets") for plan in plans}

    def safes(self, policy: Policy) -> list[str]:
        return list(self._by_safe(policy))

    def remaining(self, session: Session, safe: SafeEntry, block: int) -> Remaining:
        policy = session.policy
        names = self._by_safe(policy)[safe.name]
        checked = [
            (name, check)
            for name in names
            if (check := after_target(policy.targets[name], self.unpause)) is not None
        ]
        holding = _holding(session, safe, [check for _, check in checked], block)
        already = [name for (name, _), held in zip(checked, holding, strict=True) if held]
        left = [name for name in names if name not in already]
        if not left:
            return Remaining([], already)
        plans = plan_pause(policy, left, unpause=self.unpause)
        return Remaining([plan for plan in plans if plan.safe_name == safe.name], already)

    def items(self, action: ActionPlan) -> list[str]:
        return _listed(action, "targets")


@dataclass(frozen=True)
class RevokeIntent:
    """`emergency revoke LIST ADDRESS…`."""

    allowlist: str
    addresses: tuple[str, ...]
    once: bool = False

    @property
    def action(self) -> str:
        return "revoke"

    def _accounts(self, policy: Policy) -> list[str]:
        """Checksummed, repeats removed, look-alikes refused: what plan_revoke accepts."""
        plans = plan_revoke(policy, self.allowlist, self.addresses)
        return [account for plan in plans for account in _listed(plan, "addresses")]

    def safes(self, policy: Policy) -> list[str]:
        self._accounts(policy)
        return [policy.allowlists[self.allowlist].safe]

    def remaining(self, session: Session, safe: SafeEntry, block: int) -> Remaining:
        policy = session.policy
        allowlist = policy.allowlists[self.allowlist]
        accounts = self._accounts(policy)
        checked = [(a, c) for a in accounts if (c := after_revoke(allowlist, a)) is not None]
        holding = _holding(session, safe, [check for _, check in checked], block)
        already = [account for (account, _), held in zip(checked, holding, strict=True) if held]
        left = [account for account in accounts if account not in already]
        if not left:
            return Remaining([], already)
        gas_limit = session.chain(safe).gas_limit()
        plans = plan_revoke(policy, self.allowlist, left, block_gas_limit=gas_limit)
        return Remaining(plans, already)

    def items(self, action: ActionPlan) -> list[str]:
        return _listed(action, "addresses")


@dataclass(frozen=True)
class WithdrawIntent:
    """`emergency withdraw VAULT --to R (--token T --amount A | --all-tokens) [--again]`.

    A withdrawal has no check that says it is done (the vault may hold more), so a request
    is not repeated unasked: `once` (True unless `--again`) makes the flow report the same
    withdrawal executed at the Safe's previous nonce instead of planning a second one.
    """

    vault: str
    to: str
    token: str | None = None
    amount: str | None = None
    all_tokens: bool = False
    once: bool = True

    @property
    def action(self) -> str:
        return "withdraw"

    def safes(self, policy: Policy) -> list[str]:
        if self.all_tokens:
            if self.token or self.amount:
                raise BadInput("--all-tokens sweeps everything: drop --token and --amount")
            vault = policy.vaults.get(self.vault)
            # Any balance checks the names, the recipient and the caps' shape before the
            # chain is read; the real balances decide the plan later.
            one = dict.fromkeys(vault.tokens, 1) if vault is not None else {}
            plans = plan_withdraw_all(policy, self.vault, self.to, one)
        else:
            if not self.token or not self.amount:
                raise BadInput("--token and --amount are needed (or --all-tokens)")
            plans = plan_withdraw(policy, self.vault, self.token, self.amount, self.to)
        return [plans[0].safe_name]

    def remaining(self, session: Session, safe: SafeEntry, block: int) -> Remaining:
        policy = session.policy
        vault = policy.vaults[self.vault]
        tokens = {name: policy.tokens[name].address for name in vault.tokens}
        held = session.chain(safe).token_balances(vault.address, tokens)
        if self.all_tokens:
            if not any(held.values()):
                return Remaining([], note=f"vault {vault.name} holds none of its tokens")
            return Remaining(plan_withdraw_all(policy, self.vault, self.to, held))
        token, amount = self.token or "", self.amount or ""  # both given: checked in safes()
        return Remaining(plan_withdraw(policy, self.vault, token, amount, self.to, balances=held))

    def items(self, action: ActionPlan) -> list[str]:
        args = action.arguments
        if args.get("all_tokens"):
            listed = args["tokens"]
            assert isinstance(listed, list)
            moved = [f"{t['amount']} {t['token']}" for t in listed if isinstance(t, dict)]
        else:
            moved = [f"{args['amount']} {args['token']}"]
        return [f"{amount} -> {args['recipient']}" for amount in moved]
