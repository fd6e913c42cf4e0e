"""Fixtures for the key sources: OpenBao dev servers and a private gnome-keyring session."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import keyring
import pytest

from tests.integration.gnome_keyring import (
    KeyringSession,
    missing_programs,
    redetect_keyring_backend,
    start_keyring_session,
)
from tests.integration.openbao import (
    INSTALL_HINT,
    READ_PREFIX,
    AppRole,
    OpenBao,
    create_read_only_approle,
    find_bao,
    root_client,
    start_openbao,
)


@pytest.fixture(scope="session")
def bao_binary() -> Path:
    binary = find_bao()
    if binary is None:
        pytest.fail(f"the OpenBao `bao` binary was not found: {INSTALL_HINT}")
    return binary


@pytest.fixture(scope="session")
def openbao(bao_binary: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[OpenBao]:
    """One OpenBao dev server for the session; tests use their own secret paths."""
    server = start_openbao(bao_binary, tmp_path_factory.mktemp("openbao"))
    yield server
    server.stop()


@pytest.fixture
def sealed_openbao(bao_binary: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[OpenBao]:
    """A server of its own, sealed with the root token, so that other tests are unaffected."""
    server = start_openbao(bao_binary, tmp_path_factory.mktemp("openbao-sealed"))
    try:
        root_client(server).sys.seal()
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def approle(openbao: OpenBao) -> AppRole:
    """AppRole `safeops` whose tokens may only read secret/data/safeops/*."""
    return create_read_only_approle(openbao)


@pytest.fixture
def vault_path() -> str:
    """A secret path of this test's own, inside what the AppRole may read."""
    return f"{READ_PREFIX}/{uuid.uuid4().hex}"


def _private_keyring_session(
    root: Path, monkeypatch: pytest.MonkeyPatch, *, unlock: bool
) -> Iterator[KeyringSession]:
    missing = missing_programs()
    if missing:
        pytest.skip(f"{', '.join(missing)} not installed (apt-get install gnome-keyring dbus)")
    previous = keyring.get_keyring()
    session = start_keyring_session(root, unlock=unlock)
    # keyring reads these when it picks a backend; a developer's own config must not interfere.
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", session.bus_address)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(root / "config"))
    monkeypatch.delenv("PYTHON_KEYRING_BACKEND", raising=False)
    redetect_keyring_backend()
    try:
        yield session
    finally:
        keyring.set_keyring(previous)
        session.stop()


@pytest.fixture
def gnome_keyring(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Iterator[KeyringSession]:
    """An unlocked gnome-keyring in a private D-Bus session, selected by `keyring` itself."""
    yield from _private_keyring_session(
        tmp_path_factory.mktemp("keyring"), monkeypatch, unlock=True
    )


@pytest.fixture
def never_unlocked_keyring(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Iterator[KeyringSession]:
    """gnome-keyring started without its password: every use needs a prompt nobody answers."""
    yield from _private_keyring_session(
        tmp_path_factory.mktemp("keyring-locked"), monkeypatch, unlock=False
    )


@pytest.fixture
def fail_keyring() -> Iterator[None]:
    """`keyring` with its fail backend, as on a machine without any keyring service."""
    from keyring.backends import fail

    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    yield
    keyring.set_keyring(previous)
