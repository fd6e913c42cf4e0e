"""Read a policy: the file's bytes in, every problem or a validated Policy out."""

from __future__ import annotations

import hashlib
import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

from safeops.core.policy.assets import read_recipients, read_tokens
from safeops.core.policy.errors import InvalidPolicy, PolicyProblem
from safeops.core.policy.locate import key_lines
from safeops.core.policy.model import Action, Policy, Settings
from safeops.core.policy.operations import read_allowlists, read_targets, read_vaults
from safeops.core.policy.reader import Problems, Table
from safeops.core.policy.safes import read_safes
from safeops.core.policy.signers import read_actions, read_signers
from safeops.core.policy.validate import (
    check_addresses,
    check_roles,
    check_target_chains,
    entity_chains,
)

SUPPORTED_VERSIONS = (1,)
TOP_KEYS = (
    "version",
    "settings",
    "safes",
    "signers",
    "targets",
    "allowlists",
    "vaults",
    "recipients",
    "tokens",
    "actions",
)
SETTINGS_KEYS = ("rehearsal_max_age_blocks", "rehearsal_max_age_seconds")
SYNTAX = "(syntax)"
"""The `where` of a problem that concerns the file as a whole: TOML syntax, encoding."""
# tomllib (3.11) puts the position only in its message: "Invalid value (at line 3, column 9)".
_POSITION = re.compile(r"\s*\(at line (\d+), column (\d+)\)$")


@dataclass(frozen=True)
class ValidationResult:
    """Every problem of a policy, in file order; `policy` is set only when there is none."""

    policy: Policy | None
    problems: list[PolicyProblem]
    digest: str

    @property
    def valid(self) -> bool:
        return self.policy is not None


def policy_digest(source: str | bytes) -> str:
    """sha256 hex of the file's bytes: plans bind to it."""
    data = source.encode() if isinstance(source, str) else source
    return hashlib.sha256(data).hexdigest()


def load_policy(
    source: str | bytes, path: str | os.PathLike[str], environ: Mapping[str, str]
) -> Policy:
    """The validated policy, or InvalidPolicy (exit 2) listing every problem."""
    result = validate_policy(source, path, environ)
    if result.policy is None:
        raise InvalidPolicy(str(path), result.problems)
    return result.policy


def validate_policy(
    source: str | bytes, path: str | os.PathLike[str], environ: Mapping[str, str] | None
) -> ValidationResult:
    """Check a policy and collect every problem at once.

    `source` is the file's content; pass its bytes so that the digest is that of the file
    exactly (text read with newline translation may differ). `path` locates relative paths
    (keystores, proposal folders). `environ` expands `${VAR}` in RPC and service URLs; None
    only checks their syntax, for reviewing a policy away from the machines that run it.
    """
    digest = policy_digest(source)
    data = source.encode() if isinstance(source, str) else source
    try:
        text = data.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        return _failed(digest, PolicyProblem(SYNTAX, "not UTF-8 text (TOML files are UTF-8)", line))
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        return _failed(digest, _syntax_problem(str(error)))
    problems = Problems(key_lines(text))
    root = Table(document, (), problems)
    root.check_keys(TOP_KEYS)
    if not _version_supported(root):
        return _failed(digest, *problems.items)
    policy = _read(root, str(path), digest, environ)
    ordered = sorted(problems.items, key=lambda p: (p.line is None, p.line or 0))
    return ValidationResult(None if ordered else policy, ordered, digest)


def _failed(digest: str, *problems: PolicyProblem) -> ValidationResult:
    return ValidationResult(None, list(problems), digest)


def _syntax_problem(message: str) -> PolicyProblem:
    match = _POSITION.search(message)
    if match is None:
        return PolicyProblem(SYNTAX, message)
    text = f"{message[: match.start()]} (column {match.group(2)})"
    return PolicyProblem(SYNTAX, text, int(match.group(1)))


def _version_supported(root: Table) -> bool:
    """False for a version this safeops does not read: the rest would be misread."""
    if "version" not in root.data:
        root.problems.add(("version",), "missing required key 'version': start with version = 1")
        return True
    version = root.integer("version")
    if version is not None and version not in SUPPORTED_VERSIONS:
        supported = ", ".join(map(str, SUPPORTED_VERSIONS))
        root.add("version", f"unsupported policy version {version}; this safeops reads {supported}")
        return False
    return True


def _read(root: Table, path: str, digest: str, environ: Mapping[str, str] | None) -> Policy:
    """Read every section in dependency order; the Policy is meaningful only without problems."""
    base = Path(path).parent
    settings = _settings(root)
    sections = {
        name: root.entries(name)
        for name in ("safes", "signers", "targets", "allowlists", "vaults", "recipients", "tokens")
    }
    for required in ("safes", "signers"):
        if not root.data.get(required):
            message = f"the policy names no {required[:-1]}: add a [{required}.NAME] table"
            root.problems.add((required,), message)
    signer_names = list(sections["signers"])
    signers = read_signers(sections["signers"], base=base)
    recipients = read_recipients(sections["recipients"])
    tokens = read_tokens(sections["tokens"])
    safes = read_safes(
        sections["safes"], signers=signers, signer_names=signer_names, base=base, environ=environ
    )
    safe_names = list(sections["safes"])
    targets = read_targets(sections["targets"], safe_names)
    allowlists = read_allowlists(sections["allowlists"], safe_names)
    vaults = read_vaults(
        sections["vaults"], safe_names, list(sections["recipients"]), list(sections["tokens"])
    )
    actions = read_actions(root.table("actions", required=False), signers, signer_names)
    uses: tuple[tuple[Action, bool], ...] = (
        ("pause", any(t.pause for t in targets.values())),
        ("unpause", any(t.unpause for t in targets.values())),
        ("revoke", bool(allowlists)),
        ("withdraw", bool(vaults)),
    )
    in_use = [action for action, used in uses if used]
    check_roles(root.problems, signers, _owner_names(sections["safes"]), actions, in_use)
    check_target_chains(root.problems, targets, safes)
    check_addresses(root.problems, entity_chains(safes, targets, allowlists, vaults))
    return Policy(
        path=path,
        digest=digest,
        settings=settings,
        safes=MappingProxyType(safes),
        signers=MappingProxyType(signers),
        targets=MappingProxyType(targets),
        allowlists=MappingProxyType(allowlists),
        vaults=MappingProxyType(vaults),
        recipients=MappingProxyType(recipients),
        tokens=MappingProxyType(tokens),
        actions=MappingProxyType(actions),
        env_expanded=environ is not None,
    )


def _settings(root: Table) -> Settings:
    table = root.table("settings", required=False)
    if table is None:
        return Settings()
    table.check_keys(SETTINGS_KEYS)
    blocks = table.integer("rehearsal_max_age_blocks", required=False, minimum=1)
    seconds = table.integer("rehearsal_max_age_seconds", required=False, minimum=1)
    default = Settings()
    return Settings(
        blocks if blocks is not None else default.rehearsal_max_age_blocks,
        seconds if seconds is not None else default.rehearsal_max_age_seconds,
    )


def _owner_names(safes: Mapping[str, Table]) -> set[str]:
    """Every name any `expect.owners` lists, read raw so a broken Safe still counts."""
    names: set[str] = set()
    for table in safes.values():
        expect = table.data.get("expect")
        owners = expect.get("owners") if isinstance(expect, dict) else None
        if isinstance(owners, list):
            names.update(owner for owner in owners if isinstance(owner, str))
    return names
