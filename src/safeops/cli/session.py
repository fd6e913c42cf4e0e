"""Build the one session a command runs in, from the policy, the environment and the output."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from safeops.cli import home
from safeops.cli.audit_trail import audit_log
from safeops.cli.audit_trail import audit_log_path as audit_log_path  # where commands find it
from safeops.cli.console import Output
from safeops.cli.options import load_policy_for, policy_path

if TYPE_CHECKING:
    from safeops.core.policy import SafeEntry
    from safeops.workflows.session import Session

# Where plans went before the safeops home: the working folder's; still searched by hash.
DEFAULT_PLAN_DIR = Path(".safeops/plans")
SERVICE_API_KEY_ENV = "SAFE_TRANSACTION_SERVICE_API_KEY"
ANVIL_ENV = "SAFEOPS_ANVIL"


def open_session(output: Output, policy_file: Path | None = None) -> Session:
    """The policy loaded and checked, one RPC pool per chain for the whole run, the stores
    the policy names, real forks: read from the environment here and nowhere else."""
    path = policy_path(output, policy_file)
    state = home.safeops_home(path)
    output.announce(path)  # first, before the imports below
    from safeops.audit.sends import LogTrail
    from safeops.chain.pools import RpcPools
    from safeops.chain.safe_chain import LiveSafeChain
    from safeops.fork.rehearsal import ForkRehearser
    from safeops.proposals.base import ProposalStore
    from safeops.proposals.store import store_for
    from safeops.workflows.session import Session

    policy = load_policy_for(output, path)
    pools = RpcPools(output.warn, output.waiting)
    api_key = os.environ.get(SERVICE_API_KEY_ENV) or None
    anvil = os.environ.get(ANVIL_ENV) or None

    def open_store(safe: SafeEntry) -> ProposalStore:
        return store_for(safe, service_api_key=api_key, warn=output.store_warn)

    def open_chain(safe: SafeEntry) -> LiveSafeChain:
        rpcs = f"{len(safe.rpc)} RPC" + ("s" if len(safe.rpc) > 1 else "")
        output.progress(f"reading Safe {safe.name} on chain {safe.chain_id} ({rpcs}) …")
        return LiveSafeChain(pools, safe)

    return Session(
        policy=policy,
        open_chain=open_chain,
        open_store=open_store,
        rehearser=ForkRehearser(anvil),
        plan_dir=home.plan_dir(state),
        older_plan_dirs=home.older_plan_dirs(state),
        progress=output.progress,
        audit=LogTrail(audit_log(output)),
    )
