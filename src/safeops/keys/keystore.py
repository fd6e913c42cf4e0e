"""Keys in encrypted eth-account keystore files; the password from a 0600 file or a prompt."""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Callable
from pathlib import Path
from typing import Any

from safeops.core.keyspec import KeystoreKey
from safeops.keys.errors import (
    KeyFileUnreadable,
    KeystorePasswordMissing,
    KeystoreWrongPassword,
    PasswordFileInsecure,
)
from safeops.keys.keystore_v3 import decrypt_v3
from safeops.keys.material import check_key_bytes

PasswordPrompt = Callable[[str], str]
"""Asks the operator for a password without echoing it (the CLI's hidden prompt)."""


def read_password_file(path: Path) -> str:
    """The password in `path`, without one trailing newline.

    Like ssh with private keys, a file that group or others may read or write is refused, not
    just warned about: a warning scrolls by at 3 a.m., and the password guards a signer key.
    """
    try:
        mode = path.stat().st_mode
        if os.name == "posix" and mode & (stat.S_IRWXG | stat.S_IRWXO):
            raise PasswordFileInsecure(
                f"password file {path} is accessible by other users (mode {stat.S_IMODE(mode):o})",
                hint=f"Make it readable by its owner only: chmod 600 {path}",
            )
        raw = path.read_bytes()
    except OSError as error:
        raise KeyFileUnreadable(
            f"cannot read password file {path} ({error.strerror or type(error).__name__})"
        ) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise KeyFileUnreadable(f"password file {path} is not UTF-8 text") from None
    finally:
        del raw
    if text.endswith("\n"):
        text = text[:-2] if text.endswith("\r\n") else text[:-1]
    return text


def read_key(spec: KeystoreKey, password_prompt: PasswordPrompt | None = None) -> bytes:
    """Decrypt the keystore; the password file wins over the prompt when the policy names one."""
    keyfile = _load_keystore(spec.path)
    if spec.password_file is not None:
        password = read_password_file(spec.password_file)
    elif password_prompt is not None:
        password = password_prompt(f"Password for keystore {spec.path}: ")
    else:
        raise KeystorePasswordMissing(
            f"keystore {spec.path} has no password_file and no prompt is available"
        )
    try:
        return _decrypt(spec.path, keyfile, password)
    finally:
        del password


def _load_keystore(path: Path) -> dict[str, Any]:
    try:
        document = json.loads(path.read_bytes())
    except OSError as error:
        raise KeyFileUnreadable(
            f"cannot read keystore {path} ({error.strerror or type(error).__name__})"
        ) from None
    except ValueError:
        raise KeyFileUnreadable(f"keystore {path} is not JSON") from None
    if not isinstance(document, dict) or not isinstance(
        document.get("crypto", document.get("Crypto")), dict
    ):
        raise KeyFileUnreadable(f"keystore {path} is not an Ethereum keystore (no crypto section)")
    return document


def _decrypt(path: Path, keyfile: dict[str, Any], password: str) -> bytes:
    try:
        key = _decrypted(keyfile, password)
    except ValueError as error:
        # eth-keyfile says "MAC mismatch" (v3) or "Checksum mismatch" (v4) for a wrong password
        # and raises ValueError for malformed parameters too; only the former is the password.
        if str(error) in ("MAC mismatch", "Checksum mismatch"):
            raise KeystoreWrongPassword(f"wrong password for keystore {path}") from None
        raise KeyFileUnreadable(f"keystore {path} is malformed ({type(error).__name__})") from None
    except (KeyError, TypeError, NotImplementedError) as error:
        raise KeyFileUnreadable(f"keystore {path} is malformed ({type(error).__name__})") from None
    return check_key_bytes(key, source=f"keystore {path}")


def _decrypted(keyfile: dict[str, Any], password: str) -> bytes:
    """Version 3 (what eth-account and geth write) without eth-keyfile; anything else through
    eth-account, which loads a second of BLS code for its version 4."""
    if keyfile.get("version") == 3:
        return decrypt_v3(keyfile, password)
    from eth_account import Account

    return bytes(Account.decrypt(keyfile, password))
