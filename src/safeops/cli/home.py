"""The safeops home: one folder, tied to the policy, for plans, rehearsal records and the audit log.

`$SAFEOPS_HOME` when set, else `.safeops/` beside the policy file, else `.safeops/` in the
working folder (commands without a policy). Running from another folder therefore neither
splits the audit chain nor loses plans. The working folder's own `.safeops/plans`, where
plans went before, is still searched when a plan is looked up by its safeTxHash.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

HOME_ENV = "SAFEOPS_HOME"
AUDIT_LOG_ENV = "SAFEOPS_AUDIT_LOG"
POLICY_ENV = "SAFEOPS_POLICY"
HOME_NAME = ".safeops"


def safeops_home(policy: str | Path | None, environ: Mapping[str, str] | None = None) -> Path:
    """The home for this policy (the `--policy` given, else `$SAFEOPS_POLICY`)."""
    environ = os.environ if environ is None else environ
    configured = environ.get(HOME_ENV)
    if configured:
        return Path(configured)
    policy = policy or environ.get(POLICY_ENV)
    if policy:
        return Path(policy).parent / HOME_NAME
    return Path(HOME_NAME)


def plan_dir(home: Path) -> Path:
    return home / "plans"


def audit_log(home: Path, environ: Mapping[str, str] | None = None) -> Path:
    """`$SAFEOPS_AUDIT_LOG` when set (one log for several homes), else the home's."""
    environ = os.environ if environ is None else environ
    configured = environ.get(AUDIT_LOG_ENV)
    return Path(configured) if configured else home / "audit.jsonl"


def older_plan_dirs(home: Path) -> tuple[Path, ...]:
    """The working folder's `.safeops/plans`, when it is not the home's: plans written there
    before the home moved beside the policy are still found by their safeTxHash."""
    here = plan_dir(Path(HOME_NAME))
    if _same(here, plan_dir(home)):
        return ()
    return (here,)


def older_audit_log(log: Path) -> Path | None:
    """The working folder's audit log when it exists and is not `log`: an older chain."""
    here = Path(HOME_NAME) / "audit.jsonl"
    return here if here.is_file() and not _same(here, log) else None


def _same(a: Path, b: Path) -> bool:
    return os.path.abspath(a) == os.path.abspath(b)
