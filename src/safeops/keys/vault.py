"""Keys in Vault (or OpenBao) KV v2 through hvac: health first, then token or AppRole login."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

import hvac
import hvac.exceptions as hvac_errors
import requests

from safeops.core.hexes import hex0x
from safeops.core.keyspec import VaultKey
from safeops.errors import SafeOpsError
from safeops.keys.errors import (
    KeyAlreadyStored,
    KeyMalformed,
    SecretMissing,
    VaultAuthFailed,
    VaultForbidden,
    VaultNotInitialized,
    VaultSealed,
    VaultStandby,
    VaultUnreachable,
)
from safeops.keys.material import parse_private_key
from safeops.keys.vault_settings import VaultSettings

__all__ = ["VaultSettings", "check_health", "read_key", "store_key"]

T = TypeVar("T")

# /sys/health status codes (GET, default parameters). 473, a performance standby, serves KV
# reads itself and forwards writes, so it is accepted like the active node.
_HEALTHY = {200, 473}
_STANDBY = {
    429: "is a standby node",
    472: "is a disaster-recovery secondary, which serves no reads",
    474: "is a standby that cannot reach the active node",
}


def read_key(settings: VaultSettings, spec: VaultKey) -> bytes:
    """The private key in `spec`'s field of the latest version of its KV v2 secret."""
    with _client(settings) as client:
        try:
            response = _transport(
                settings,
                lambda: client.secrets.kv.v2.read_secret_version(
                    path=spec.path, mount_point=spec.mount, raise_on_deleted_version=True
                ),
            )
        except hvac_errors.InvalidPath as error:
            raise _missing(spec, error.json) from None
        except hvac_errors.VaultError as error:
            raise _refusal(client, settings, error, f"read {spec.describe()}") from None
    data = _secret_data(response)
    del response
    if spec.field not in data:
        fields = ", ".join(sorted(map(str, data))) or "none"
        raise SecretMissing(
            f"secret {spec.mount}/{spec.path} has no field {spec.field!r} (fields: {fields})"
        )
    value = data.pop(spec.field)
    data.clear()
    if not isinstance(value, str):
        raise KeyMalformed(f"{spec.describe()} does not hold text, so it is not a hex private key")
    try:
        return parse_private_key(value, source=spec.describe())
    finally:
        del value


def store_key(
    settings: VaultSettings, spec: VaultKey, key: bytes, *, overwrite: bool = False
) -> None:
    """Write `key` as 0x-hex into `spec`'s field, as a new version of the secret.

    Without `overwrite` the write is check-and-set 0: it fails if the secret exists. With it, the
    new version holds only this field; KV v2 keeps the previous versions.
    """
    with _client(settings) as client:
        try:
            _transport(
                settings,
                lambda: client.secrets.kv.v2.create_or_update_secret(
                    path=spec.path,
                    secret={spec.field: hex0x(key)},
                    cas=None if overwrite else 0,
                    mount_point=spec.mount,
                ),
            )
        except hvac_errors.InvalidRequest as error:
            if not overwrite and "check-and-set" in " ".join(map(str, error.errors or ())):
                raise KeyAlreadyStored(
                    f"a secret already exists at {spec.mount}/{spec.path}; it was left unchanged"
                ) from None
            raise _refusal(client, settings, error, f"write {spec.describe()}") from None
        except hvac_errors.VaultError as error:
            raise _refusal(client, settings, error, f"write {spec.describe()}") from None


def check_health(settings: VaultSettings) -> None:
    """Refuse a Vault that is unreachable, sealed, uninitialised or a standby, before logging in.

    Asked without namespace and token: /sys/health is unauthenticated and lives in the root
    namespace.
    """
    client = hvac.Client(  # token "": see _client
        url=settings.addr, token="", verify=settings.verify, timeout=settings.timeout
    )
    try:
        answer = _transport(settings, lambda: client.sys.read_health_status(method="GET"))
    finally:
        client.adapter.close()
    status, body = (200, answer) if isinstance(answer, dict) else _status_and_json(answer)
    where = f"Vault at {settings.addr}"
    if not isinstance(body, dict) or "sealed" not in body:
        raise VaultUnreachable(
            f"{where} does not answer like Vault (/v1/sys/health: HTTP {status})"
        )
    if status in _HEALTHY:
        return
    if status in _STANDBY:
        raise VaultStandby(f"{where} {_STANDBY[status]}")
    if status == 503:
        raise VaultSealed(f"{where} is sealed")
    if status == 501:
        raise VaultNotInitialized(f"{where} is not initialised")
    raise VaultUnreachable(f"{where} answered HTTP {status} to /v1/sys/health")


@contextmanager
def _client(settings: VaultSettings) -> Iterator[hvac.Client]:
    """A logged-in client on a healthy Vault; its connections are closed afterwards."""
    check_health(settings)
    # token "" rather than None: with None, hvac reads VAULT_TOKEN or ~/.vault-token itself.
    client = hvac.Client(
        url=settings.addr,
        token=settings.token or "",
        namespace=settings.namespace,
        verify=settings.verify,
        timeout=settings.timeout,
    )
    try:
        if settings.token is None:
            _approle_login(client, settings)
        yield client
    finally:
        client.adapter.close()


def _approle_login(client: hvac.Client, settings: VaultSettings) -> None:
    try:
        _transport(
            settings,
            lambda: client.auth.approle.login(
                role_id=settings.role_id,
                secret_id=settings.secret_id,
                mount_point=settings.approle_mount,
            ),
        )
    except hvac_errors.InvalidPath:
        raise VaultAuthFailed(
            f"Vault at {settings.addr} has no AppRole auth at auth/{settings.approle_mount}"
        ) from None
    except hvac_errors.VaultError as error:
        raise VaultAuthFailed(
            f"Vault at {settings.addr} refused the AppRole login ({_status(error)})"
        ) from None


def _transport(settings: VaultSettings, call: Callable[[], T]) -> T:
    """Run one hvac call; network and TLS failures become VaultUnreachable."""
    where = f"Vault at {settings.addr}"
    try:
        return call()
    except requests.exceptions.SSLError:
        raise VaultUnreachable(f"TLS with {where} failed: its certificate is not trusted") from None
    except requests.exceptions.Timeout:
        raise VaultUnreachable(f"{where} did not answer within {settings.timeout:g} s") from None
    except requests.exceptions.ConnectionError:
        raise VaultUnreachable(f"cannot connect to {where}") from None
    except (requests.exceptions.RequestException, ValueError) as error:
        # ValueError: a 200 answer that is not JSON, so not Vault's.
        raise VaultUnreachable(
            f"{where} does not answer like Vault ({type(error).__name__})"
        ) from None


def _refusal(
    client: hvac.Client, settings: VaultSettings, error: hvac_errors.VaultError, action: str
) -> SafeOpsError:
    """The error for an HTTP error answer. hvac's own message holds the response body, so it is
    never passed on: only its status is."""
    where = f"Vault at {settings.addr}"
    if isinstance(error, hvac_errors.Forbidden):
        policies = _token_policies(client, settings)
        if policies is None:
            return VaultAuthFailed(f"{where} refused the token (invalid or expired) to {action}")
        return VaultForbidden(
            f"permission denied to {action}: the token's policies ({', '.join(policies)}) "
            "do not allow it"
        )
    if isinstance(error, hvac_errors.Unauthorized):
        return VaultAuthFailed(f"{where} refused the token to {action}")
    if isinstance(error, hvac_errors.VaultDown):
        return VaultSealed(f"{where} is sealed or unavailable (HTTP 503) to {action}")
    if isinstance(error, hvac_errors.VaultNotInitialized):
        return VaultNotInitialized(f"{where} is not initialised")
    return VaultUnreachable(f"{where} failed to {action} ({_status(error)})")


def _token_policies(client: hvac.Client, settings: VaultSettings) -> list[str] | None:
    """The token's policies, or None when Vault does not accept the token at all.

    A 403 means either; telling them apart tells the operator whom to ask.
    """
    try:
        answer = _transport(settings, lambda: client.auth.token.lookup_self())
    except hvac_errors.Forbidden:
        return None
    except (hvac_errors.VaultError, SafeOpsError):
        return ["unknown"]
    policies = (answer.get("data") or {}).get("policies") or []
    return [str(policy) for policy in policies]


def _status_and_json(response: requests.Response) -> tuple[int, Any]:
    try:
        return response.status_code, response.json()
    except ValueError:
        return response.status_code, None


def _secret_data(response: Any) -> dict[str, Any]:
    if not isinstance(response, dict):
        raise VaultUnreachable("Vault's answer to a KV v2 read is not JSON")
    data = (response.get("data") or {}).get("data")
    if not isinstance(data, dict):
        raise VaultUnreachable("Vault's answer holds no KV v2 data: is the mount KV version 2?")
    return data


def _missing(spec: VaultKey, answer: Any) -> SecretMissing:
    """No secret, or a latest version that was deleted or destroyed (404 with metadata)."""
    where = f"{spec.mount}/{spec.path}"
    metadata = ((answer or {}).get("data") or {}).get("metadata") or {}
    version = metadata.get("version", "?")
    if metadata.get("destroyed"):
        return SecretMissing(f"the latest version ({version}) of secret {where} was destroyed")
    if metadata.get("deletion_time"):
        return SecretMissing(f"the latest version ({version}) of secret {where} was deleted")
    return SecretMissing(f"no secret at {where} (mount {spec.mount!r} must be KV version 2)")


def _status(error: hvac_errors.VaultError) -> str:
    names = {
        hvac_errors.InvalidRequest: "HTTP 400",
        hvac_errors.Unauthorized: "HTTP 401",
        hvac_errors.Forbidden: "HTTP 403",
        hvac_errors.InvalidPath: "HTTP 404",
        hvac_errors.RateLimitExceeded: "HTTP 429",
        hvac_errors.InternalServerError: "HTTP 500",
        hvac_errors.BadGateway: "HTTP 502",
        hvac_errors.VaultDown: "HTTP 503",
    }
    return names.get(type(error), type(error).__name__)
