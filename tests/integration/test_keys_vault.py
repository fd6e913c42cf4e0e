"""Signer keys in a real OpenBao (Vault API): token and AppRole reads, and every failure."""

from __future__ import annotations

from pathlib import Path

import hvac
import pytest
from eth_account import Account

from safeops.core.keyspec import VaultKey
from safeops.errors import ExitCode, SafeOpsError
from safeops.keys import vault
from safeops.keys.errors import (
    KeyAddressMismatch,
    KeyAlreadyStored,
    KeyMalformed,
    SecretMissing,
    VaultAuthFailed,
    VaultForbidden,
    VaultNotConfigured,
    VaultSealed,
    VaultUnreachable,
)
from safeops.keys.import_key import import_key
from safeops.keys.resolve import check_signer, open_signer
from tests.helpers_secrets import OTHER_ADDRESS, OTHER_KEY, SENTINEL_ADDRESS, SENTINEL_KEY
from tests.integration.openbao import ROOT_TOKEN, AppRole, OpenBao, root_client, start_openbao

DIGEST = bytes(range(32))


def put(server: OpenBao, path: str, **data: str) -> None:
    root_client(server).secrets.kv.v2.create_or_update_secret(path=path, secret=data)


def fails_with(error_type: type[SafeOpsError], code: ExitCode, call: object) -> SafeOpsError:
    assert callable(call)
    with pytest.raises(error_type) as caught:
        call()
    assert caught.value.exit_code == code
    assert caught.value.hint
    return caught.value


def test_vault_token_read_signs_with_the_stored_key(openbao: OpenBao, vault_path: str) -> None:
    put(openbao, vault_path, private_key=SENTINEL_KEY)
    signer = open_signer(
        "alice", VaultKey("secret", vault_path), SENTINEL_ADDRESS, environ=openbao.env()
    )

    assert signer.source == f"vault:secret/{vault_path}#private_key"
    assert signer.verify() == SENTINEL_ADDRESS
    signature = signer.sign_digest(DIGEST)
    assert signature == bytes(Account.unsafe_sign_hash(DIGEST, SENTINEL_KEY).signature)
    assert Account._recover_hash(DIGEST, signature=signature) == SENTINEL_ADDRESS


def test_vault_approle_reads_inside_its_policy(
    openbao: OpenBao, approle: AppRole, vault_path: str
) -> None:
    put(openbao, vault_path, key=SENTINEL_KEY.removeprefix("0x"), note="no 0x prefix")
    environ = {
        "VAULT_ADDR": openbao.addr,
        "VAULT_ROLE_ID": approle.role_id,
        "VAULT_SECRET_ID": approle.secret_id,
    }

    check = check_signer(
        "alice", VaultKey("secret", vault_path, "key"), SENTINEL_ADDRESS, environ=environ
    )

    assert check.ok, check.error
    assert (check.name, check.address, check.error) == ("alice", SENTINEL_ADDRESS, None)


def test_vault_approle_outside_its_policy_is_forbidden(openbao: OpenBao, approle: AppRole) -> None:
    put(openbao, "elsewhere/alice", private_key=SENTINEL_KEY)
    environ = {
        "VAULT_ADDR": openbao.addr,
        "VAULT_ROLE_ID": approle.role_id,
        "VAULT_SECRET_ID": approle.secret_id,
    }
    error = fails_with(
        VaultForbidden,
        ExitCode.ENVIRONMENT,
        lambda: vault.read_key(
            vault.VaultSettings.from_env(environ), VaultKey("secret", "elsewhere/alice")
        ),
    )
    assert "permission denied to read vault:secret/elsewhere/alice#private_key" in error.message
    assert "safeops-read" in error.message


def test_vault_wrong_secret_id_fails_login(openbao: OpenBao, approle: AppRole) -> None:
    environ = {
        "VAULT_ADDR": openbao.addr,
        "VAULT_ROLE_ID": approle.role_id,
        "VAULT_SECRET_ID": "00000000-0000-0000-0000-000000000000",
    }
    error = fails_with(
        VaultAuthFailed,
        ExitCode.ENVIRONMENT,
        lambda: vault.read_key(vault.VaultSettings.from_env(environ), VaultKey("secret", "x")),
    )
    assert error.message == f"Vault at {openbao.addr} refused the AppRole login (HTTP 400)"


def test_vault_invalid_token_is_an_auth_failure(openbao: OpenBao, vault_path: str) -> None:
    put(openbao, vault_path, private_key=SENTINEL_KEY)
    settings = vault.VaultSettings.from_env(openbao.env(VAULT_TOKEN="not-a-token"))

    error = fails_with(
        VaultAuthFailed,
        ExitCode.ENVIRONMENT,
        lambda: vault.read_key(settings, VaultKey("secret", vault_path)),
    )
    assert "refused the token (invalid or expired)" in error.message
    assert "not-a-token" not in error.message


def test_vault_missing_secret(openbao: OpenBao, vault_path: str) -> None:
    error = fails_with(
        SecretMissing,
        ExitCode.BAD_INPUT,
        lambda: vault.read_key(
            vault.VaultSettings.from_env(openbao.env()), VaultKey("secret", vault_path)
        ),
    )
    assert (
        error.message == f"no secret at secret/{vault_path} (mount 'secret' must be KV version 2)"
    )


def test_vault_missing_field_names_the_fields_there(openbao: OpenBao, vault_path: str) -> None:
    put(openbao, vault_path, key=SENTINEL_KEY, owner="alice")
    error = fails_with(
        SecretMissing,
        ExitCode.BAD_INPUT,
        lambda: vault.read_key(
            vault.VaultSettings.from_env(openbao.env()), VaultKey("secret", vault_path)
        ),
    )
    assert error.message == (
        f"secret secret/{vault_path} has no field 'private_key' (fields: key, owner)"
    )


def test_vault_deleted_latest_version(openbao: OpenBao, vault_path: str) -> None:
    put(openbao, vault_path, private_key=SENTINEL_KEY)
    root_client(openbao).secrets.kv.v2.delete_latest_version_of_secret(path=vault_path)
    error = fails_with(
        SecretMissing,
        ExitCode.BAD_INPUT,
        lambda: vault.read_key(
            vault.VaultSettings.from_env(openbao.env()), VaultKey("secret", vault_path)
        ),
    )
    assert error.message == f"the latest version (1) of secret secret/{vault_path} was deleted"


def test_vault_destroyed_latest_version(openbao: OpenBao, vault_path: str) -> None:
    put(openbao, vault_path, private_key=OTHER_KEY)
    put(openbao, vault_path, private_key=SENTINEL_KEY)
    root_client(openbao).secrets.kv.v2.destroy_secret_versions(path=vault_path, versions=[2])
    error = fails_with(
        SecretMissing,
        ExitCode.BAD_INPUT,
        lambda: vault.read_key(
            vault.VaultSettings.from_env(openbao.env()), VaultKey("secret", vault_path)
        ),
    )
    assert error.message == f"the latest version (2) of secret secret/{vault_path} was destroyed"


def test_vault_value_that_is_no_key(openbao: OpenBao, vault_path: str) -> None:
    put(openbao, vault_path, private_key="correct horse battery staple")
    error = fails_with(
        KeyMalformed,
        ExitCode.BAD_INPUT,
        lambda: vault.read_key(
            vault.VaultSettings.from_env(openbao.env()), VaultKey("secret", vault_path)
        ),
    )
    assert "horse" not in error.message
    assert error.message == (
        f"vault:secret/{vault_path}#private_key does not hold a hex private key "
        "(non-hex characters)"
    )


def test_vault_key_of_another_address_is_refused(openbao: OpenBao, vault_path: str) -> None:
    put(openbao, vault_path, private_key=OTHER_KEY)
    signer = open_signer(
        "alice", VaultKey("secret", vault_path), SENTINEL_ADDRESS, environ=openbao.env()
    )
    error = fails_with(KeyAddressMismatch, ExitCode.REFUSED, lambda: signer.sign_digest(DIGEST))
    assert error.message == (
        f"key for signer alice derives to {OTHER_ADDRESS}, policy says {SENTINEL_ADDRESS}"
    )


def test_vault_sealed_server(sealed_openbao: OpenBao) -> None:
    error = fails_with(
        VaultSealed,
        ExitCode.ENVIRONMENT,
        lambda: vault.read_key(
            vault.VaultSettings.from_env(sealed_openbao.env()), VaultKey("secret", "a")
        ),
    )
    assert error.message == f"Vault at {sealed_openbao.addr} is sealed"


def test_vault_stopped_server_is_unreachable(
    bao_binary: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    server = start_openbao(bao_binary, tmp_path_factory.mktemp("openbao-stopped"))
    server.stop()
    check = check_signer("alice", VaultKey("secret", "a"), SENTINEL_ADDRESS, environ=server.env())
    assert not check.ok
    assert check.exit_code == ExitCode.ENVIRONMENT
    assert check.error == f"cannot connect to Vault at {server.addr}"


def test_vault_addr_unset_is_an_environment_error() -> None:
    error = fails_with(
        VaultNotConfigured,
        ExitCode.ENVIRONMENT,
        lambda: open_signer(
            "alice", VaultKey("secret", "a"), SENTINEL_ADDRESS, environ={"VAULT_TOKEN": "t"}
        ),
    )
    assert error.message == "VAULT_ADDR is not set: safeops does not know which Vault to use"
    assert "VAULT_ADDR" in error.hint


def test_vault_import_stores_then_reads_back(openbao: OpenBao, vault_path: str) -> None:
    target = VaultKey("secret", vault_path)

    address = import_key(
        "alice", target, SENTINEL_KEY + "\n", SENTINEL_ADDRESS, environ=openbao.env()
    )

    assert address == SENTINEL_ADDRESS
    stored = root_client(openbao).secrets.kv.v2.read_secret_version(
        path=vault_path, raise_on_deleted_version=True
    )
    assert stored["data"]["data"] == {"private_key": SENTINEL_KEY}


def test_vault_import_keeps_an_existing_secret_unless_overwrite(
    openbao: OpenBao, vault_path: str
) -> None:
    put(openbao, vault_path, private_key=OTHER_KEY)
    target = VaultKey("secret", vault_path)
    fails_with(
        KeyAlreadyStored,
        ExitCode.REFUSED,
        lambda: import_key("alice", target, SENTINEL_KEY, SENTINEL_ADDRESS, environ=openbao.env()),
    )

    import_key(
        "alice", target, SENTINEL_KEY, SENTINEL_ADDRESS, environ=openbao.env(), overwrite=True
    )

    metadata = root_client(openbao).secrets.kv.v2.read_secret_metadata(path=vault_path)
    assert metadata["data"]["current_version"] == 2


def test_vault_import_of_a_key_for_another_address_stores_nothing(
    openbao: OpenBao, vault_path: str
) -> None:
    fails_with(
        KeyAddressMismatch,
        ExitCode.REFUSED,
        lambda: import_key(
            "alice",
            VaultKey("secret", vault_path),
            OTHER_KEY,
            SENTINEL_ADDRESS,
            environ=openbao.env(),
        ),
    )
    fails_with(
        SecretMissing,
        ExitCode.BAD_INPUT,
        lambda: vault.read_key(
            vault.VaultSettings.from_env(openbao.env()), VaultKey("secret", vault_path)
        ),
    )


def test_vault_plain_http_port_that_is_not_vault(openbao: OpenBao) -> None:
    # A server that answers, but not like Vault: OpenBao's web UI under /ui.
    settings = vault.VaultSettings.from_env(openbao.env(VAULT_ADDR=openbao.addr + "/ui"))
    error = fails_with(
        VaultUnreachable, ExitCode.ENVIRONMENT, lambda: vault.read_key(settings, VaultKey("s", "a"))
    )
    assert error.message.startswith(f"Vault at {openbao.addr}/ui does not answer like Vault")


def test_vault_namespace(openbao: OpenBao, vault_path: str) -> None:
    root_client(openbao).sys.create_namespace("ops")
    in_namespace = hvac.Client(url=openbao.addr, token=ROOT_TOKEN, namespace="ops")
    in_namespace.sys.enable_secrets_engine("kv", path="secret", options={"version": "2"})
    in_namespace.secrets.kv.v2.create_or_update_secret(
        path=vault_path, secret={"private_key": SENTINEL_KEY}
    )
    spec = VaultKey("secret", vault_path)

    with_namespace = openbao.env(VAULT_NAMESPACE="ops")
    assert check_signer("alice", spec, SENTINEL_ADDRESS, environ=with_namespace).ok
    without = check_signer("alice", spec, SENTINEL_ADDRESS, environ=openbao.env())
    assert (
        without.error == f"no secret at secret/{vault_path} (mount 'secret' must be KV version 2)"
    )
