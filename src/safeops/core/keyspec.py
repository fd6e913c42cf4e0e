"""Where a signer's key lives, as the policy says it: Vault, the OS keyring or a keystore file."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class VaultKey:
    """A key in Vault's KV v2 engine: `{ vault = "secret/safeops/alice", field = "private_key" }`.

    The first path segment is the mount point of the KV v2 engine, the rest the secret's path.
    """

    mount: str
    path: str
    field: str = "private_key"

    def describe(self) -> str:
        return f"vault:{self.mount}/{self.path}#{self.field}"


@dataclass(frozen=True)
class KeyringKey:
    """A key in the OS keyring: `{ keyring = "safeops", username = "oncall" }`."""

    service: str
    username: str

    def describe(self) -> str:
        return f"keyring:{self.service}/{self.username}"


@dataclass(frozen=True)
class KeystoreKey:
    """An encrypted eth-account keystore; the password from `password_file` or a hidden prompt.

    Relative paths are resolved against the policy file's folder by the policy loader.
    """

    path: Path
    password_file: Path | None = None

    def describe(self) -> str:
        return f"keystore:{self.path}"


KeySpec = VaultKey | KeyringKey | KeystoreKey
