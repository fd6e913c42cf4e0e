"""Shared fixtures: a real anvil per session, reverted to a snapshot around each test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from safeops.chain.anvil import AnvilProcess, start_anvil
from safeops.errors import ToolMissing

if TYPE_CHECKING:
    from web3 import Web3

    from safeops.devnet.deploy import Deployment

pytest_plugins = ["tests.secret_hygiene"]


@pytest.fixture(autouse=True)
def audit_log_outside_the_checkout(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Path:
    """Audited commands run by a test write to a log of that test's own, never to the
    checkout's .safeops/ (subprocesses inherit it): the devnet is reverted between tests, so a
    send one test recorded must not look like another test's send of the same safeTxHash."""
    path = tmp_path_factory.mktemp("audit") / "audit.jsonl"
    monkeypatch.setenv("SAFEOPS_AUDIT_LOG", str(path))
    return path


@pytest.fixture(scope="session")
def anvil() -> Iterator[AnvilProcess]:
    """One anvil on 127.0.0.1 and a free port for the whole session; stopped at the end."""
    try:
        node = start_anvil(chain_id=31337)
    except ToolMissing as error:
        pytest.fail(f"{error} ({error.hint})")
    with node:
        yield node


@pytest.fixture(scope="session")
def session_w3(anvil: AnvilProcess) -> Web3:
    from web3 import Web3

    return Web3(Web3.HTTPProvider(anvil.rpc_url, request_kwargs={"timeout": 30}))


@pytest.fixture
def w3(session_w3: Web3) -> Iterator[Web3]:
    """The session's chain, rolled back after the test so tests cannot see each other."""
    snapshot = session_w3.provider.make_request("evm_snapshot", [])["result"]
    yield session_w3
    reverted = session_w3.provider.make_request("evm_revert", [snapshot])["result"]
    assert reverted, "evm_revert failed: tests would leak state into each other"


@pytest.fixture(scope="session")
def devnet(anvil: AnvilProcess) -> Deployment:
    """The devnet's Safes and demo protocol, deployed once into the session's anvil.

    Session-scoped fixtures are set up before any `w3` snapshot is taken, so tests that
    change state on top of it are rolled back like any other.
    """
    from safeops.devnet.deploy import deploy_devnet

    return deploy_devnet(anvil.rpc_url)
