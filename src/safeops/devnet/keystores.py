"""Encrypted keystores for the devnet's demo signers (eth-account JSON, password file 0600)."""

from __future__ import annotations

import json
import os
import secrets
from pathlib import Path

from safeops.devnet.deploy import DEV_KEYS

# scrypt's n is lowered from eth-account's 2**18 so that tests unlock keys in milliseconds;
# the keys are anvil's public ones anyway. Production keystores keep the default cost.
DEMO_SCRYPT_N = 2**14


def _write_private(path: Path, text: str) -> None:
    """Create `path` readable by its owner only, before anything is written to it."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        handle.write(text)


def write_keystores(keys_dir: Path) -> None:
    """One keystore per demo signer, all under one random password in `keys/password`."""
    from eth_account import Account

    keys_dir.mkdir(parents=True, exist_ok=True)
    os.chmod(keys_dir, 0o700)
    password = secrets.token_urlsafe(24)
    _write_private(keys_dir / "password", password + "\n")
    for name, key in DEV_KEYS.items():
        if name == "deployer":
            continue
        keystore = Account.encrypt(
            bytes.fromhex(key[2:]), password, kdf="scrypt", iterations=DEMO_SCRYPT_N
        )
        _write_private(keys_dir / f"{name}.json", json.dumps(keystore, indent=2) + "\n")
