"""VaultSettings from the standard variables, and what each /sys/health answer means."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from safeops.errors import ExitCode, SafeOpsError
from safeops.keys import vault
from safeops.keys.errors import (
    VaultNotConfigured,
    VaultNotInitialized,
    VaultSealed,
    VaultStandby,
    VaultUnreachable,
)

ADDR = "https://vault.example.com:8200"


def test_token_settings() -> None:
    settings = vault.VaultSettings.from_env(
        {"VAULT_ADDR": ADDR + "/", "VAULT_TOKEN": "hvs.secret", "VAULT_NAMESPACE": "ops"}
    )
    assert (settings.addr, settings.token, settings.namespace) == (ADDR, "hvs.secret", "ops")
    assert settings.verify is True


def test_approle_settings_and_token_wins() -> None:
    approle = {"VAULT_ADDR": ADDR, "VAULT_ROLE_ID": "role", "VAULT_SECRET_ID": "sid"}
    settings = vault.VaultSettings.from_env(approle)
    assert (settings.token, settings.role_id, settings.secret_id) == (None, "role", "sid")
    assert settings.approle_mount == "approle"
    with_token = vault.VaultSettings.from_env({**approle, "VAULT_TOKEN": "t"})
    assert (with_token.token, with_token.role_id) == ("t", None)


def test_repr_hides_credentials() -> None:
    settings = vault.VaultSettings.from_env(
        {"VAULT_ADDR": ADDR, "VAULT_ROLE_ID": "role-123", "VAULT_SECRET_ID": "secret-456"}
    )
    assert "role-123" not in repr(settings)
    assert "secret-456" not in repr(settings)
    token = vault.VaultSettings.from_env({"VAULT_ADDR": ADDR, "VAULT_TOKEN": "hvs.789"})
    assert "hvs.789" not in repr(token)


@pytest.mark.parametrize(
    "addr", ["http://127.0.0.1:8200", "http://localhost:8200", "http://[::1]:8200"]
)
def test_plain_http_only_to_this_machine(addr: str) -> None:
    assert vault.VaultSettings.from_env({"VAULT_ADDR": addr, "VAULT_TOKEN": "t"}).addr == addr


def test_cacert_must_exist(tmp_path: Path) -> None:
    ca = tmp_path / "ca.pem"
    ca.write_text("x")
    env = {"VAULT_ADDR": ADDR, "VAULT_TOKEN": "t", "VAULT_CACERT": str(ca)}
    assert vault.VaultSettings.from_env(env).verify == str(ca)
    with pytest.raises(VaultNotConfigured, match="is not a file"):
        vault.VaultSettings.from_env({**env, "VAULT_CACERT": str(tmp_path / "nope.pem")})


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({}, "VAULT_ADDR is not set: safeops does not know which Vault to use"),
        (
            {"VAULT_ADDR": "", "VAULT_TOKEN": "t"},
            "VAULT_ADDR is not set: safeops does not know which Vault to use",
        ),
        (
            {"VAULT_ADDR": "vault:8200", "VAULT_TOKEN": "t"},
            "VAULT_ADDR must start with https:// or http://, not 'vault:8200'",
        ),
        (
            {"VAULT_ADDR": "http://vault.example.com:8200", "VAULT_TOKEN": "t"},
            "VAULT_ADDR http://vault.example.com:8200 is plain http to another machine: the token "
            "and the keys would cross the network in clear",
        ),
        (
            {"VAULT_ADDR": ADDR},
            "no Vault credentials: set VAULT_TOKEN, or VAULT_ROLE_ID and VAULT_SECRET_ID",
        ),
        (
            {"VAULT_ADDR": ADDR, "VAULT_ROLE_ID": "r"},
            "AppRole login needs both VAULT_ROLE_ID and VAULT_SECRET_ID; "
            "VAULT_SECRET_ID is not set",
        ),
    ],
)
def test_configuration_errors(environ: dict[str, str], message: str) -> None:
    with pytest.raises(VaultNotConfigured) as caught:
        vault.VaultSettings.from_env(environ)
    assert caught.value.message == message
    assert caught.value.exit_code == ExitCode.ENVIRONMENT


class _Health(BaseHTTPRequestHandler):
    status = 200
    body = b"{}"
    tokens_seen: list[str | None]

    def do_GET(self) -> None:
        self.tokens_seen.append(self.headers.get("X-Vault-Token"))
        self.send_response(self.status)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def health_server() -> Iterator[tuple[str, type[_Health]]]:
    """A stand-in that answers /v1/sys/health with whatever status the test sets."""
    handler = type("Handler", (_Health,), {"tokens_seen": []})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.01,), daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", handler
    server.shutdown()
    server.server_close()


def _health_body(**flags: bool) -> bytes:
    return json.dumps({"initialized": True, "sealed": False, "standby": False, **flags}).encode()


@pytest.mark.parametrize(
    ("status", "body", "error", "message"),
    [
        (200, _health_body(), None, None),
        (473, _health_body(performance_standby=True), None, None),
        (429, _health_body(standby=True), VaultStandby, "is a standby node"),
        (
            472,
            _health_body(),
            VaultStandby,
            "is a disaster-recovery secondary, which serves no reads",
        ),
        (
            474,
            _health_body(standby=True),
            VaultStandby,
            "is a standby that cannot reach the active node",
        ),
        (501, _health_body(initialized=False), VaultNotInitialized, "is not initialised"),
        (503, _health_body(sealed=True), VaultSealed, "is sealed"),
        (500, _health_body(), VaultUnreachable, "answered HTTP 500 to /v1/sys/health"),
        (
            200,
            b"<html>login</html>",
            VaultUnreachable,
            "does not answer like Vault (/v1/sys/health: HTTP 200)",
        ),
        (
            404,
            b"not found",
            VaultUnreachable,
            "does not answer like Vault (/v1/sys/health: HTTP 404)",
        ),
    ],
)
def test_health_answers(
    health_server: tuple[str, type[_Health]],
    status: int,
    body: bytes,
    error: type[SafeOpsError] | None,
    message: str | None,
) -> None:
    addr, handler = health_server
    handler.status, handler.body = status, body
    settings = vault.VaultSettings(addr=addr, token="t", timeout=2)
    if error is None:
        vault.check_health(settings)
        return
    with pytest.raises(error) as caught:
        vault.check_health(settings)
    assert caught.value.message == f"Vault at {addr} {message}"
    assert caught.value.exit_code == ExitCode.ENVIRONMENT


def test_health_sends_no_token_even_with_one_in_the_environment(
    health_server: tuple[str, type[_Health]], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """hvac reads VAULT_TOKEN and ~/.vault-token when given no token; safeops never lets it."""
    addr, handler = health_server
    handler.status, handler.body = 200, _health_body()
    monkeypatch.setenv("VAULT_TOKEN", "from-the-environment")
    monkeypatch.setenv("HOME", str(tmp_path))
    (tmp_path / ".vault-token").write_text("from-the-token-file")
    handler.tokens_seen.clear()
    vault.check_health(vault.VaultSettings(addr=addr, role_id="r", secret_id="s"))
    assert handler.tokens_seen == [None]
