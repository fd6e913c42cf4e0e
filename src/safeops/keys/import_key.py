"""`keys import`: check a pasted key against the policy's address, store it, read it back."""

from __future__ import annotations

from collections.abc import Mapping

from safeops.core.keyspec import KeyringKey, VaultKey
from safeops.errors import BadInput
from safeops.keys import os_keyring, vault
from safeops.keys.material import parse_private_key, require_address
from safeops.keys.resolve import open_signer


def import_key(
    name: str,
    target: VaultKey | KeyringKey,
    key_text: str,
    expected_address: str,
    *,
    environ: Mapping[str, str],
    overwrite: bool = False,
) -> str:
    """Store signer `name`'s key (hex text from stdin or a hidden prompt) at `target`.

    Nothing is stored unless the key parses and derives to `expected_address`; afterwards the
    key is read back through the same path signing uses. Returns the address.
    """
    if not isinstance(target, VaultKey | KeyringKey):
        raise BadInput(f"keys can be imported into Vault or the OS keyring, not {target!r}")
    key = parse_private_key(key_text, source=f"the key given for signer {name}")
    try:
        require_address(name, key, expected_address)
        if isinstance(target, VaultKey):
            vault.store_key(vault.VaultSettings.from_env(environ), target, key, overwrite=overwrite)
        else:
            os_keyring.store_key(target, key, overwrite=overwrite)
    finally:
        del key
    return open_signer(name, target, expected_address, environ=environ).verify()
