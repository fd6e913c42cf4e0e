"""`[targets]`, `[allowlists]` and `[vaults]`: the contracts and the calls each action makes."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence

from safeops.core.policy.model import (
    AllowlistEntry,
    PauseCheck,
    RevokeCheck,
    TargetAction,
    TargetEntry,
    VaultEntry,
)
from safeops.core.policy.reader import Table, kind_of, unknown_reference
from safeops.core.policy.templates import CallTemplate, ConstValue, check_template, constant

TARGET_KEYS = ("address", "safe", "pause", "unpause", "check")
ALLOWLIST_KEYS = ("safe", "address", "revoke", "check", "max_batch")
VAULT_KEYS = ("safe", "address", "withdraw", "recipients", "tokens")
CALL_KEYS = ("call", "args")
DEFAULT_MAX_BATCH = 100
# Why every action needs a proof: without one, a call that changes nothing (a target without
# code, a pause that is a no-op) would still end in "done" (docs/policy.md, required proofs).
PROOF_WHY = (
    "every action needs a proof: a view whose value the action must change, or a call that "
    "does nothing would be reported done"
)


def read_targets(entries: Mapping[str, Table], safes: Collection[str]) -> dict[str, TargetEntry]:
    targets: dict[str, TargetEntry] = {}
    for name, table in entries.items():
        before = len(table.problems.items)
        table.check_keys(TARGET_KEYS)
        address = table.address("address")
        default = _safe(table, safes, required=False)
        pause = _target_action(table, "pause", default, safes)
        unpause = _target_action(table, "unpause", default, safes)
        if "pause" not in table.data and "unpause" not in table.data:
            table.problems.add(table.path, "a target needs pause, unpause or both")
        check = _pause_check(table)
        _require_target_proofs(table, check)
        if address is None or len(table.problems.items) != before:
            continue
        targets[name] = TargetEntry(name, address, default, pause, unpause, check)
    return targets


def read_allowlists(
    entries: Mapping[str, Table], safes: Collection[str]
) -> dict[str, AllowlistEntry]:
    allowlists: dict[str, AllowlistEntry] = {}
    for name, table in entries.items():
        before = len(table.problems.items)
        table.check_keys(ALLOWLIST_KEYS)
        safe = _safe(table, safes)
        address = table.address("address")
        revoke = _call(
            table, "revoke", allowed=("account", "accounts"), needs=[("account", "accounts")]
        )[1]
        check = _revoke_check(table)
        if "check" not in table.data:
            table.missing(
                "check",
                f' ({PROOF_WHY}; e.g. check = {{ call = "isAllowed(address)(bool)", '
                'args = ["{account}"], after = false })',
            )
        max_batch = (
            table.integer("max_batch", minimum=1)
            if "max_batch" in table.data
            else DEFAULT_MAX_BATCH
        )
        if safe is None or address is None or revoke is None or max_batch is None:
            continue
        if len(table.problems.items) == before:
            allowlists[name] = AllowlistEntry(name, safe, address, revoke, check, max_batch)
    return allowlists


def read_vaults(
    entries: Mapping[str, Table],
    safes: Collection[str],
    recipients: Collection[str],
    tokens: Sequence[str],
) -> dict[str, VaultEntry]:
    vaults: dict[str, VaultEntry] = {}
    for name, table in entries.items():
        before = len(table.problems.items)
        table.check_keys(VAULT_KEYS)
        safe = _safe(table, safes)
        address = table.address("address")
        sub, withdraw = _call(
            table, "withdraw", allowed=("token", "to", "amount"), needs=[("to",), ("amount",)]
        )
        to = _references(table, "recipients", "recipient", recipients)
        listed = _references(table, "tokens", "token", tokens, required=False)
        chosen = tuple(tokens) if "tokens" not in table.data else listed
        # A call without {token} withdraws one fixed token: the policy must say which one.
        fixed_token = withdraw is not None and "token" not in withdraw.placeholders
        if sub is not None and fixed_token and chosen is not None and len(chosen) != 1:
            message = "without {token} the call withdraws one token: list exactly one in tokens"
            sub.add("args", message)
        if safe is None or address is None or withdraw is None or to is None or chosen is None:
            continue
        if len(table.problems.items) == before:
            vaults[name] = VaultEntry(name, safe, address, withdraw, to, chosen)
    return vaults


def _safe(table: Table, safes: Collection[str], *, required: bool = True) -> str | None:
    name = table.string("safe", required=required)
    if name is not None and name not in safes:
        table.add("safe", unknown_reference("Safe", name, safes))
        return None
    return name


def _references(
    table: Table, key: str, what: str, known: Collection[str], *, required: bool = True
) -> tuple[str, ...] | None:
    names = table.names(key, required=required)
    if names is None:
        return None
    for index, name in enumerate(names):
        if name not in known:
            table.problems.add(table.at(key, index), unknown_reference(what, name, known))
    return tuple(names)


def _call(
    table: Table,
    key: str,
    *,
    allowed: Collection[str],
    needs: Sequence[tuple[str, ...]] = (),
    view: bool = False,
    shorthand: bool = False,
    extra: Collection[str] = (),
    required: bool = True,
) -> tuple[Table | None, CallTemplate | None]:
    """Read `key = { call = "f(types)", args = [...] }`, or `key = "f()"` when `shorthand`.

    Returns the sub-table (None for the shorthand) and the template (None if absent or bad).
    """
    value = table.get(key, required=required)
    if value is None:
        return None, None
    if isinstance(value, str) and shorthand:
        template, issues = check_template(value, [], allowed=allowed, needs=needs, view=view)
        for _, message in issues:
            table.add(key, message)
        return None, template
    if not isinstance(value, dict):
        form = 'a signature such as "pause()" or ' if shorthand else ""
        table.add(
            key, f"expected {form}a table {{ call = ..., args = [...] }}, got {kind_of(value)}"
        )
        return None, None
    sub = Table(value, table.at(key), table.problems)
    sub.check_keys((*CALL_KEYS, *extra))
    call = sub.string("call")
    args = sub.array("args", required=False)
    if call is None or (args is None and "args" in sub.data):
        return sub, None
    template, issues = check_template(call, args or [], allowed=allowed, needs=needs, view=view)
    for where, message in issues:
        sub.problems.add(sub.at(*where), message)
    return sub, template


def _target_action(
    table: Table, key: str, default: str | None, safes: Collection[str]
) -> TargetAction | None:
    sub, template = _call(table, key, allowed=(), shorthand=True, extra=("safe",), required=False)
    safe = default
    if sub is not None and "safe" in sub.data:
        safe = _safe(sub, safes)
        if safe is None:
            return None
    if template is None:
        return None
    if safe is None:
        if "safe" not in table.data:
            table.add(key, f"no Safe makes this call: set safe in {key} or on the target")
        return None
    return TargetAction(safe, template)


def _expected(table: Table, key: str, template: CallTemplate | None) -> ConstValue | None:
    """The value a check's view must return, type-checked against its output."""
    value = table.get(key, required=False)
    if value is None or template is None:
        return None
    output = template.signature.outputs[0]
    try:
        return constant(output, value)
    except ValueError as error:
        table.add(key, f"the check returns {output}: {error}")
        return None


def _pause_check(table: Table) -> PauseCheck | None:
    sub, template = _call(
        table,
        "check",
        allowed=(),
        view=True,
        extra=("after_pause", "after_unpause"),
        required=False,
    )
    if sub is None:
        return None
    given = [key for key in ("after_pause", "after_unpause") if key in sub.data]
    for key in given:
        action = key.removeprefix("after_")
        if action not in table.data:
            sub.add(key, f"the target has no {action} to check after")
    after_pause = _expected(sub, "after_pause", template)
    after_unpause = _expected(sub, "after_unpause", template)
    if template is None:
        return None
    return PauseCheck(template, after_pause, after_unpause)


def _require_target_proofs(table: Table, check: PauseCheck | None) -> None:
    """A `check` with `after_pause` for a target that pauses, `after_unpause` for one that
    unpauses: the postcondition each action is proven by."""
    actions = [action for action in ("pause", "unpause") if action in table.data]
    if not actions:
        return
    if "check" not in table.data:
        example = ", ".join(f"after_{a} = {'true' if a == 'pause' else 'false'}" for a in actions)
        table.missing(
            "check",
            f' ({PROOF_WHY}; e.g. check = {{ call = "paused()(bool)", {example} }})',
        )
        return
    value = table.data["check"]
    if not isinstance(value, dict) or check is None:
        return  # already reported as malformed
    for action in actions:
        key = f"after_{action}"
        if key not in value:
            where = (*table.path, "check")
            table.problems.add(
                (*where, key),
                f"missing required key {key!r} ({PROOF_WHY}: the value the check must "
                f"return once {action}d)",
                at=where,
            )


def _revoke_check(table: Table) -> RevokeCheck | None:
    sub, template = _call(
        table,
        "check",
        allowed=("account",),
        needs=[("account",)],
        view=True,
        extra=("after",),
        required=False,
    )
    if sub is None:
        return None
    if "after" not in sub.data:
        sub.missing("after", " (the value the check must return once revoked)")
    after = _expected(sub, "after", template)
    if template is None or after is None:
        return None
    return RevokeCheck(template, after)
