"""A known key run through the key-using commands must appear in no output, log or file."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from safeops.devnet.policy_file import render_policy
from tests.helpers import Run, cli_process
from tests.helpers_secrets import (
    SENTINEL_ADDRESS,
    SENTINEL_KEY,
    assert_no_secret,
    assert_no_secret_in_files,
)

if TYPE_CHECKING:
    from safeops.devnet.deploy import Deployment
    from tests.integration.openbao import OpenBao

pytestmark = pytest.mark.integration
WRONG_KEY = "0x" + "42" * 32


def _policy(folder: Path, devnet: Deployment, alice_key: str) -> Path:
    """The devnet policy with alice's address replaced by the sentinel key's."""
    text = render_policy(
        devnet,
        "http://127.0.0.1:1",
        {
            "oncall": '{ keystore = "oncall.json", password_file = "password" }',
            "alice": alice_key,
            "bob": '{ keystore = "bob.json", password_file = "password" }',
            "carol": '{ keystore = "carol.json", password_file = "password" }',
        },
    )
    path = folder / "policy.toml"
    path.write_text(text.replace(devnet.signers["alice"], SENTINEL_ADDRESS))
    return path


def _scan(runs: list[Run], *roots: Path) -> None:
    for run in runs:
        assert_no_secret(run.stdout + run.stderr, SENTINEL_KEY, where="CLI output")
    assert_no_secret_in_files(roots, SENTINEL_KEY)


def test_vault_import_and_check_never_show_the_key(
    tmp_path: Path, devnet: Deployment, openbao: OpenBao
) -> None:
    path = f"safeops/sentinel/{os.getpid()}"
    policy = _policy(tmp_path, devnet, f'{{ vault = "secret/{path}", field = "private_key" }}')
    env = {**openbao.env(), "HOME": str(tmp_path)}
    args = ("--policy", str(policy))
    runs = [
        cli_process(
            *args, "keys", "import", "--signer", "alice", "--to", "vault", env=env, stdin=WRONG_KEY
        ),
        cli_process(
            *args,
            "--debug",
            "keys",
            "import",
            "--signer",
            "alice",
            "--to",
            "vault",
            env=env,
            stdin=SENTINEL_KEY[:-2],
        ),
        cli_process(
            *args,
            "keys",
            "import",
            "--signer",
            "alice",
            "--to",
            "vault",
            env=env,
            stdin=SENTINEL_KEY,
        ),
        cli_process(*args, "--json", "keys", "check", "--signer", "alice", env=env),
        cli_process(
            *args,
            "--debug",
            "keys",
            "import",
            "--signer",
            "alice",
            "--to",
            "vault",
            env=env,
            stdin=SENTINEL_KEY,
        ),
    ]
    assert [r.code for r in runs] == [1, 2, 0, 0, 1]  # mismatch, malformed, ok, ok, exists
    assert runs[3].json["signers"][0]["ok"] is True
    _scan(runs, tmp_path)


def test_keystore_check_never_shows_the_key(tmp_path: Path, devnet: Deployment) -> None:
    from eth_account import Account

    (tmp_path / "password").write_text("sentinel password\n")
    (tmp_path / "password").chmod(0o600)
    keystore = Account.encrypt(SENTINEL_KEY, "sentinel password", kdf="scrypt", iterations=2**14)
    (tmp_path / "alice.json").write_text(json.dumps(keystore))
    policy = _policy(tmp_path, devnet, '{ keystore = "alice.json", password_file = "password" }')
    runs = [
        cli_process("--policy", str(policy), "--json", "keys", "check", "--signer", "alice"),
        cli_process("--policy", str(policy), "--debug", "keys", "check"),  # others missing
    ]
    assert runs[0].code == 0, runs[0].stderr
    assert runs[1].code == 2
    _scan(runs, tmp_path)
