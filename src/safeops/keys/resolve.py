"""From a policy KeySpec to a Signer; `check_signer` proves a source without signing anything."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from safeops.core.keyspec import KeyringKey, KeySpec, KeystoreKey, VaultKey
from safeops.errors import BadInput, ExitCode, SafeOpsError
from safeops.keys import keystore, os_keyring, vault
from safeops.keys.keystore import PasswordPrompt
from safeops.keys.signer import JustInTimeSigner, KeyFetcher, Signer

NO_KEY = "none: signs elsewhere (sign --signature)"


@dataclass(frozen=True)
class SignerCheck:
    """The outcome of `safeops keys check` for one signer; `error` is a one-line message."""

    name: str
    address: str
    source: str
    ok: bool
    error: str | None = None
    hint: str | None = None
    exit_code: ExitCode | None = None


def key_fetcher(
    spec: KeySpec,
    *,
    environ: Mapping[str, str],
    password_prompt: PasswordPrompt | None = None,
) -> KeyFetcher:
    """A function that reads the key from `spec` each time it is called.

    Configuration is checked now (VAULT_ADDR, credentials, keyring backend), so that a
    misconfigured source fails before any work; the key itself is read only when called.
    """
    if isinstance(spec, VaultKey):
        settings = vault.VaultSettings.from_env(environ)
        return lambda: vault.read_key(settings, spec)
    if isinstance(spec, KeyringKey):
        os_keyring.usable_backend()
        return lambda: os_keyring.read_key(spec)
    if isinstance(spec, KeystoreKey):
        return lambda: keystore.read_key(spec, password_prompt)
    raise BadInput(f"unknown key source {spec!r}")


def open_signer(
    name: str,
    spec: KeySpec,
    expected_address: str,
    *,
    environ: Mapping[str, str],
    password_prompt: PasswordPrompt | None = None,
) -> Signer:
    """The signer `name` of the policy, whose key must derive to `expected_address`.

    `environ` holds the VAULT_* variables (the CLI passes os.environ); `password_prompt` is the
    CLI's hidden prompt for keystores without a password file. No key is read yet.
    """
    fetch = key_fetcher(spec, environ=environ, password_prompt=password_prompt)
    return JustInTimeSigner(name, expected_address, spec.describe(), fetch)


def check_signer(
    name: str,
    spec: KeySpec | None,
    expected_address: str,
    *,
    environ: Mapping[str, str],
    password_prompt: PasswordPrompt | None = None,
) -> SignerCheck:
    """Fetch the key, derive its address, compare it with the policy's, drop it; never raises
    a SafeOpsError, which becomes `ok=False` with the error's message, hint and exit code.
    A signer without a key (it signs elsewhere) has nothing to check."""
    if spec is None:
        return SignerCheck(name, expected_address, NO_KEY, ok=True)
    try:
        signer = open_signer(
            name, spec, expected_address, environ=environ, password_prompt=password_prompt
        )
        signer.verify()
    except SafeOpsError as error:
        return SignerCheck(
            name,
            expected_address,
            spec.describe(),
            ok=False,
            error=error.message,
            hint=error.hint or None,
            exit_code=error.exit_code,
        )
    return SignerCheck(name, expected_address, spec.describe(), ok=True)
