"""Signer keys in eth-account keystore files: password file or prompt, and each failure."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from eth_account import Account

from safeops.core.keyspec import KeystoreKey
from safeops.errors import ExitCode
from safeops.keys import keystore
from safeops.keys.errors import (
    KeyFileUnreadable,
    KeystorePasswordMissing,
    KeystoreWrongPassword,
    PasswordFileInsecure,
)
from safeops.keys.resolve import check_signer, open_signer
from tests.helpers_secrets import SENTINEL_ADDRESS, SENTINEL_KEY

PASSWORD = "correct horse battery staple"
FAST_SCRYPT_N = 2**14  # eth-account's default 2**18 takes ~1 s per decryption


def write_private(path: Path, text: str) -> Path:
    path.write_text(text)
    path.chmod(0o600)
    return path


@pytest.fixture
def keystore_file(tmp_path: Path) -> Path:
    document = Account.encrypt(SENTINEL_KEY, PASSWORD, kdf="scrypt", iterations=FAST_SCRYPT_N)
    return write_private(tmp_path / "alice.json", json.dumps(document))


def test_keystore_with_password_file(keystore_file: Path, tmp_path: Path) -> None:
    password_file = write_private(tmp_path / "password", PASSWORD + "\n")
    spec = KeystoreKey(keystore_file, password_file)

    signer = open_signer("alice", spec, SENTINEL_ADDRESS, environ={})

    assert signer.verify() == SENTINEL_ADDRESS
    assert signer.source == f"keystore:{keystore_file}"


def test_keystore_with_prompt_asks_on_every_use(keystore_file: Path) -> None:
    prompts: list[str] = []

    def prompt(text: str) -> str:
        prompts.append(text)
        return PASSWORD

    signer = open_signer(
        "alice", KeystoreKey(keystore_file), SENTINEL_ADDRESS, environ={}, password_prompt=prompt
    )
    assert prompts == []
    signer.verify()
    signer.sign_digest(bytes(32))
    assert prompts == [f"Password for keystore {keystore_file}: "] * 2


@pytest.mark.parametrize("kdf", ["scrypt", "pbkdf2"])
def test_version_3_keystores_decrypt_as_eth_account_does(tmp_path: Path, kdf: str) -> None:
    """safeops decrypts version 3 itself (eth-keyfile would load py_ecc's BLS code): every key
    derivation eth-account writes, and a wrong password is the same refusal."""
    iterations = FAST_SCRYPT_N if kdf == "scrypt" else 1_000
    document = Account.encrypt(SENTINEL_KEY, PASSWORD, kdf=kdf, iterations=iterations)
    path = write_private(tmp_path / f"{kdf}.json", json.dumps(document))
    key = keystore.read_key(KeystoreKey(path), lambda _: PASSWORD)
    assert key == bytes(Account.decrypt(document, PASSWORD)) == bytes.fromhex(SENTINEL_KEY[2:])
    with pytest.raises(KeystoreWrongPassword):
        keystore.read_key(KeystoreKey(path), lambda _: PASSWORD + "!")


def test_a_held_signer_decrypts_its_keystore_once(keystore_file: Path) -> None:
    """An emergency proposes and executes in one run: one prompt, one scrypt, then dropped."""
    prompts: list[str] = []

    def prompt(text: str) -> str:
        prompts.append(text)
        return PASSWORD

    signer = open_signer(
        "alice", KeystoreKey(keystore_file), SENTINEL_ADDRESS, environ={}, password_prompt=prompt
    )
    with signer.held():
        signer.sign_digest(bytes(32))
        signer.sign_transaction(
            {
                "chainId": 1,
                "nonce": 0,
                "to": SENTINEL_ADDRESS,
                "data": b"",
                "gas": 21_000,
                "maxPriorityFeePerGas": 1,
                "maxFeePerGas": 2,
                "type": 2,
            }
        )
        assert len(prompts) == 1
    signer.sign_digest(bytes(32))  # the run is over: the next use reads the keystore again
    assert len(prompts) == 2


def test_keystore_wrong_password(keystore_file: Path, tmp_path: Path) -> None:
    password_file = write_private(tmp_path / "password", "not it\n")
    check = check_signer(
        "alice", KeystoreKey(keystore_file, password_file), SENTINEL_ADDRESS, environ={}
    )
    assert not check.ok
    assert check.exit_code == ExitCode.BAD_INPUT
    assert check.error == f"wrong password for keystore {keystore_file}"
    with pytest.raises(KeystoreWrongPassword):
        keystore.read_key(KeystoreKey(keystore_file), lambda _: "also not it")


def test_keystore_malformed_file(tmp_path: Path) -> None:
    broken = write_private(tmp_path / "broken.json", '{"version": 3, "crypto": ')
    not_keystore = write_private(tmp_path / "other.json", '{"version": 3}')
    bad_params = write_private(
        tmp_path / "params.json", json.dumps({"version": 3, "crypto": {"kdf": "none"}})
    )

    for path, message in [
        (broken, f"keystore {broken} is not JSON"),
        (not_keystore, f"keystore {not_keystore} is not an Ethereum keystore (no crypto section)"),
        (bad_params, f"keystore {bad_params} is malformed (ValueError)"),
        (
            tmp_path / "absent.json",
            f"cannot read keystore {tmp_path / 'absent.json'} (No such file or directory)",
        ),
    ]:
        with pytest.raises(KeyFileUnreadable) as caught:
            keystore.read_key(KeystoreKey(path), lambda _: PASSWORD)
        assert caught.value.message == message
        assert caught.value.exit_code == ExitCode.BAD_INPUT


def test_keystore_missing_password_file(keystore_file: Path, tmp_path: Path) -> None:
    with pytest.raises(KeyFileUnreadable) as caught:
        keystore.read_key(KeystoreKey(keystore_file, tmp_path / "nope"))
    assert caught.value.message == (
        f"cannot read password file {tmp_path / 'nope'} (No such file or directory)"
    )


def test_keystore_without_password_source(keystore_file: Path) -> None:
    with pytest.raises(KeystorePasswordMissing) as caught:
        keystore.read_key(KeystoreKey(keystore_file))
    assert caught.value.exit_code == ExitCode.BAD_INPUT


@pytest.mark.skipif(os.name != "posix", reason="POSIX file modes")
def test_keystore_password_file_readable_by_others_is_refused(
    keystore_file: Path, tmp_path: Path
) -> None:
    password_file = write_private(tmp_path / "password", PASSWORD)
    password_file.chmod(0o644)
    with pytest.raises(PasswordFileInsecure) as caught:
        keystore.read_key(KeystoreKey(keystore_file, password_file))
    assert caught.value.exit_code == ExitCode.REFUSED
    assert caught.value.message == (
        f"password file {password_file} is accessible by other users (mode 644)"
    )
    assert caught.value.hint == f"Make it readable by its owner only: chmod 600 {password_file}"
