"""`[signers.NAME]` (address, key source, roles) and `[actions.NAME]` (who may do what)."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from pathlib import Path

from safeops.core.keyspec import KeyringKey, KeySpec, KeystoreKey, VaultKey
from safeops.core.policy.model import ACTIONS, ROLES, Action, ActionRoles, Role, SignerEntry
from safeops.core.policy.reader import Table, unknown_reference

SIGNER_KEYS = ("address", "key", "roles")
# Each key source and the keys its table may hold; the first one names the source.
KEY_SOURCES: Mapping[str, tuple[str, ...]] = {
    "vault": ("vault", "field"),
    "keyring": ("keyring", "username"),
    "keystore": ("keystore", "password_file"),
}
ACTION_KEYS = ("proposers", "executors")
# The role a signer needs to appear in each list of `[actions.NAME]`.
ACTION_ROLE: Mapping[str, Role] = {"proposers": "proposer", "executors": "executor"}


def read_signers(entries: Mapping[str, Table], *, base: Path) -> dict[str, SignerEntry]:
    """The signers that read without a problem; the others' problems are recorded."""
    signers: dict[str, SignerEntry] = {}
    for name, table in entries.items():
        before = len(table.problems.items)
        table.check_keys(SIGNER_KEYS)
        address = table.address("address")
        # No key: an owner who signs elsewhere (a hardware wallet, a nested Safe) and whose
        # signatures are imported; it can neither propose nor execute through safeops.
        key = _key(table, base) if "key" in table.data else None
        roles = _roles(table)
        if address is None or ("key" in table.data and key is None) or roles is None:
            continue
        if key is None and (keyed := sorted(roles - {"signer"})):
            table.add("roles", f"without a key, {' and '.join(keyed)} cannot be done: add a key")
        if len(table.problems.items) == before:
            signers[name] = SignerEntry(name, address, key, roles)
    return signers


def _key(table: Table, base: Path) -> KeySpec | None:
    key = table.table("key")
    if key is None:
        return None
    sources = [source for source in KEY_SOURCES if source in key.data]
    if len(sources) != 1:
        key.check_keys({k for keys in KEY_SOURCES.values() for k in keys})
        found = f" ({', '.join(sources)})" if sources else ""
        key.problems.add(
            key.path,
            f"names {len(sources)} key sources{found}: exactly one of vault, keyring or keystore",
        )
        return None
    source = sources[0]
    key.check_keys(KEY_SOURCES[source], what=f" in a {source} key")
    if source == "vault":
        return _vault_key(key)
    if source == "keyring":
        service, username = key.string("keyring"), key.string("username")
        return None if service is None or username is None else KeyringKey(service, username)
    path = key.string("keystore")
    password = key.string("password_file", required=False)
    if path is None or ("password_file" in key.data and password is None):
        return None
    # Relative to the policy's folder, so that the policy and its keystores travel together.
    return KeystoreKey(base / path, None if password is None else base / password)


def _vault_key(key: Table) -> VaultKey | None:
    location = key.string("vault")
    field = key.string("field", required=False)
    if location is None or ("field" in key.data and field is None):
        return None
    mount, _, path = location.partition("/")
    if not mount or not path or "" in path.split("/"):
        key.add(
            "vault", f"{location!r} must be MOUNT/PATH of a KV v2 secret, e.g. secret/ops/alice"
        )
        return None
    return VaultKey(mount, path, field or "private_key")


def _roles(table: Table) -> frozenset[Role] | None:
    names = table.names("roles")
    if names is None:
        return None
    roles: set[Role] = set()
    for index, name in enumerate(names):
        if name in ROLES:
            roles.add(name)
        else:
            message = unknown_reference("role", name, ROLES) + "; roles: " + ", ".join(ROLES)
            table.problems.add(table.at("roles", index), message)
    return frozenset(roles) if len(roles) == len(names) else None


def read_actions(
    section: Table | None, signers: Mapping[str, SignerEntry], signer_names: Collection[str]
) -> dict[Action, ActionRoles]:
    """Who may propose and execute each action; by default the signers with that role."""
    tables: dict[str, Table] = {}
    if section is not None:
        section.check_keys(ACTIONS)
        tables = {
            name: table
            for name in ACTIONS
            if name in section.data and (table := section.table(name)) is not None
        }
    actions: dict[Action, ActionRoles] = {}
    for action in ACTIONS:
        lists = {
            key: tuple(n for n, s in signers.items() if role in s.roles)
            for key, role in ACTION_ROLE.items()
        }
        table = tables.get(action)
        if table is not None:
            table.check_keys(ACTION_KEYS)
            for key in ACTION_KEYS:
                listed = _action_signers(table, key, signers, signer_names)
                if listed is not None:
                    lists[key] = listed
        actions[action] = ActionRoles(lists["proposers"], lists["executors"])
    return actions


def _action_signers(
    table: Table, key: str, signers: Mapping[str, SignerEntry], signer_names: Collection[str]
) -> tuple[str, ...] | None:
    """The names listed under `key`, None when absent or unreadable (the default then holds)."""
    names = table.names(key, required=False)
    if names is None:
        return None
    role = ACTION_ROLE[key]
    for index, name in enumerate(names):
        if name not in signer_names:
            table.problems.add(
                table.at(key, index), unknown_reference("signer", name, signer_names)
            )
        elif name in signers and role not in signers[name].roles:
            table.problems.add(
                table.at(key, index), f"signer {name!r} lacks the {role!r} role to be in {key}"
            )
    return tuple(names)
