"""Write the devnet's signer policy: the same shape a production policy has."""

from __future__ import annotations

import json
from collections.abc import Mapping

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


def _q(value: object) -> str:
    """A TOML value: JSON's string and array syntax is valid TOML for what we write."""
    return json.dumps(value)


def render_policy(
    deployment: Deployment, rpc_url: str, policy_keys: Mapping[str, str] | None = None
) -> str:
    """The devnet policy TOML; `policy_keys` maps each signer to its `key = {...}` table,
    by default the encrypted keystores in `keys/` beside the policy."""
    d = deployment
    keys = policy_keys or {
        name: f'{{ keystore = "keys/{name}.json", password_file = "keys/password" }}'
        for name in ROLES
    }
    lines = [
        "# safeops devnet policy, written by `safeops devnet up`.",
        "# Throwaway chain and public anvil keys: never reuse any of this for real funds.",
        "version = 1",
        "",
    ]
    for spec in (GUARDIAN, ADMIN):
        power = "may only pause" if spec is GUARDIAN else "unpauses, revokes and withdraws"
        lines += [
            f"[safes.{spec.name}]  # {spec.threshold}-of-{len(spec.owners)}: {power}",
            f"chain_id = {d.chain_id}",
            f"address = {_q(d.safes[spec.name])}",
            f"rpc = [{_q(rpc_url)}]",
            'proposals = "local:proposals"',
            f'expect = {{ version = "1.4.1", threshold = {spec.threshold}, '
            f"owners = {_q(list(spec.owners))}, modules = [], guard = {_q(ZERO)}, "
            f"fallback_handler = {_q(c.FALLBACK_HANDLER_141)}, "
            f"singleton = {_q(c.SAFE_L2_141)} }}",
            "",
        ]
    for name, roles in ROLES.items():
        lines += [
            f"[signers.{name}]",
            f"address = {_q(d.signers[name])}",
            f"key = {keys[name]}",
            f"roles = {_q(roles)}",
            "",
        ]
    for target in ("router", "lending", "vault"):
        lines += [
            f"[targets.{target}]",
            f"address = {_q(d.contracts[target])}",
            'pause = { safe = "guardian", call = "pause()" }',
            'unpause = { safe = "admin", call = "unpause()" }',
            'check = { call = "paused()(bool)", after_pause = true, after_unpause = false }',
            "",
        ]
    lines += [
        "[allowlists.members]",
        'safe = "admin"',
        f"address = {_q(d.contracts['allowlist'])}",
        'revoke = { call = "revokeMany(address[])", args = ["{accounts}"] }',
        'check = { call = "isAllowed(address)(bool)", args = ["{account}"], after = false }',
        "max_batch = 200",
        "",
        "[vaults.main]",
        'safe = "admin"',
        f"address = {_q(d.contracts['vault'])}",
        'withdraw = { call = "emergencyWithdraw(address,address,uint256)", '
        'args = ["{token}", "{to}", "{amount}"] }',
        'recipients = ["cold"]',
        "",
        "[recipients.cold]",
        f"address = {_q(COLD_WALLET)}",
        "",
        "[tokens.dUSD]",
        f"address = {_q(d.contracts['token'])}",
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
