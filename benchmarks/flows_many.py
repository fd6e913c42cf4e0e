"""The case with many of something: a 1,000-address revoke, against safe-cli and the floor."""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from flows import MINIMAL
from harness import (
    SAFE_CLI,
    SAFEOPS,
    Devnet,
    Sample,
    fresh_dir,
    rpc_call,
    run,
)

REVOKE_COUNT = 1_000


@dataclass
class RevokeResults:
    """plan + review + rehearse of one large revoke (three processes), and, for scale, the
    same batches signed and executed by safe-cli and by the minimal script."""

    plans: int = 0
    plan: Sample = field(default_factory=Sample)
    review: Sample = field(default_factory=Sample)
    rehearse: Sample = field(default_factory=Sample)
    total: Sample = field(default_factory=Sample)
    safe_cli: Sample = field(default_factory=Sample)
    minimal: Sample = field(default_factory=Sample)
    last_plans: list[str] = field(default_factory=list)


def revoke_addresses(count: int) -> list[str]:
    from eth_utils.address import to_checksum_address

    return [to_checksum_address(f"0x{index:040x}") for index in range(1, count + 1)]


def allow_accounts(net: Devnet, accounts: Sequence[str]) -> None:
    """Put `accounts` on the devnet's allow-list, as the admin Safe would: revoking an account
    that was never allowed proves nothing, and the rehearsal fails it. `net.reset()` undoes it."""
    from safeops.core.decoding.selectors import encode_call

    url, admin = net.chain.url, net.safes["admin"]
    rpc_call(url, "anvil_impersonateAccount", admin)
    rpc_call(url, "anvil_setBalance", admin, hex(10**18))
    for account in accounts:
        data = encode_call("setAllowed(address,bool)", account, True)
        call = {"from": admin, "to": net.contracts["allowlist"], "data": "0x" + data.hex()}
        rpc_call(url, "eth_sendTransaction", call)
    rpc_call(url, "anvil_stopImpersonatingAccount", admin)


def with_members(net: Devnet) -> None:
    """A fresh chain whose allow-list holds the accounts the revoke removes."""
    net.reset()
    allow_accounts(net, revoke_addresses(REVOKE_COUNT))


def revoke_many(net: Devnet, runs: int, work: Path, keys: Sequence[str]) -> RevokeResults:
    """`plan revoke` of 1,000 addresses (split by max_batch), then `review` and `rehearse` of
    every plan in one process each, as an operator runs them. safe-cli and the minimal script
    execute the same batches (with two owners' keys: the admin Safe is 2-of-3)."""
    results = RevokeResults()
    base = [SAFEOPS, "--policy", str(net.policy)]
    batches: list[tuple[str, str]] = []

    def safeops() -> None:
        with_members(net)
        cwd = fresh_dir(work, "revoke")
        (cwd / "list.txt").write_text("\n".join(revoke_addresses(REVOKE_COUNT)) + "\n")
        start = time.perf_counter()
        planned = run(
            [*base, "--json", "plan", "revoke", "members", "--from-file", "list.txt"], cwd=cwd
        )
        plan_done = time.perf_counter()
        plans = [entry["plan"] for entry in json.loads(planned.stdout)["plans"]]
        run([*base, "review", *plans], cwd=cwd)
        review_done = time.perf_counter()
        run([*base, "rehearse", *plans], cwd=cwd)
        done = time.perf_counter()
        results.plan.seconds.append(plan_done - start)
        results.review.seconds.append(review_done - plan_done)
        results.rehearse.seconds.append(done - review_done)
        results.total.seconds.append(done - start)
        results.plans = len(plans)
        results.last_plans = [str(cwd / plan) for plan in plans]
        documents = [json.loads((cwd / plan).read_text()) for plan in plans]
        batches[:] = [(d["to"], d["data"]) for d in documents]

    def safe_cli() -> None:
        with_members(net)
        admin = net.safes["admin"]
        start = time.perf_counter()
        for to, data in batches:
            command = [str(SAFE_CLI), "send-custom", admin, net.rpc_url, to, "0", data]
            run([*command, *(f"--private-key={key}" for key in keys), "--non-interactive"])
        results.safe_cli.seconds.append(time.perf_counter() - start)

    def minimal() -> None:
        with_members(net)
        pairs = [item for batch in batches for item in batch]
        command = [sys.executable, str(MINIMAL), net.rpc_url, net.safes["admin"], *pairs]
        start = time.perf_counter()
        run(command, env={"MINIMAL_PAUSE_KEY": ",".join(keys)})
        results.minimal.seconds.append(time.perf_counter() - start)

    for _ in range(runs):
        safeops()
        if SAFE_CLI.exists():
            safe_cli()
        minimal()
    net.reset()
    return results
