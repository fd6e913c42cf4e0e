"""The shipped policies validate: the production example and the devnet's generated policy."""

from __future__ import annotations

from pathlib import Path

from safeops.core.keyspec import KeystoreKey
from safeops.core.policy import load_policy, validate_policy
from safeops.devnet.deploy import ADMIN, COLD_WALLET, GUARDIAN, Deployment
from safeops.devnet.policy_file import render_policy
from tests.unit.core.policy.sample import address

ROOT = Path(__file__).resolve().parents[4]
EXAMPLE = ROOT / "policies" / "production.example.toml"
MAINNET_ENV = {
    "MAINNET_RPC_URL": "https://mainnet.example.org/v3/key",
    "MAINNET_RPC_URL_2": "wss://eth.example.net/ws",
}


def test_the_production_example_is_valid() -> None:
    result = validate_policy(EXAMPLE.read_bytes(), str(EXAMPLE), MAINNET_ENV)
    assert result.problems == []
    policy = result.policy
    assert policy is not None
    guardian, admin = policy.safes["guardian"], policy.safes["admin"]
    assert (guardian.expect.threshold, len(guardian.expect.owners)) == (2, 4)
    assert (admin.expect.threshold, len(admin.expect.owners)) == (3, 5)
    assert guardian.rpc == tuple(MAINNET_ENV.values())
    # The guardian may only pause: no unpause, revoke or withdraw goes through it.
    assert {t.pause.safe for t in policy.targets.values() if t.pause} == {"guardian"}
    assert {t.unpause.safe for t in policy.targets.values() if t.unpause} == {"admin"}
    assert {e.safe for e in (*policy.allowlists.values(), *policy.vaults.values())} == {"admin"}
    assert policy.allowlists["liquidators"].batched
    assert policy.tokens["WETH"].max_withdraw_units == 25005 * 10**17
    assert policy.signers["carol"].key == KeystoreKey(EXAMPLE.parent / "keys/carol.json")
    assert policy.actions["revoke"].executors == ("alice", "relayer")


def test_the_production_example_needs_its_rpc_variables() -> None:
    result = validate_policy(EXAMPLE.read_bytes(), str(EXAMPLE), {})
    assert {p.message for p in result.problems} == {
        "environment variable MAINNET_RPC_URL is not set",
        "environment variable MAINNET_RPC_URL_2 is not set",
    }
    assert validate_policy(EXAMPLE.read_bytes(), str(EXAMPLE), None).valid


def fake_deployment() -> Deployment:
    return Deployment(
        chain_id=31337,
        safes={spec.name: address(f"devnet safe {spec.name}") for spec in (GUARDIAN, ADMIN)},
        contracts={
            name: address(f"devnet {name}")
            for name in ("token", "router", "lending", "allowlist", "vault")
        },
        signers={name: address(f"devnet {name}") for name in ("oncall", "alice", "bob", "carol")},
    )


def test_the_devnet_policy_is_valid() -> None:
    deployment = fake_deployment()
    text = render_policy(deployment, "http://127.0.0.1:8545")
    result = validate_policy(text, "/state/devnet/policy.toml", {})
    assert result.problems == []
    policy = load_policy(text, "/state/devnet/policy.toml", {})
    assert policy.safes["admin"].address == deployment.safes["admin"]
    assert policy.safes["guardian"].expect.owners == GUARDIAN.owners
    assert policy.recipients["cold"].address == COLD_WALLET
    assert policy.targets["vault"].address == policy.vaults["main"].address
    assert policy.allowlists["members"].batched
    assert policy.signers["bob"].key == KeystoreKey(
        Path("/state/devnet/keys/bob.json"), Path("/state/devnet/keys/password")
    )
