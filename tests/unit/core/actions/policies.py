"""The policies the action tests build from: the devnet's and the production example."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from safeops.core.actions import ActionPlan
from safeops.core.policy import Policy, load_policy
from safeops.core.transactions.safe_tx import SafeTx, SafeVersion
from safeops.devnet.deploy import ADMIN, GUARDIAN, Deployment
from safeops.devnet.policy_file import render_policy
from tests.unit.core.policy.sample import address

ROOT = Path(__file__).resolve().parents[4]
EXAMPLE = ROOT / "policies" / "production.example.toml"
MAINNET_ENV = {
    "MAINNET_RPC_URL": "https://mainnet.example.org/v3/key",
    "MAINNET_RPC_URL_2": "wss://eth.example.net/ws",
}
V141 = SafeVersion.parse("1.4.1")
DEVNET_CHAIN = 31337


def fake_deployment() -> Deployment:
    return Deployment(
        chain_id=DEVNET_CHAIN,
        safes={spec.name: address(f"devnet safe {spec.name}") for spec in (GUARDIAN, ADMIN)},
        contracts={
            name: address(f"devnet {name}")
            for name in ("token", "router", "lending", "allowlist", "vault")
        },
        signers={name: address(f"devnet {name}") for name in ("oncall", "alice", "bob", "carol")},
    )


@cache
def devnet() -> Policy:
    text = render_policy(fake_deployment(), "http://127.0.0.1:8545")
    return load_policy(text, "/state/devnet/policy.toml", {})


@cache
def production() -> Policy:
    return load_policy(EXAMPLE.read_bytes(), str(EXAMPLE), MAINNET_ENV)


def accounts(count: int, seed: str = "account") -> list[str]:
    """`count` distinct made-up checksummed addresses."""
    return [address(f"{seed} {index}") for index in range(count)]


def tx_of(policy: Policy, plan: ActionPlan, nonce: int = 7) -> SafeTx:
    """The Safe transaction the workflow would build from `plan`."""
    return plan.to_safe_tx(policy, nonce, V141)


RESCUE = address("production rescue vault")


@cache
def restricted() -> Policy:
    """The production example, with a treasury limited to cold and USDC, and a vault whose
    withdraw function takes no token (it can only withdraw USDC)."""
    text = EXAMPLE.read_text()
    text = text.replace('recipients = ["cold", "recovery"]\ntokens = ["USDC", "WETH"]',
                        'recipients = ["cold"]\ntokens = ["USDC"]')  # fmt: skip
    text = text.replace(
        'pause = "pauseBridge()"', 'pause = { safe = "admin", call = "pauseBridge()" }'
    )
    assert text.count('recipients = ["cold"]\ntokens = ["USDC"]') == 1
    text += f"""
[vaults.rescue]
safe = "admin"
address = "{RESCUE}"
withdraw = {{ call = "rescue(uint32,address)", args = ["{{amount}}", "{{to}}"] }}
recipients = ["recovery"]
tokens = ["USDC"]
"""
    return load_policy(text, str(EXAMPLE), MAINNET_ENV)
