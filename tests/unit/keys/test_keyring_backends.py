"""Which keyring backends may hold a signer key."""

from __future__ import annotations

import pytest
from keyring.backend import KeyringBackend
from keyring.backends import chainer, fail, null

from safeops.errors import ExitCode
from safeops.keys import os_keyring
from safeops.keys.errors import KeyringBackendRefused


def unregistered(cls: type[KeyringBackend]) -> type[KeyringBackend]:
    """`cls`, taken out of keyring's registry of backends: every subclass is registered on
    creation, and keyring would otherwise pick these fakes in later tests."""
    KeyringBackend._classes.discard(cls)
    return cls


@unregistered
class _Backend(KeyringBackend):
    priority = 1

    def get_password(self, service: str, username: str) -> str | None:
        return None

    def set_password(self, service: str, username: str, password: str) -> None:
        pass

    def delete_password(self, service: str, username: str) -> None:
        pass


def backend_class(module: str, name: str) -> type[KeyringBackend]:
    return unregistered(type(name, (_Backend,), {"__module__": module, "__qualname__": name}))


PLAINTEXT = backend_class("keyrings.alt.file", "PlaintextKeyring")
ENCRYPTED = backend_class("keyrings.alt.file", "EncryptedKeyring")
KEYCHAIN = backend_class("keyring.backends.macOS", "Keyring")


def chain_of(*members: KeyringBackend) -> chainer.ChainerBackend:
    """A chainer over `members` (the real one discovers the installed backends itself)."""
    chain_class = type("ChainerBackend", (chainer.ChainerBackend,), {"backends": list(members)})
    return unregistered(chain_class)()  # type: ignore[return-value]


@pytest.mark.parametrize(
    ("backend", "reason"),
    [
        (fail.Keyring(), "keyring.backends.fail.Keyring stores nothing"),
        (null.Keyring(), "keyring.backends.null.Keyring stores nothing"),
        (PLAINTEXT(), "keyrings.alt.file.PlaintextKeyring stores keys in clear text"),
        (chain_of(), "it chains no usable backend"),
        (
            chain_of(KEYCHAIN(), PLAINTEXT()),
            "it chains a refused backend: keyrings.alt.file.PlaintextKeyring stores keys in "
            "clear text",
        ),
    ],
)
def test_refused_backends(backend: KeyringBackend, reason: str) -> None:
    assert os_keyring.refusal_reason(backend) == reason
    with pytest.raises(KeyringBackendRefused) as caught:
        os_keyring.usable_backend(backend)
    assert caught.value.message == f"the OS keyring is not usable: {reason}"
    assert caught.value.exit_code == ExitCode.ENVIRONMENT


@pytest.mark.parametrize("backend", [KEYCHAIN(), ENCRYPTED(), chain_of(KEYCHAIN())])
def test_usable_backends(backend: KeyringBackend) -> None:
    assert os_keyring.refusal_reason(backend) is None
    assert os_keyring.usable_backend(backend) is backend


def test_a_chain_with_a_plaintext_member_says_how_to_pick_one() -> None:
    with pytest.raises(KeyringBackendRefused) as caught:
        os_keyring.usable_backend(chain_of(KEYCHAIN(), PLAINTEXT()))
    assert "PYTHON_KEYRING_BACKEND=keyring.backends.SecretService.Keyring" in caught.value.hint
