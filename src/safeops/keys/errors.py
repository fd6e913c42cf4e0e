"""Errors of the key sources; messages name the source, never the key or a credential."""

from __future__ import annotations

from safeops.errors import BadInput, EnvironmentProblem, Refused

_NO_FALLBACK = "safeops never falls back to another key source."


# Vault: everything that stops a read before the secret is reached is the environment's (exit 3).
class VaultNotConfigured(EnvironmentProblem):
    """VAULT_ADDR is unset or invalid, or no credentials are given."""

    default_hint = (
        "Set VAULT_ADDR (https://vault.example.com:8200) and VAULT_TOKEN, "
        "or VAULT_ROLE_ID and VAULT_SECRET_ID for AppRole."
    )


class VaultUnreachable(EnvironmentProblem):
    """Vault cannot be reached, fails TLS, or answers with something unexpected."""

    default_hint = f"Check VAULT_ADDR, VAULT_CACERT and the network. {_NO_FALLBACK}"


class VaultSealed(EnvironmentProblem):
    """Vault answers but is sealed."""

    default_hint = f"Unseal Vault (`bao operator unseal` / `vault operator unseal`). {_NO_FALLBACK}"


class VaultNotInitialized(EnvironmentProblem):
    """Vault answers but has never been initialised."""

    default_hint = "Initialise Vault or point VAULT_ADDR at the right cluster."


class VaultStandby(EnvironmentProblem):
    """VAULT_ADDR points at a standby or DR-secondary node that does not serve reads."""

    default_hint = "Point VAULT_ADDR at the active node or at the cluster's load balancer."


class VaultAuthFailed(EnvironmentProblem):
    """The token is invalid or expired, or the AppRole login was refused."""

    default_hint = "Renew VAULT_TOKEN, or check VAULT_ROLE_ID and VAULT_SECRET_ID."


class VaultForbidden(EnvironmentProblem):
    """A valid token whose policies do not allow this read or write (HTTP 403)."""

    default_hint = "Ask the Vault administrators to grant this token's policy access to the path."


class SecretMissing(BadInput):
    """The policy names a Vault secret, version or field that is not there."""

    default_hint = (
        "Check the signer's `vault` path and `field` in the policy, "
        "or store the key with `safeops keys import --to vault`."
    )


# OS keyring.
class KeyringBackendRefused(EnvironmentProblem):
    """The keyring backend would keep keys nowhere (null, fail) or in clear text."""

    default_hint = (
        "Use a real OS keyring: macOS Keychain, Windows Credential Manager, or on Linux "
        "gnome-keyring (or KWallet) in a D-Bus session with DBUS_SESSION_BUS_ADDRESS set."
    )


class KeyringLocked(EnvironmentProblem):
    """The keyring exists but is locked and could not be unlocked."""

    default_hint = "Unlock the keyring (log in to the desktop session or unlock it), then retry."


class KeyringUnavailable(EnvironmentProblem):
    """The keyring backend failed for another reason."""

    default_hint = f"Check that the keyring service is running. {_NO_FALLBACK}"


class KeyringEntryMissing(BadInput):
    """The policy names a keyring entry that does not exist."""

    default_hint = (
        "Check the signer's `keyring` service and `username` in the policy, "
        "or store the key with `safeops keys import --to keyring`."
    )


# Keystore files.
class KeyFileUnreadable(BadInput):
    """A keystore or password file is missing, unreadable or malformed."""

    default_hint = "Check the signer's `keystore` and `password_file` paths in the policy."


class KeystorePasswordMissing(BadInput):
    """There is no password file and no way to prompt for the password."""

    default_hint = "Set `password_file` for this signer in the policy, or run interactively."


class KeystoreWrongPassword(BadInput):
    """The password does not decrypt the keystore."""

    default_hint = "Check the password (or the password file) for this keystore."


class PasswordFileInsecure(Refused):
    """A password file that other users may read or write."""

    default_hint = "Make it readable by its owner only: chmod 600 <file>."


# Any source.
class KeyMalformed(BadInput):
    """The source holds something that is not a 32-byte secp256k1 private key."""

    default_hint = "Store the key as 64 hex digits (32 bytes), with or without 0x."


class KeyAddressMismatch(Refused):
    """The key derives to another address than the policy's."""

    default_hint = (
        "The source holds another key than the policy names: fix the source or the policy. "
        "Nothing was signed or stored."
    )


class KeyAlreadyStored(Refused):
    """`keys import` would replace an existing key."""

    default_hint = "Pass --overwrite to replace it (Vault KV v2 keeps the previous version)."
