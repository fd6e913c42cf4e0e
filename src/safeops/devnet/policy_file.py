"""Write the devnet's signer policy: the same shape a production policy has, over one chain or
several (one policy spanning every chain, as a protocol on several chains has)."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from safeops.devnet import contracts as c
from safeops.devnet.deploy import (
    ADMIN,
    COLD_WALLET,
    GUARDIAN,
    TOKEN_DECIMALS,
    Deployment,
)

ZERO = "0x0000000000000000000000000000000000000000"
ROLES = {
    "oncall": ["proposer", "signer", "executor"],
    "alice": ["proposer", "signer", "executor"],
    "bob": ["signer"],
    "carol": ["signer"],
}
TARGETS = ("router", "lending", "vault")


@dataclass(frozen=True)
class ChainBlock:
    """One chain of the devnet in the policy: its deployment, its RPC and the suffix its
    entries get (`guardian_2`, `router_2`, …; none for the first chain)."""

    deployment: Deployment
    rpc_url: str
    suffix: str = ""


def chain_suffix(index: int) -> str:
    """`` for the first chain (the names a one-chain devnet has always had), `_2`, `_3` …"""
    return "" if index == 1 else f"_{index}"


def _q(value: object) -> str:
    """A TOML value: JSON's string and array syntax is valid TOML for what we write."""
    return json.dumps(value)


def render_policy(
    deployment: Deployment, rpc_url: str, policy_keys: Mapping[str, str] | None = None
) -> str:
    """The one-chain devnet policy TOML; `policy_keys` maps each signer to its `key = {...}`
    table, by default the encrypted keystores in `keys/` beside the policy."""
    return render_chains_policy([ChainBlock(deployment, rpc_url)], policy_keys)


def render_chains_policy(
    chains: Sequence[ChainBlock], policy_keys: Mapping[str, str] | None = None
) -> str:
    """One policy over every chain: a guardian and an admin Safe, the demo targets, allow-list
    and vault per chain, all sharing one proposals folder; signers, recipient and tokens
    once (the same EOAs everywhere, the tokens at the same address on every chain)."""
    keys = policy_keys or {
        name: f'{{ keystore = "keys/{name}.json", password_file = "keys/password" }}'
        for name in ROLES
    }
    token = {chain.deployment.contracts["token"] for chain in chains}
    if len(token) != 1:
        raise ValueError(f"the demo token differs across the devnet's chains: {sorted(token)}")
    lines = [
        "# safeops devnet policy, written by `safeops devnet up`.",
        "# Throwaway chain and public anvil keys: never reuse any of this for real funds.",
        "version = 1",
        "",
    ]
    for chain in chains:
        lines += _safes(chain)
    for name, roles in ROLES.items():
        lines += [
            f"[signers.{name}]",
            f"address = {_q(chains[0].deployment.signers[name])}",
            f"key = {keys[name]}",
            f"roles = {_q(roles)}",
            "",
        ]
    for chain in chains:
        lines += _protocol(chain)
    lines += [
        "[recipients.cold]",
        f"address = {_q(COLD_WALLET)}",
        "",
        "[tokens.dUSD]",
        f"address = {_q(token.pop())}",
        f"decimals = {TOKEN_DECIMALS}",
        'max_withdraw = "5000000"',
        "",
        "[tokens.ETH]",
        f"address = {_q(ZERO)}",
        "decimals = 18",
        'max_withdraw = "100"',
        "",
    ]
    return "\n".join(lines)


def _safes(chain: ChainBlock) -> list[str]:
    d, s = chain.deployment, chain.suffix
    lines = []
    for spec in (GUARDIAN, ADMIN):
        power = "may only pause" if spec is GUARDIAN else "unpauses, revokes and withdraws"
        singleton = d.contracts.get("safe_singleton", c.SAFE_L2_141)
        handler = d.contracts.get("fallback_handler", c.FALLBACK_HANDLER_141)
        lines += [
            f"[safes.{spec.name}{s}]  # {spec.threshold}-of-{len(spec.owners)}: {power}",
            f"chain_id = {d.chain_id}",
            f"address = {_q(d.safes[spec.name])}",
            f"rpc = [{_q(chain.rpc_url)}]",
            'proposals = "local:proposals"',
            f'expect = {{ version = "1.4.1", threshold = {spec.threshold}, '
            f"owners = {_q(list(spec.owners))}, modules = [], guard = {_q(ZERO)}, "
            f"fallback_handler = {_q(handler)}, singleton = {_q(singleton)} }}",
        ]
        if d.libraries:
            # This chain's Safe contracts are not at the canonical addresses: say where the
            # MultiSendCallOnly its batches go through is.
            listed = ", ".join(f"{key} = {_q(address)}" for key, address in d.libraries.items())
            lines.append(f"libraries = {{ {listed} }}")
        lines.append("")
    return lines


def _protocol(chain: ChainBlock) -> list[str]:
    d, s = chain.deployment, chain.suffix
    lines = []
    for target in TARGETS:
        lines += [
            f"[targets.{target}{s}]",
            f"address = {_q(d.contracts[target])}",
            f'pause = {{ safe = "guardian{s}", call = "pause()" }}',
            f'unpause = {{ safe = "admin{s}", call = "unpause()" }}',
            'check = { call = "paused()(bool)", after_pause = true, after_unpause = false }',
            "",
        ]
    return [
        *lines,
        f"[allowlists.members{s}]",
        f'safe = "admin{s}"',
        f"address = {_q(d.contracts['allowlist'])}",
        'revoke = { call = "revokeMany(address[])", args = ["{accounts}"] }',
        'check = { call = "isAllowed(address)(bool)", args = ["{account}"], after = false }',
        "max_batch = 200",
        "",
        f"[vaults.main{s}]",
        f'safe = "admin{s}"',
        f"address = {_q(d.contracts['vault'])}",
        'withdraw = { call = "emergencyWithdraw(address,address,uint256)", '
        'args = ["{token}", "{to}", "{amount}"] }',
        'recipients = ["cold"]',
        "",
    ]
