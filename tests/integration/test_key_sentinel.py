"""The sentinel key through every key path, success and failure: it must show up nowhere."""

from __future__ import annotations

import json
import logging
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import keyring
import pytest
from eth_account import Account

from safeops.core.keyspec import KeyringKey, KeystoreKey, VaultKey
from safeops.keys import os_keyring, vault
from safeops.keys.errors import (
    KeyAddressMismatch,
    KeyMalformed,
    KeyringLocked,
    KeystoreWrongPassword,
    VaultForbidden,
)
from safeops.keys.import_key import import_key
from safeops.keys.resolve import check_signer, open_signer
from tests.helpers_secrets import (
    OTHER_ADDRESS,
    SENTINEL_ADDRESS,
    SENTINEL_KEY,
    LeakWitness,
    assert_no_secret,
    assert_no_secret_in_files,
    find_secret,
)
from tests.integration.gnome_keyring import KeyringSession
from tests.integration.openbao import AppRole, OpenBao, root_client

DIGEST = bytes.fromhex("11" * 32)
TYPED_DATA = {
    "types": {
        "EIP712Domain": [
            {"name": "chainId", "type": "uint256"},
            {"name": "verifyingContract", "type": "address"},
        ],
        "Ping": [{"name": "value", "type": "uint256"}],
    },
    "primaryType": "Ping",
    "domain": {"chainId": 31337, "verifyingContract": "0x" + "22" * 20},
    "message": {"value": 7},
}
# Near misses that must not be echoed either: a typo (non-hex) and a truncated copy.
TYPO_KEY = SENTINEL_KEY[:40] + "z" + SENTINEL_KEY[41:]
SHORT_KEY = SENTINEL_KEY[:-2]


@dataclass
class LeakCheck:
    """What a test showed, scanned by `finish()` for the sentinel key.

    Key paths run through `witness.ok` / `witness.fails`, which record results and errors
    (message, repr, hint, traceback with causes). `finish()` adds stdout and stderr at the file
    descriptor level, every log record (all loggers at DEBUG), warnings, every file under the
    session's pytest temp folder (OpenBao's and gnome-keyring's homes and logs included) and
    any file written to the system temp folder during the test. To cover CLI runs, record
    their output: `leaks.witness.record("keys check", run.stdout + run.stderr)`.
    """

    witness: LeakWitness
    capfd: pytest.CaptureFixture[str]
    caplog: pytest.LogCaptureFixture
    recwarn: pytest.WarningsRecorder
    roots: list[Path]
    started: float

    def finish(self) -> None:
        self.witness.check()
        out, err = self.capfd.readouterr()
        assert_no_secret(out, SENTINEL_KEY, where="stdout")
        assert_no_secret(err, SENTINEL_KEY, where="stderr")
        for record in self.caplog.records:
            assert_no_secret(record.getMessage(), SENTINEL_KEY, where=f"log {record.name}")
        assert_no_secret(self.caplog.text, SENTINEL_KEY, where="formatted logs")
        for warning in self.recwarn.list:
            assert_no_secret(str(warning.message), SENTINEL_KEY, where="warnings")
        assert assert_no_secret_in_files(self.roots, SENTINEL_KEY) > 0
        _scan_new_temp_files(self.started)


def _scan_new_temp_files(since: float) -> None:
    """Files any library wrote to the system temp folder during the test (pytest's included)."""
    for path in Path(tempfile.gettempdir()).rglob("*"):
        try:
            info = path.lstat()
            if not path.is_file() or path.is_symlink() or info.st_mtime < since:
                continue
            if info.st_size > 50_000_000:
                continue
            data = path.read_bytes()
        except OSError:
            continue  # vanished or unreadable: another process's temp file
        assert_no_secret(data, SENTINEL_KEY, where=str(path))


@pytest.fixture
def leaks(
    capfd: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
    recwarn: pytest.WarningsRecorder,
    tmp_path_factory: pytest.TempPathFactory,
) -> LeakCheck:
    caplog.set_level(logging.DEBUG)
    for name in list(logging.root.manager.loggerDict):
        caplog.set_level(logging.DEBUG, logger=name)
    return LeakCheck(
        LeakWitness(SENTINEL_KEY),
        capfd,
        caplog,
        recwarn,
        [tmp_path_factory.getbasetemp()],
        time.time() - 1,
    )


def test_sentinel_scanner_finds_every_spelling(tmp_path: Path) -> None:
    """The scanner itself: if it missed these, every other test here would prove nothing."""
    digits = SENTINEL_KEY[2:]
    for spelling in [SENTINEL_KEY, digits, digits.upper(), "0X" + digits.upper(), digits[10:30]]:
        assert find_secret(f"text {spelling} text", SENTINEL_KEY) is not None
    assert find_secret(b"\x00" + bytes.fromhex(digits) + b"\x00", SENTINEL_KEY) is not None
    (tmp_path / "deep").mkdir()
    (tmp_path / "deep" / "dump.bin").write_bytes(json.dumps({"k": digits}).encode())
    with pytest.raises(AssertionError, match="sentinel key leaked"):
        assert_no_secret_in_files([tmp_path], SENTINEL_KEY)
    (tmp_path / "deep" / "dump.bin").unlink()
    assert find_secret(f"{SENTINEL_ADDRESS} {OTHER_ADDRESS} {DIGEST.hex()}", SENTINEL_KEY) is None


def test_sentinel_through_vault(
    leaks: LeakCheck, openbao: OpenBao, approle: AppRole, vault_path: str
) -> None:
    ok, fails = leaks.witness.ok, leaks.witness.fails
    env = openbao.env()
    spec = VaultKey("secret", vault_path)
    ok("settings", lambda: vault.VaultSettings.from_env(env))
    ok("import", lambda: import_key("alice", spec, SENTINEL_KEY, SENTINEL_ADDRESS, environ=env))
    signer = ok("open", lambda: open_signer("alice", spec, SENTINEL_ADDRESS, environ=env))
    ok("sign digest", lambda: signer.sign_digest(DIGEST))
    ok("sign typed data", lambda: signer.sign_typed_data(TYPED_DATA))
    approle_env = {
        "VAULT_ADDR": openbao.addr,
        "VAULT_ROLE_ID": approle.role_id,
        "VAULT_SECRET_ID": approle.secret_id,
    }
    check = ok(
        "approle", lambda: check_signer("alice", spec, SENTINEL_ADDRESS, environ=approle_env)
    )
    assert check.ok
    fails("mismatch", KeyAddressMismatch, open_signer("a", spec, OTHER_ADDRESS, environ=env).verify)

    root_client(openbao).secrets.kv.v2.create_or_update_secret(
        path="elsewhere/sentinel", secret={"private_key": SENTINEL_KEY}
    )
    outside = VaultKey("secret", "elsewhere/sentinel")
    settings = vault.VaultSettings.from_env(approle_env)
    fails("forbidden", VaultForbidden, lambda: vault.read_key(settings, outside))
    for label, near_miss in [("typo", TYPO_KEY), ("short", SHORT_KEY)]:
        root_client(openbao).secrets.kv.v2.create_or_update_secret(
            path=vault_path, secret={"private_key": near_miss}
        )
        fails(label, KeyMalformed, signer.verify)
    leaks.finish()


def test_sentinel_through_keyring(leaks: LeakCheck, gnome_keyring: KeyringSession) -> None:
    ok, fails = leaks.witness.ok, leaks.witness.fails
    spec = KeyringKey("safeops-sentinel", "oncall")
    ok("import", lambda: import_key("oncall", spec, SENTINEL_KEY, SENTINEL_ADDRESS, environ={}))
    signer = ok("open", lambda: open_signer("oncall", spec, SENTINEL_ADDRESS, environ={}))
    ok("sign digest", lambda: signer.sign_digest(DIGEST))
    ok("sign typed data", lambda: signer.sign_typed_data(TYPED_DATA))
    check = ok("mismatch", lambda: check_signer("oncall", spec, OTHER_ADDRESS, environ={}))
    assert not check.ok

    typo = KeyringKey("safeops-sentinel", "typo")
    keyring.set_password(typo.service, typo.username, TYPO_KEY)
    fails("typo", KeyMalformed, lambda: os_keyring.read_key(typo))
    gnome_keyring.lock()
    fails("locked", KeyringLocked, signer.verify)
    leaks.finish()


def test_sentinel_through_keystore(leaks: LeakCheck, tmp_path: Path) -> None:
    ok, fails = leaks.witness.ok, leaks.witness.fails
    document = Account.encrypt(SENTINEL_KEY, "pw", kdf="scrypt", iterations=2**14)
    keyfile = tmp_path / "sentinel.json"
    keyfile.write_text(json.dumps(document))
    password_file = tmp_path / "password"
    password_file.write_text("pw\n")
    password_file.chmod(0o600)
    spec = KeystoreKey(keyfile, password_file)
    signer = ok("open", lambda: open_signer("alice", spec, SENTINEL_ADDRESS, environ={}))
    ok("sign digest", lambda: signer.sign_digest(DIGEST))
    ok("sign typed data", lambda: signer.sign_typed_data(TYPED_DATA))
    fails("mismatch", KeyAddressMismatch, open_signer("a", spec, OTHER_ADDRESS, environ={}).verify)
    prompted = open_signer(
        "alice", KeystoreKey(keyfile), SENTINEL_ADDRESS, environ={}, password_prompt=lambda _: "no"
    )
    fails("wrong password", KeystoreWrongPassword, prompted.verify)
    leaks.finish()


def test_sentinel_through_import_failures(
    leaks: LeakCheck, openbao: OpenBao, vault_path: str
) -> None:
    fails = leaks.witness.fails
    spec = VaultKey("secret", vault_path)
    env = openbao.env()
    for label, text in [("typo", TYPO_KEY), ("short", SHORT_KEY), ("junk", f"{SENTINEL_KEY} x")]:
        fails(
            label,
            KeyMalformed,
            lambda text=text: import_key("alice", spec, text, SENTINEL_ADDRESS, environ=env),
        )
    fails(
        "wrong address",
        KeyAddressMismatch,
        lambda: import_key("alice", spec, SENTINEL_KEY, OTHER_ADDRESS, environ=env),
    )
    leaks.finish()
