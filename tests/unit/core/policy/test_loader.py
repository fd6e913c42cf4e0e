"""Loading a policy: the model it yields, `${VAR}` expansion, the digest, the error it raises."""

from __future__ import annotations

import hashlib
from decimal import Decimal
from pathlib import Path

import pytest

from safeops.core.keyspec import KeyringKey, KeystoreKey, VaultKey
from safeops.core.policy import (
    InvalidPolicy,
    LocalProposals,
    ServiceProposals,
    load_policy,
    policy_digest,
    validate_policy,
)
from safeops.errors import BadInput, ExitCode
from tests.unit.core.policy.sample import ADDRESSES, ENV, SAMPLE, ZERO

SECRET_URL = ENV["RPC_1"]


def test_the_model_holds_what_the_file_says() -> None:
    policy = load_policy(SAMPLE, "/ops/policy.toml", ENV)
    guardian = policy.safes["guardian"]
    assert guardian.chain_id == 1
    assert guardian.address == ADDRESSES["GUARDIAN"]
    assert guardian.proposals == LocalProposals(Path("/ops/.safeops/proposals"))
    assert policy.safes["admin"].proposals == ServiceProposals(None)
    assert guardian.expect.owners == ("oncall", "alice")
    assert guardian.expect.owner_addresses == (ADDRESSES["ONCALL"], ADDRESSES["ALICE"])
    assert guardian.expect.guard == ZERO
    assert guardian.expect.singleton is None  # not pinned: not checked
    assert policy.signers["alice"].key == VaultKey("secret", "safeops/alice", "private_key")
    assert policy.signers["oncall"].key == KeyringKey("safeops", "oncall")
    assert policy.signers["bob"].key == KeystoreKey(
        Path("/ops/keys/bob.json"), Path("/ops/keys/password")
    )
    assert policy.signers["bob"].roles == frozenset({"signer"})
    router = policy.targets["router"]
    assert router.pause is not None
    assert router.pause.safe == "guardian"
    assert router.unpause is not None
    assert router.unpause.safe == "admin"
    assert router.check is not None
    assert router.check.after_unpause is False
    members = policy.allowlists["members"]
    assert (members.max_batch, members.batched) == (100, False)
    assert policy.vaults["main"].tokens == ("USDC", "ETH")  # every token when none is listed
    usdc = policy.tokens["USDC"]
    assert (usdc.max_withdraw, usdc.max_withdraw_units) == (Decimal("5000000"), 5_000_000 * 10**6)
    assert policy.tokens["ETH"].is_native
    assert policy.tokens["ETH"].max_withdraw is None
    assert policy.settings.rehearsal_max_age_blocks == 50
    assert policy.settings.rehearsal_max_age_seconds == 1800
    assert policy.labels()[ADDRESSES["COLD"]] == "recipients.cold"


def test_actions_default_to_the_signers_with_the_role() -> None:
    policy = load_policy(SAMPLE, "/ops/policy.toml", ENV)
    assert policy.actions["pause"].proposers == ("oncall", "alice")
    assert policy.actions["withdraw"].executors == ("oncall", "alice")
    text = SAMPLE + '\n[actions.withdraw]\nproposers = ["alice"]\n'
    restricted = load_policy(text, "/ops/policy.toml", ENV)
    assert restricted.actions["withdraw"].proposers == ("alice",)
    assert restricted.actions["withdraw"].executors == ("oncall", "alice")


def test_env_references_are_expanded_but_never_shown() -> None:
    policy = load_policy(SAMPLE, "/ops/policy.toml", ENV)
    guardian = policy.safes["guardian"]
    assert guardian.rpc == (SECRET_URL, "https://rpc.example.org")
    assert guardian.rpc_as_written == ("${RPC_1}", "https://rpc.example.org")
    assert "secret-api-key" not in repr(guardian)
    assert policy.env_expanded


def test_env_problems_name_the_variable_not_its_value() -> None:
    result = validate_policy(SAMPLE, "/ops/policy.toml", {"RPC_1": "ftp://secret-api-key"})
    [problem] = result.problems
    assert problem.where == "safes.guardian.rpc[0]"
    assert (
        problem.message == "scheme ftp:// is not allowed here; use http://, https://, ws://, wss://"
    )
    empty = validate_policy(SAMPLE, "/ops/policy.toml", {"RPC_1": " "})
    assert [p.message for p in empty.problems] == ["environment variable RPC_1 is empty"]
    broken = validate_policy(SAMPLE.replace("${RPC_1}", "${RPC 1}"), "/ops/policy.toml", ENV)
    assert "'${RPC 1}' is not a variable reference" in broken.problems[0].message


def test_without_an_environment_references_are_checked_but_kept() -> None:
    result = validate_policy(SAMPLE, "/ops/policy.toml", None)
    assert result.policy is not None
    assert result.policy.safes["guardian"].rpc[0] == "${RPC_1}"
    assert not result.policy.env_expanded


def test_digest_is_the_sha256_of_the_exact_bytes() -> None:
    data = SAMPLE.encode()
    assert validate_policy(data, "p.toml", ENV).digest == hashlib.sha256(data).hexdigest()
    assert load_policy(SAMPLE, "p.toml", ENV).digest == hashlib.sha256(data).hexdigest()
    assert policy_digest(SAMPLE) == policy_digest(data)  # stable across calls and forms
    crlf = SAMPLE.replace("\n", "\r\n").encode()
    assert load_policy(crlf, "p.toml", ENV).digest != policy_digest(data)
    assert policy_digest(SAMPLE + "# comment\n") != policy_digest(data)


def test_load_policy_raises_a_bad_input_listing_every_problem() -> None:
    text = SAMPLE.replace("threshold = 2", "threshold = 9").replace('"1.4.1", threshold = 1', '"9"')
    with pytest.raises(InvalidPolicy) as raised:
        load_policy(text, "ops/policy.toml", ENV)
    error = raised.value
    assert isinstance(error, BadInput)
    assert error.exit_code == ExitCode.BAD_INPUT
    assert [p.where for p in error.problems] == [
        "safes.guardian.expect.version",
        "safes.guardian.expect.threshold",
        "safes.admin.expect.threshold",
    ]
    assert error.message == ("policy ops/policy.toml has 3 problems; run `safeops policy validate`")
    assert error.hint.startswith("first: ops/policy.toml:7: safes.guardian.expect.version")


def test_a_file_that_is_not_utf8_is_one_problem_with_its_line() -> None:
    result = validate_policy(b"version = 1\n# caf\xe9\n", "p.toml", ENV)
    [problem] = result.problems
    assert (problem.where, problem.line) == ("(syntax)", 2)
    assert "not UTF-8" in problem.message


def test_an_empty_policy_names_what_is_missing() -> None:
    result = validate_policy("version = 1\n", "p.toml", ENV)
    assert [(p.where, p.message) for p in result.problems] == [
        ("safes", "the policy names no safe: add a [safes.NAME] table"),
        ("signers", "the policy names no signer: add a [signers.NAME] table"),
    ]


def test_settings_are_read_and_checked() -> None:
    text = "[settings]\nrehearsal_max_age_blocks = 10\n" + SAMPLE.replace("version = 1\n", "")
    policy = load_policy("version = 1\n" + text, "p.toml", ENV)
    assert policy.settings.rehearsal_max_age_blocks == 10
    assert policy.settings.rehearsal_max_age_seconds == 1800
    bad = validate_policy(
        "version = 1\n[settings]\nrehearsal_max_age_blocks = 0\n" + SAMPLE[12:], "p.toml", ENV
    )
    assert [(p.where, p.line) for p in bad.problems] == [("settings.rehearsal_max_age_blocks", 3)]


def test_vault_without_token_placeholder_needs_exactly_one_token() -> None:
    text = SAMPLE.replace(
        'args = ["{token}", "{to}", "{amount}"]', 'args = ["@", "{to}", "{amount}"]'
    ).replace(
        '"emergencyWithdraw(address,address,uint256)"', '"withdrawTo(string,address,uint256)"'
    )
    result = validate_policy(text, "p.toml", ENV)
    assert [(p.where, p.message) for p in result.problems] == [
        (
            "vaults.main.withdraw.args",
            "without {token} the call withdraws one token: list exactly one in tokens",
        )
    ]
    one = text.replace('recipients = ["cold"]', 'recipients = ["cold"]\ntokens = ["USDC"]')
    assert load_policy(one, "p.toml", ENV).vaults["main"].tokens == ("USDC",)


def test_one_contract_may_hold_several_powers_and_safes_may_receive_funds() -> None:
    """A pausable vault is a target and a vault; withdrawing into the admin Safe is allowed."""
    vault, admin = ADDRESSES["VAULT"], ADDRESSES["ADMIN"]
    text = SAMPLE.replace(ADDRESSES["ROUTER"], vault).replace(ADDRESSES["COLD"], admin)
    assert load_policy(text, "p.toml", ENV).targets["router"].address == vault


def test_an_action_nobody_may_execute_is_reported() -> None:
    text = SAMPLE.replace(
        'roles = ["proposer", "signer", "executor"]', 'roles = ["proposer", "signer"]'
    )
    result = validate_policy(text, "p.toml", ENV)
    assert [(p.where, p.message) for p in result.problems] == [
        (
            f"actions.{action}.executors",
            f"no signer may execute {action}: give one the 'executor' role",
        )
        for action in ("pause", "unpause", "revoke", "withdraw")
    ]


def test_signature_kinds_default_and_per_safe() -> None:
    """eth_sign is off unless a Safe turns it on; approvals and contract owners count."""
    from safeops.core.policy import SignatureKinds

    text = SAMPLE.replace(
        'proposals = "tx-service"\n',
        'proposals = "tx-service"\nsignatures = { eth_sign = true, contract = false }\n',
    )
    policy = load_policy(text, "/ops/policy.toml", ENV)
    assert policy.safes["guardian"].signatures == SignatureKinds(False, True, True)
    assert policy.safes["admin"].signatures == SignatureKinds(
        eth_sign=True, approved_hash=True, contract=False
    )


def test_a_signer_without_a_key_signs_elsewhere() -> None:
    """A hardware-wallet owner or a nested Safe: in the policy, but no key for safeops."""
    text = SAMPLE.replace(
        'key = { keystore = "keys/bob.json", password_file = "keys/password" }\n', ""
    )
    policy = load_policy(text, "/ops/policy.toml", ENV)
    assert policy.signers["bob"].key is None
    assert policy.signers["bob"].roles == frozenset({"signer"})
