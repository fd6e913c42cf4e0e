"""Put the devnet's demo keys where `--keys` says, and say so in the policy's TOML."""

from __future__ import annotations

import os
import signal
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from safeops.core.hexes import hex0x
from safeops.core.keyspec import KeyringKey, VaultKey
from safeops.devnet.deploy import DEV_KEYS
from safeops.devnet.keystores import write_keystores
from safeops.devnet.openbao import KEY_PREFIX, KV_MOUNT, provision, start_bao

KEY_SOURCES = ("keystore", "keyring", "vault")
KEYRING_SERVICE = "safeops-devnet"


@dataclass
class KeyPlacement:
    """Where the keys went: the policy's `key = {...}` per signer, and what runs for them."""

    mode: str
    policy_keys: dict[str, str]
    bao_pid: int | None = None
    vault_env: str | None = None
    notes: list[str] = field(default_factory=list)


def _signers() -> dict[str, bytes]:
    return {n: bytes.fromhex(k[2:]) for n, k in DEV_KEYS.items() if n != "deployer"}


def place_keys(mode: str, state_dir: Path, environ: Mapping[str, str]) -> KeyPlacement:
    """Store the demo signers' keys in `mode`'s source; start OpenBao if Vault is wanted
    and no VAULT_ADDR points at one."""
    if mode == "keystore":
        write_keystores(state_dir / "keys")
        lines = {
            n: f'{{ keystore = "keys/{n}.json", password_file = "keys/password" }}'
            for n in _signers()
        }
        return KeyPlacement(mode, lines)
    if mode == "keyring":
        from safeops.keys import os_keyring

        for name, key in _signers().items():
            os_keyring.store_key(KeyringKey(KEYRING_SERVICE, name), key, overwrite=True)
        lines = {n: f'{{ keyring = "{KEYRING_SERVICE}", username = "{n}" }}' for n in _signers()}
        return KeyPlacement(mode, lines)
    return _place_in_vault(state_dir, environ)


def _place_in_vault(state_dir: Path, environ: Mapping[str, str]) -> KeyPlacement:
    lines = {
        n: f'{{ vault = "{KV_MOUNT}/{KEY_PREFIX}/{n}", field = "private_key" }}' for n in _signers()
    }
    if environ.get("VAULT_ADDR"):
        from safeops.keys.vault import VaultSettings, store_key

        settings = VaultSettings.from_env(environ)
        for name, key in _signers().items():
            store_key(settings, VaultKey(KV_MOUNT, f"{KEY_PREFIX}/{name}"), key, overwrite=True)
        note = f"keys stored in the Vault at VAULT_ADDR under {KV_MOUNT}/{KEY_PREFIX}/"
        return KeyPlacement("vault", lines, notes=[note])
    pid, address, root_token = start_bao(state_dir / "vault")
    try:
        credentials = provision(address, root_token, {n: hex0x(k) for n, k in _signers().items()})
    except BaseException:
        os.kill(pid, signal.SIGTERM)
        raise
    env_file = state_dir / "vault.env"
    descriptor = os.open(env_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        handle.write(credentials.env_file())
    note = f"OpenBao started at {address}; run `source {env_file}` before `safeops keys check`"
    return KeyPlacement("vault", lines, bao_pid=pid, vault_env=str(env_file), notes=[note])


def remove_keys(mode: str) -> None:
    """Take the demo keys out of the OS keyring again (Vault's go with its server)."""
    if mode != "keyring":
        return
    from safeops.keys import os_keyring

    for name in _signers():
        os_keyring.delete_key(KeyringKey(KEYRING_SERVICE, name))
