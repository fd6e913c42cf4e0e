"""Emergency withdrawal: one token, or a sweep of every token, to a recipient the policy names."""

from __future__ import annotations

from collections.abc import Mapping

from safeops.core.actions.common import ActionPlan, format_units, lookup
from safeops.core.actions.postconditions import balance_changes
from safeops.core.actions.violations import (
    CAP_EXCEEDED,
    RECIPIENT_NOT_ALLOWED,
    TOKEN_NOT_ALLOWED,
    PolicyViolation,
    Violation,
)
from safeops.core.addresses import looks_like
from safeops.core.decoding.decode import JsonValue
from safeops.core.plan import Postcondition
from safeops.core.policy import Policy, RecipientEntry, TokenEntry, VaultEntry, to_units
from safeops.core.transactions.batch import Call
from safeops.errors import BadInput, Refused

_AMOUNT_HINT = "Give the amount in token units as a plain decimal, such as 1250.5."


def plan_withdraw(
    policy: Policy,
    vault_name: str,
    token_name: str,
    amount_text: str,
    recipient_name: str,
    *,
    balances: Mapping[str, int] | None = None,
) -> list[ActionPlan]:
    """Withdraw `amount_text` (token units, e.g. "12.5") of one token; one plan.

    `balances` (base units by token name, read from the chain) is optional: when it holds the
    token, an amount above the vault's balance is refused now rather than reverting later.
    """
    vault = lookup(policy.vaults, "vault", vault_name)
    recipient = _recipient(policy, vault, recipient_name)
    token = _token(policy, vault, token_name)
    units = _units(token, amount_text)
    cap = token.max_withdraw_units
    if cap is not None and units > cap:
        raise PolicyViolation([_over_cap(token, units, cap, "amount")])
    if balances is not None and units > balances.get(token.name, units):
        held = format_units(balances[token.name], token.decimals)
        raise Refused(f"vault {vault.name} holds {held} {token.name}, less than {amount_text}")
    call, checks = _withdrawal(vault, token, recipient, units)
    arguments: dict[str, JsonValue] = {
        "vault": vault.name,
        "token": token.name,
        "amount": amount_text,
        "units": str(units),
        "recipient": recipient.name,
    }
    return [ActionPlan("withdraw", arguments, vault.safe, (call,), checks)]


def plan_withdraw_all(
    policy: Policy,
    vault_name: str,
    recipient_name: str,
    balances: Mapping[str, int],
    *,
    cap_to_limit: bool = False,
) -> list[ActionPlan]:
    """Sweep every token of the vault with a non-zero balance (base units by token name).

    A balance above its token's cap is refused unless `cap_to_limit`, which withdraws the cap
    and notes what stays behind: a sweep that quietly leaves funds in a compromised vault is
    worse than one that stops and asks. `balances` must cover exactly the vault's tokens, so
    a token the caller forgot to read cannot be skipped unnoticed.
    """
    vault = lookup(policy.vaults, "vault", vault_name)
    recipient = _recipient(policy, vault, recipient_name)
    _check_balances(vault, balances)
    amounts: list[tuple[TokenEntry, int]] = []
    over: list[Violation] = []
    notes: list[str] = []
    for token in (policy.tokens[name] for name in vault.tokens):
        units, cap = balances[token.name], token.max_withdraw_units
        if cap is not None and units > cap:
            if not cap_to_limit:
                over.append(_over_cap(token, units, cap, f"balances.{token.name}"))
                continue
            left = _amount(token, units - cap)
            notes.append(f"{token.name} capped at {_amount(token, cap)}: {left} stays in the vault")
            units = cap
        if units:
            amounts.append((token, units))
    if over:
        hint = "Withdraw up to each cap explicitly (cap to limit), or raise the cap in the policy."
        raise PolicyViolation(over, hint=hint)
    if not amounts:
        raise Refused(f"nothing to withdraw: vault {vault.name} holds none of its tokens")
    if empty := [name for name in vault.tokens if balances[name] == 0]:
        notes.append(f"nothing to withdraw of {', '.join(empty)}")
    calls: list[Call] = []
    checks: list[Postcondition] = []
    for token, units in amounts:
        call, changes = _withdrawal(vault, token, recipient, units)
        calls.append(call)
        checks.extend(changes)
    withdrawn: list[JsonValue] = [
        {"token": t.name, "amount": format_units(u, t.decimals), "units": str(u)}
        for t, u in amounts
    ]
    arguments: dict[str, JsonValue] = {
        "vault": vault.name,
        "all_tokens": True,
        "tokens": withdrawn,
        "recipient": recipient.name,
    }
    return [
        ActionPlan(
            "withdraw", arguments, vault.safe, tuple(calls), tuple(checks), notes=tuple(notes)
        )
    ]


def _recipient(policy: Policy, vault: VaultEntry, name: str) -> RecipientEntry:
    """The recipient by name; an address typed instead is refused, the recipient too."""
    allowed = ", ".join(vault.recipients)
    if name.lower().startswith("0x"):
        known = [r.name for r in policy.recipients.values() if r.address.lower() == name.lower()]
        similar = [r for r in policy.recipients.values() if looks_like(name, r.address)]
        hint = f"That is recipient {known[0]!r}: give its name." if known else None
        if similar:
            hint = (
                f"It looks like recipient {similar[0].name!r} {similar[0].address} but is another "
                "address: possible address poisoning. Give recipients by name."
            )
        message = (
            f"recipients are given by policy name, not address: {name} is not one "
            f"(vault {vault.name} may send to {allowed})"
        )
        raise PolicyViolation([Violation(RECIPIENT_NOT_ALLOWED, message, "recipient")], hint=hint)
    recipient = lookup(policy.recipients, "recipient", name)
    if name not in vault.recipients:
        message = f"vault {vault.name} may not send to {name!r} (allowed: {allowed})"
        raise PolicyViolation([Violation(RECIPIENT_NOT_ALLOWED, message, "recipient")])
    return recipient


def _token(policy: Policy, vault: VaultEntry, name: str) -> TokenEntry:
    token = lookup(policy.tokens, "token", name)
    if name not in vault.tokens:
        message = f"vault {vault.name} may not withdraw {name} (allowed: {', '.join(vault.tokens)})"
        raise PolicyViolation([Violation(TOKEN_NOT_ALLOWED, message, "token")])
    return token


def _units(token: TokenEntry, text: str) -> int:
    try:
        units = to_units(text, token.decimals)
    except ValueError as error:
        raise BadInput(f"{error} ({token.name})", hint=_AMOUNT_HINT) from None
    if units == 0:
        raise BadInput(
            f"amount {text!r} is zero: give the amount of {token.name} to withdraw",
            hint=_AMOUNT_HINT,
        )
    return units


def _check_balances(vault: VaultEntry, balances: Mapping[str, int]) -> None:
    unknown = sorted(set(balances) - set(vault.tokens))
    missing = [name for name in vault.tokens if name not in balances]
    if unknown or missing:
        raise BadInput(
            f"balances must cover exactly the tokens of vault {vault.name} "
            f"({', '.join(vault.tokens)}): unknown {unknown or 'none'}, missing {missing or 'none'}"
        )
    for name, units in balances.items():
        if isinstance(units, bool) or not isinstance(units, int) or units < 0:
            raise BadInput(f"balance of {name} must be a non-negative integer, got {units!r}")


def _amount(token: TokenEntry, units: int) -> str:
    return f"{format_units(units, token.decimals)} {token.name}"


def _over_cap(token: TokenEntry, units: int, cap: int, path: str) -> Violation:
    message = (
        f"{_amount(token, units)} exceeds the cap of {_amount(token, cap)} per withdrawal "
        f"(tokens.{token.name}.max_withdraw)"
    )
    return Violation(CAP_EXCEEDED, message, path)


def _withdrawal(
    vault: VaultEntry, token: TokenEntry, recipient: RecipientEntry, units: int
) -> tuple[Call, tuple[Postcondition, ...]]:
    """The vault's call and the balance changes it must cause."""
    from eth_abi.exceptions import EncodingError

    values: dict[str, object] = {"to": recipient.address, "amount": units}
    if "token" in vault.withdraw.placeholders:
        values["token"] = token.address
    try:
        data = vault.withdraw.calldata(values)
    except EncodingError:
        raise BadInput(
            f"{_amount(token, units)} does not fit the vault's amount type",
            hint="Withdraw less, or check the vault's withdraw signature in the policy.",
        ) from None
    description = (
        f"withdraw {_amount(token, units)} from {vault.name} ({vault.address}) "
        f"to {recipient.name} ({recipient.address})"
    )
    changes = balance_changes(
        token,
        units,
        source=(f"vaults.{vault.name}", vault.address),
        recipient=(f"recipients.{recipient.name}", recipient.address),
    )
    return Call(vault.address, data, 0, description), changes
