"""Where Vault is and how to log in, from the standard VAULT_* variables."""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from safeops.keys.errors import VaultNotConfigured

DEFAULT_TIMEOUT_S = 10.0


@dataclass(frozen=True)
class VaultSettings:
    """Where Vault is and how to log in; credentials never appear in `repr`."""

    addr: str
    token: str | None = field(default=None, repr=False)
    namespace: str | None = None
    cacert: str | None = None
    role_id: str | None = field(default=None, repr=False)
    secret_id: str | None = field(default=None, repr=False)
    approle_mount: str = "approle"
    timeout: float = DEFAULT_TIMEOUT_S

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> VaultSettings:
        """Read and check the variables, handed in as a mapping (only the CLI reads the
        environment); empty ones count as unset.

        VAULT_ADDR (https://, or http:// to this machine only), VAULT_NAMESPACE, VAULT_CACERT,
        and VAULT_TOKEN; without a token, AppRole with VAULT_ROLE_ID and VAULT_SECRET_ID
        (VAULT_APPROLE_MOUNT, default `approle`). ~/.vault-token and VAULT_SKIP_VERIFY are not
        honoured: credentials and trust are explicit.
        """

        def get(name: str) -> str | None:
            return environ.get(name) or None

        addr = get("VAULT_ADDR")
        if addr is None:
            raise VaultNotConfigured(
                "VAULT_ADDR is not set: safeops does not know which Vault to use"
            )
        if not addr.startswith(("http://", "https://")):
            raise VaultNotConfigured(
                f"VAULT_ADDR must start with https:// or http://, not {addr!r}"
            )
        if addr.startswith("http://") and not _is_loopback(urlsplit(addr).hostname):
            raise VaultNotConfigured(
                f"VAULT_ADDR {addr} is plain http to another machine: the token and the keys "
                "would cross the network in clear",
                hint="Use https:// (with VAULT_CACERT for a private CA); http:// is for 127.0.0.1.",
            )
        cacert = get("VAULT_CACERT")
        if cacert is not None and not Path(cacert).is_file():
            raise VaultNotConfigured(f"VAULT_CACERT names {cacert}, which is not a file")
        token, role_id, secret_id = get("VAULT_TOKEN"), get("VAULT_ROLE_ID"), get("VAULT_SECRET_ID")
        if token is None and (role_id is None) != (secret_id is None):
            missing = "VAULT_SECRET_ID" if secret_id is None else "VAULT_ROLE_ID"
            raise VaultNotConfigured(
                f"AppRole login needs both VAULT_ROLE_ID and VAULT_SECRET_ID; {missing} is not set"
            )
        if token is None and role_id is None:
            raise VaultNotConfigured(
                "no Vault credentials: set VAULT_TOKEN, or VAULT_ROLE_ID and VAULT_SECRET_ID"
            )
        return cls(
            addr=addr.rstrip("/"),
            token=token,
            namespace=get("VAULT_NAMESPACE"),
            cacert=cacert,
            role_id=None if token else role_id,
            secret_id=None if token else secret_id,
            approle_mount=get("VAULT_APPROLE_MOUNT") or "approle",
        )

    @property
    def verify(self) -> str | bool:
        """What requests checks the server certificate against: VAULT_CACERT or the system CAs."""
        return self.cacert or True


def _is_loopback(host: str | None) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host or "").is_loopback
    except ValueError:
        return False
