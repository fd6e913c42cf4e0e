"""Keys in the OS keyring through `keyring`, refusing backends that keep nothing or clear text."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TypeVar

import keyring
import keyring.errors
from keyring.backend import KeyringBackend
from keyring.backends.chainer import ChainerBackend

from safeops.core.hexes import hex0x
from safeops.core.keyspec import KeyringKey
from safeops.keys.errors import (
    KeyAlreadyStored,
    KeyringBackendRefused,
    KeyringEntryMissing,
    KeyringLocked,
    KeyringUnavailable,
)
from safeops.keys.material import parse_private_key

T = TypeVar("T")

# Backends that store nothing; plaintext ones (keyrings.alt) are recognised by their name.
_REFUSED_MODULES = ("keyring.backends.fail", "keyring.backends.null")
_CHAIN_HINT = (
    "Name one backend, e.g. PYTHON_KEYRING_BACKEND=keyring.backends.SecretService.Keyring, "
    "or uninstall keyrings.alt."
)
_LINUX_HINT = (
    "On Linux run gnome-keyring (or KWallet) in a D-Bus session: install gnome-keyring and dbus, "
    "log in to a desktop session or start one with `dbus-run-session`, and unlock the keyring."
)


def backend_name(backend: KeyringBackend) -> str:
    return f"{type(backend).__module__}.{type(backend).__qualname__}"


def refusal_reason(backend: KeyringBackend) -> str | None:
    """Why `backend` cannot hold a signer key, or None when it can."""
    if isinstance(backend, ChainerBackend):
        members = list(backend.backends)
        if not members:
            return "it chains no usable backend"
        reasons = [reason for reason in map(refusal_reason, members) if reason]
        return f"it chains a refused backend: {reasons[0]}" if reasons else None
    module, name = type(backend).__module__, type(backend).__qualname__
    if module in _REFUSED_MODULES:
        return f"{backend_name(backend)} stores nothing"
    if "plaintext" in f"{module}.{name}".lower():
        return f"{backend_name(backend)} stores keys in clear text"
    return None


def usable_backend(backend: KeyringBackend | None = None) -> KeyringBackend:
    """`backend` (default: the one `keyring` selected) if it may hold keys, else refused."""
    chosen = keyring.get_keyring() if backend is None else backend
    reason = refusal_reason(chosen)
    if reason is not None:
        hint = _LINUX_HINT if sys.platform.startswith("linux") else None
        if isinstance(chosen, ChainerBackend) and list(chosen.backends):
            hint = _CHAIN_HINT
        raise KeyringBackendRefused(f"the OS keyring is not usable: {reason}", hint=hint)
    return chosen


def read_key(spec: KeyringKey, backend: KeyringBackend | None = None) -> bytes:
    """The private key stored under `spec`'s service and username."""
    chosen = usable_backend(backend)
    value = _call(chosen, spec, lambda: chosen.get_password(spec.service, spec.username))
    if value is None:
        raise KeyringEntryMissing(
            f"the OS keyring ({backend_name(chosen)}) has no entry {spec.describe()}"
        )
    try:
        return parse_private_key(value, source=spec.describe())
    finally:
        del value


def store_key(
    spec: KeyringKey, key: bytes, *, overwrite: bool = False, backend: KeyringBackend | None = None
) -> None:
    """Store `key` as 0x-hex under `spec`; an existing entry is kept unless `overwrite`."""
    chosen = usable_backend(backend)
    if not overwrite:
        existing = _call(chosen, spec, lambda: chosen.get_password(spec.service, spec.username))
        if existing is not None:
            del existing
            raise KeyAlreadyStored(f"the OS keyring already holds {spec.describe()}")
    _call(chosen, spec, lambda: chosen.set_password(spec.service, spec.username, hex0x(key)))


def delete_key(spec: KeyringKey, backend: KeyringBackend | None = None) -> bool:
    """Remove the entry at `spec`; False when there was none."""
    chosen = usable_backend(backend)

    def delete() -> bool:
        try:
            chosen.delete_password(spec.service, spec.username)
        except keyring.errors.PasswordDeleteError:
            return False
        return True

    return _call(chosen, spec, delete)


def _call(backend: KeyringBackend, spec: KeyringKey, action: Callable[[], T]) -> T:
    """Run one backend call; its errors become ours, without their messages, which for some
    backends include what was being stored."""
    where = f"the OS keyring ({backend_name(backend)})"
    try:
        return action()
    except keyring.errors.KeyringLocked:
        raise KeyringLocked(f"{where} is locked, so {spec.describe()} cannot be used") from None
    except keyring.errors.InitError as error:
        # gnome-keyring asks to unlock (or create) its collection through a prompt; with nobody
        # to answer it, the prompt is dismissed.
        if "dismissed" in str(error).lower():
            raise KeyringLocked(
                f"{where} is locked (or has no default collection) and its prompt was dismissed"
            ) from None
        raise KeyringUnavailable(f"{where} could not be initialised") from None
    except keyring.errors.NoKeyringError:
        raise KeyringBackendRefused(f"{where} has no usable backend") from None
    except Exception as error:
        raise KeyringUnavailable(
            f"{where} failed on {spec.describe()} ({type(error).__name__})"
        ) from None
