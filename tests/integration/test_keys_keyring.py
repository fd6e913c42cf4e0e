"""Signer keys in a real gnome-keyring over a private D-Bus session, and refused backends."""

from __future__ import annotations

import keyring
import pytest
from eth_account import Account

from safeops.core.keyspec import KeyringKey
from safeops.errors import ExitCode
from safeops.keys import os_keyring
from safeops.keys.errors import (
    KeyAlreadyStored,
    KeyringBackendRefused,
    KeyringLocked,
)
from safeops.keys.import_key import import_key
from safeops.keys.resolve import check_signer, open_signer
from tests.helpers_secrets import OTHER_KEY, SENTINEL_ADDRESS, SENTINEL_KEY
from tests.integration.gnome_keyring import KeyringSession, redetect_keyring_backend

SPEC = KeyringKey("safeops-test", "oncall")
DIGEST = bytes(range(32))


def test_keyring_backend_is_gnome_keyring(gnome_keyring: KeyringSession) -> None:
    backend = os_keyring.usable_backend()
    assert os_keyring.backend_name(backend) == "keyring.backends.SecretService.Keyring"


def test_keyring_store_then_sign(gnome_keyring: KeyringSession) -> None:
    os_keyring.store_key(SPEC, bytes.fromhex(SENTINEL_KEY[2:]))
    assert keyring.get_password(SPEC.service, SPEC.username) == SENTINEL_KEY

    signer = open_signer("oncall", SPEC, SENTINEL_ADDRESS, environ={})

    assert signer.source == "keyring:safeops-test/oncall"
    signature = signer.sign_digest(DIGEST)
    assert Account._recover_hash(DIGEST, signature=signature) == SENTINEL_ADDRESS


def test_keyring_import_refuses_to_replace_an_entry(gnome_keyring: KeyringSession) -> None:
    keyring.set_password(SPEC.service, SPEC.username, OTHER_KEY)

    with pytest.raises(KeyAlreadyStored) as caught:
        import_key("oncall", SPEC, SENTINEL_KEY, SENTINEL_ADDRESS, environ={})
    assert caught.value.exit_code == ExitCode.REFUSED
    assert keyring.get_password(SPEC.service, SPEC.username) == OTHER_KEY

    address = import_key("oncall", SPEC, SENTINEL_KEY, SENTINEL_ADDRESS, environ={}, overwrite=True)
    assert address == SENTINEL_ADDRESS
    assert keyring.get_password(SPEC.service, SPEC.username) == SENTINEL_KEY


def test_keyring_missing_entry(gnome_keyring: KeyringSession) -> None:
    check = check_signer(
        "oncall", KeyringKey("safeops-test", "nobody"), SENTINEL_ADDRESS, environ={}
    )

    assert not check.ok
    assert check.exit_code == ExitCode.BAD_INPUT
    assert check.error == (
        "the OS keyring (keyring.backends.SecretService.Keyring) has no entry "
        "keyring:safeops-test/nobody"
    )


def test_keyring_locked_collection(gnome_keyring: KeyringSession) -> None:
    os_keyring.store_key(SPEC, bytes.fromhex(SENTINEL_KEY[2:]))
    gnome_keyring.lock()

    with pytest.raises(KeyringLocked) as caught:
        os_keyring.read_key(SPEC)
    assert caught.value.exit_code == ExitCode.ENVIRONMENT
    assert caught.value.message == (
        "the OS keyring (keyring.backends.SecretService.Keyring) is locked, "
        "so keyring:safeops-test/oncall cannot be used"
    )


def test_keyring_never_unlocked(never_unlocked_keyring: KeyringSession) -> None:
    with pytest.raises(KeyringLocked) as caught:
        os_keyring.read_key(SPEC)
    assert "prompt was dismissed" in caught.value.message


def test_keyring_fail_backend_is_refused(fail_keyring: None) -> None:
    with pytest.raises(KeyringBackendRefused) as caught:
        open_signer("oncall", SPEC, SENTINEL_ADDRESS, environ={})
    assert caught.value.exit_code == ExitCode.ENVIRONMENT
    assert caught.value.message == (
        "the OS keyring is not usable: keyring.backends.fail.Keyring stores nothing"
    )
    assert "gnome-keyring" in caught.value.hint


def test_keyring_without_dbus_falls_to_a_refused_backend(monkeypatch: pytest.MonkeyPatch) -> None:
    """No session bus at all: keyring's own detection finds nothing viable."""
    monkeypatch.delenv("DBUS_SESSION_BUS_ADDRESS", raising=False)
    monkeypatch.setenv("XDG_RUNTIME_DIR", "/nonexistent")
    monkeypatch.delenv("PYTHON_KEYRING_BACKEND", raising=False)
    previous = keyring.get_keyring()
    redetect_keyring_backend()
    try:
        with pytest.raises(KeyringBackendRefused):
            os_keyring.read_key(SPEC)
    finally:
        keyring.set_keyring(previous)
