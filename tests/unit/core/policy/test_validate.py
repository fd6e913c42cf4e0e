"""Every kind of policy mistake is reported with its key path, a clear message and its line."""

from __future__ import annotations

import pytest

from safeops.core.policy import validate_policy
from tests.unit.core.policy.sample import (
    ADDRESSES,
    ENV,
    SAMPLE,
    ZERO,
    address,
    bad_checksum,
    fill,
    look_alike,
)

Expected = tuple[str, str, str | None]
"""(where, message fragment, a snippet ending on the expected line, or None for no line)."""

COLD, USDC, VAULT, BOB = (ADDRESSES[n] for n in ("COLD", "USDC", "VAULT", "BOB"))
MODULE = address("MODULE")


def line_of(text: str, snippet: str | None) -> int | None:
    """The 1-based line on which the first `snippet` ends: the test's own locator."""
    if snippet is None:
        return None
    end = text.index(snippet) + len(snippet)
    return text.count("\n", 0, end) + 1


def mutate(old: str, new: str) -> str:
    assert SAMPLE.count(old) == 1, f"{old!r} must occur once in the sample"
    return SAMPLE.replace(old, new)


def test_the_sample_is_valid() -> None:
    result = validate_policy(SAMPLE, "/ops/policy.toml", ENV)
    assert result.problems == []
    assert result.valid


MISTAKES = [
    pytest.param(
        "decimals = 6",
        "decimals = = 6",
        [("(syntax)", "Invalid value", "decimals = = 6")],
        id="toml-syntax",
    ),
    pytest.param(
        "version = 1\n",
        "",
        [("version", "missing required key 'version'", None)],
        id="missing-version",
    ),
    pytest.param(
        "version = 1",
        "version = 2",
        [("version", "unsupported policy version 2", "version = 2")],
        id="unsupported-version",
    ),
    pytest.param(
        "[tokens.ETH]",
        "[token.ETH]",
        [("token", "unknown key 'token' (did you mean 'tokens'?)", "[token.ETH]")],
        id="unknown-section",
    ),
    pytest.param(
        f'address = "{ADDRESSES["ALICE"]}"',
        f'adress = "{ADDRESSES["ALICE"]}"',
        [
            ("signers.alice.adress", "unknown key 'adress' (did you mean 'address'?)", "adress ="),
            ("signers.alice.address", "missing required key 'address'", "[signers.alice]"),
        ],
        id="typo-key",
    ),
    pytest.param(
        "threshold = 2",
        "thresold = 2",
        [
            ("safes.admin.expect.thresold", "did you mean 'threshold'?", "thresold"),
            ("safes.admin.expect.threshold", "missing required key 'threshold'", "thresold"),
        ],
        id="typo-inline-key",
    ),
    pytest.param(
        "[safes.admin]\nchain_id = 1\n",
        "[safes.admin]\n",
        [("safes.admin.chain_id", "missing required key 'chain_id'", "[safes.admin]")],
        id="missing-key",
    ),
    pytest.param(
        "[safes.guardian]\nchain_id = 1",
        '[safes.guardian]\nchain_id = "1"',
        [("safes.guardian.chain_id", "expected an integer, got a string", 'chain_id = "1"')],
        id="wrong-type",
    ),
    pytest.param(
        "[safes.guardian]\nchain_id = 1",
        "[safes.guardian]\nchain_id = 0",
        [("safes.guardian.chain_id", "must be at least 1", "chain_id = 0")],
        id="chain-id-zero",
    ),
    pytest.param(
        'max_withdraw = "5000000"',
        "max_withdraw = 5000000.0",
        [("tokens.USDC.max_withdraw", "got a float (amounts are exact", "max_withdraw")],
        id="float-amount",
    ),
    pytest.param(
        f'address = "{COLD}"',
        'address = "0x1234"',
        [("recipients.cold.address", "not a 20-byte hex address", '"0x1234"')],
        id="malformed-address",
    ),
    pytest.param(
        f'address = "{COLD}"',
        f'address = "{COLD.lower()}"',
        [("recipients.cold.address", "has no EIP-55 checksum", COLD.lower())],
        id="lowercase-address",
    ),
    pytest.param(
        f'address = "{COLD}"',
        f'address = "{bad_checksum(COLD)}"',
        [("recipients.cold.address", "wrong EIP-55 checksum", "[recipients.cold]\naddress")],
        id="bad-checksum",
    ),
    pytest.param(
        f'address = "{COLD}"',
        f'address = "{ZERO}"',
        [("recipients.cold.address", "must not be the zero address", "[recipients.cold]\naddress")],
        id="zero-address",
    ),
    pytest.param(
        'safe = "admin"\naddress = "@ALLOWLIST@"'.replace("@ALLOWLIST@", ADDRESSES["ALLOWLIST"]),
        'safe = "admn"\naddress = "@ALLOWLIST@"'.replace("@ALLOWLIST@", ADDRESSES["ALLOWLIST"]),
        [("allowlists.members.safe", "unknown Safe 'admn' (did you mean 'admin'?)", "admn")],
        id="unknown-safe",
    ),
    pytest.param(
        'recipients = ["cold"]',
        'recipients = ["cold", "hot"]',
        [("vaults.main.recipients[1]", "unknown recipient 'hot'", "recipients = [")],
        id="unknown-recipient",
    ),
    pytest.param(
        'recipients = ["cold"]',
        'recipients = ["cold"]\ntokens = ["USDC", "DAI"]',
        [("vaults.main.tokens[1]", "unknown token 'DAI'", 'tokens = ["USDC"')],
        id="unknown-token",
    ),
    pytest.param(
        'owners = ["oncall", "alice"]',
        'owners = ["oncall", "alcie"]',
        [("safes.guardian.expect.owners[1]", "unknown signer 'alcie' (did you mean", "alcie")],
        id="unknown-owner",
    ),
    pytest.param(
        'owners = ["alice", "bob"]',
        'owners = ["alice", "bob", "alice"]',
        [("safes.admin.expect.owners[2]", "'alice' is listed twice", '"bob", "alice"')],
        id="duplicate-owner",
    ),
    pytest.param(
        "threshold = 2",
        "threshold = 3",
        [("safes.admin.expect.threshold", "threshold 3 exceeds the 2 owners", "threshold = 3")],
        id="threshold-too-high",
    ),
    pytest.param(
        "threshold = 1",
        "threshold = 0",
        [("safes.guardian.expect.threshold", "must be at least 1", "threshold = 0")],
        id="threshold-zero",
    ),
    pytest.param(
        '"1.4.1", threshold = 2',
        '"1.4.2", threshold = 2',
        [("safes.admin.expect.version", "unknown Safe version '1.4.2'", "1.4.2")],
        id="unknown-safe-version",
    ),
    pytest.param(
        f'guard = "{ZERO}" }}',
        f'guard = "{ZERO}", module_guard = "{ZERO}" }}',
        [("safes.guardian.expect.module_guard", "from Safe 1.5.0", "module_guard")],
        id="module-guard-before-1.5",
    ),
    pytest.param(
        '["https://rpc.example.org"]',
        "[]",
        [("safes.admin.rpc", "needs at least one RPC URL", "rpc = []")],
        id="empty-rpc",
    ),
    pytest.param(
        '["https://rpc.example.org"]',
        '["ftp://rpc.example.org"]',
        [("safes.admin.rpc[0]", "scheme ftp:// is not allowed", "ftp://")],
        id="rpc-not-http",
    ),
    pytest.param(
        '"${RPC_1}", "https://rpc.example.org"',
        '"https://rpc.example.org", "https://rpc.example.org"',
        [("safes.guardian.rpc[1]", "repeats rpc[0]", '"https://rpc.example.org", "https')],
        id="duplicate-rpc",
    ),
    pytest.param(
        "${RPC_1}",
        "${RPC_9}",
        [("safes.guardian.rpc[0]", "environment variable RPC_9 is not set", "${RPC_9}")],
        id="env-unset",
    ),
    pytest.param(
        'proposals = "tx-service"',
        'proposals = "ipfs"',
        [("safes.admin.proposals", "unknown proposals 'ipfs'", "ipfs")],
        id="unknown-proposals",
    ),
    pytest.param(
        'roles = ["signer"]',
        "roles = []",
        [("signers.bob.roles", "must not be empty", "roles = []")],
        id="signer-without-roles",
    ),
    pytest.param(
        'roles = ["signer"]',
        'roles = ["signer", "approver"]',
        [("signers.bob.roles[1]", "unknown role 'approver'", "approver")],
        id="unknown-role",
    ),
    pytest.param(
        'key = { keystore = "keys/bob.json", password_file = "keys/password" }',
        "key = {}",
        [("signers.bob.key", "names 0 key sources", "key = {}")],
        id="no-key-source",
    ),
    pytest.param(
        'key = { vault = "secret/safeops/alice" }',
        'key = { vault = "secret/safeops/alice", keyring = "safeops" }',
        [("signers.alice.key", "names 2 key sources (vault, keyring)", 'keyring = "safeops" }')],
        id="two-key-sources",
    ),
    pytest.param(
        'key = { vault = "secret/safeops/alice" }',
        'key = { vault = "alice" }',
        [("signers.alice.key.vault", "must be MOUNT/PATH", 'vault = "alice"')],
        id="vault-path-without-mount",
    ),
    pytest.param(
        f'address = "{COLD}"',
        f'address = "{BOB}"',
        [
            (
                "recipients.cold.address",
                "is also signer 'bob' (signers.bob.address)",
                "[recipients.cold]\naddress",
            )
        ],
        id="duplicate-address",
    ),
    pytest.param(
        f'address = "{COLD}"',
        f'address = "{look_alike(VAULT)}"',
        [
            (
                "recipients.cold.address",
                f"looks like {VAULT} (vaults.main.address)",
                "[recipients.cold]\naddress",
            )
        ],
        id="look-alike-address",
    ),
    pytest.param(
        'pause = "pause()"',
        'pause = "pause("',
        [("targets.router.pause", "not a function signature", 'pause = "pause("')],
        id="unparseable-template",
    ),
    pytest.param(
        'args = ["{account}", false]',
        'args = ["{account}"]',
        [("allowlists.members.revoke.args", "takes 2 argument(s), args has 1", "revoke =")],
        id="argument-count",
    ),
    pytest.param(
        'call = "unpause()" }',
        'call = "unpause(address)", args = ["{account}"] }',
        [("targets.router.unpause.args[0]", "{account} is not available here", "unpause =")],
        id="placeholder-not-allowed",
    ),
    pytest.param(
        '"emergencyWithdraw(address,address,uint256)"',
        '"emergencyWithdraw(address,address,address)"',
        [
            (
                "vaults.main.withdraw.args[2]",
                "{amount} must fill a parameter typed uint<N>",
                'args = ["{token}"',
            )
        ],
        id="placeholder-wrong-type",
    ),
    pytest.param(
        'args = ["{account}", false]',
        'args = ["{account}", "no"]',
        [("allowlists.members.revoke.args[1]", "constant 'no' is not a valid bool", "revoke =")],
        id="constant-not-encodable",
    ),
    pytest.param(
        'args = ["{account}", false]',
        f'args = ["{COLD}", false]',
        [("allowlists.members.revoke.args", "must take {account} or {accounts}", "revoke =")],
        id="revoke-without-account",
    ),
    pytest.param(
        'call = "setAllowed(address,bool)"',
        'call = "setAllowed(adress,bool)"',
        [("allowlists.members.revoke.call", "'adress' is not a supported ABI type", "revoke =")],
        id="unknown-abi-type",
    ),
    pytest.param(
        '"paused()(bool)"',
        '"paused()"',
        [("targets.router.check.call", "a check must declare one output", "check =")],
        id="check-without-output",
    ),
    pytest.param(
        "after_pause = true,",
        "after_pause = 1,",
        [("targets.router.check.after_pause", "returns bool: 1 is not a valid bool", "check =")],
        id="check-value-type",
    ),
    pytest.param(
        'max_withdraw = "5000000"',
        'max_withdraw = "5000000.1234567"',
        [("tokens.USDC.max_withdraw", "has 7 fractional digits; the token has 6", "max_withdraw")],
        id="cap-too-precise",
    ),
    pytest.param(
        'max_withdraw = "5000000"',
        'max_withdraw = "-5"',
        [("tokens.USDC.max_withdraw", "must not be negative", "max_withdraw")],
        id="negative-cap",
    ),
    pytest.param(
        "decimals = 6\n",
        "",
        [("tokens.USDC.decimals", "missing required key 'decimals' (max_", "[tokens.USDC]")],
        id="cap-without-decimals",
    ),
    pytest.param(
        "decimals = 18",
        "decimals = 77",
        [("tokens.ETH.decimals", "must be at most 36", "decimals = 77")],
        id="decimals-out-of-range",
    ),
    pytest.param(
        "[tokens.ETH]",
        '[actions.pause]\nproposers = ["oncall", "mallory"]\n\n[tokens.ETH]',
        [("actions.pause.proposers[1]", "unknown signer 'mallory'", "mallory")],
        id="action-unknown-signer",
    ),
    pytest.param(
        "[tokens.ETH]",
        '[actions.withdraw]\nexecutors = ["bob"]\n\n[tokens.ETH]',
        [("actions.withdraw.executors[0]", "lacks the 'executor' role", 'executors = ["bob"]')],
        id="action-signer-lacks-role",
    ),
    pytest.param(
        'owners = ["alice", "bob"]',
        'owners = ["alice", "oncall"]',
        [("signers.bob.roles", "has the 'signer' role but owns no Safe", 'roles = ["signer"]')],
        id="signer-owns-nothing",
    ),
    pytest.param(
        f'guard = "{ZERO}" }}',
        f'guard = "{ZERO}", modules = ["{MODULE}", "{MODULE}"] }}',
        [("safes.guardian.expect.modules[1]", f"{MODULE} is listed twice", "modules")],
        id="module-listed-twice",
    ),
    pytest.param(
        'key = { keyring = "safeops", username = "oncall" }',
        'key = { keyring = "safeops", username = "oncall", field = "pk" }',
        [("signers.oncall.key.field", "unknown key 'field' in a keyring key", 'field = "pk"')],
        id="key-of-another-source",
    ),
    pytest.param(
        'pause = "pause()"\nunpause = { safe = "admin", call = "unpause()" }\n',
        "",
        [
            ("targets.router", "a target needs pause, unpause or both", "[targets.router]"),
            ("targets.router.check.after_pause", "the target has no pause", "after_pause"),
            ("targets.router.check.after_unpause", "the target has no unpause", "after_pause"),
        ],
        id="target-without-actions",
    ),
    pytest.param(
        'args = ["{account}"], after = false }',
        'args = ["{account}"] }',
        [("allowlists.members.check.after", "missing required key 'after'", "isAllowed")],
        id="revoke-check-without-after",
    ),
    pytest.param(
        "[allowlists.members]\n",
        "[allowlists.members]\nmax_batch = 0\n",
        [("allowlists.members.max_batch", "must be at least 1", "max_batch = 0")],
        id="max-batch-zero",
    ),
    pytest.param(
        'args = ["{token}", "{to}", "{amount}"]',
        'args = ["{token}", "@COLD@", "{amount}"]',
        [("vaults.main.withdraw.args", "emergencyWithdraw must take {to}", 'args = ["{token}"')],
        id="withdraw-without-to",
    ),
    pytest.param(
        'safe = "guardian"\npause',
        "pause",
        [("targets.router.pause", "no Safe makes this call", 'pause = "pause()"')],
        id="target-action-without-safe",
    ),
    pytest.param(
        "[safes.admin]\nchain_id = 1",
        "[safes.admin]\nchain_id = 10",
        [("targets.router", "different chains (1 and 10)", "[targets.router]")],
        id="target-on-two-chains",
    ),
    pytest.param(
        "[recipients.cold]",
        '[recipients."cold wallet"]',
        [
            ("recipients.cold wallet", "must be letters, digits, '_' or '-'", "[recipients."),
            ("vaults.main.recipients[0]", "unknown recipient 'cold'", 'recipients = ["cold"]'),
        ],
        id="bad-name",
    ),
    pytest.param(
        'proposals = "tx-service"\n',
        'proposals = "tx-service"\nsignatures = { eth_sign = "no", approvedhash = true }\n',
        [
            ("safes.admin.signatures.eth_sign", "expected true or false, got a string", "eth_"),
            ("safes.admin.signatures.approvedhash", "did you mean 'approved_hash'", "eth_"),
        ],
        id="signature-kinds-mistyped",
    ),
    pytest.param(
        'key = { keystore = "keys/bob.json", password_file = "keys/password" }\nroles = ["signer"]',
        'roles = ["signer", "executor"]',
        [("signers.bob.roles", "without a key, executor cannot be done", 'roles = ["signer", "ex')],
        id="keyless-executor",
    ),
]


@pytest.mark.parametrize(("old", "new", "expected"), MISTAKES)
def test_each_mistake_is_reported_where_it_is(old: str, new: str, expected: list[Expected]) -> None:
    text = mutate(fill(old), fill(new))
    result = validate_policy(text, "/ops/policy.toml", ENV)
    assert result.policy is None
    found = {problem.where: problem for problem in result.problems}
    assert sorted(found) == sorted(where for where, _, _ in expected), result.problems
    for where, fragment, snippet in expected:
        assert fragment in found[where].message
        assert found[where].line == line_of(text, snippet), found[where]
