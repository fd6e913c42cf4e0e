"""Simulating the exact execTransaction on the devnet, and diagnosing what fails inside."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from safeops.chain.jsonrpc import JsonRpcNode
from safeops.chain.simulate import simulate_safe_tx
from safeops.core.decoding.decode import encode_multisend
from safeops.core.decoding.selectors import encode_call
from safeops.core.transactions.safe_tx import Operation, SafeTx, SafeVersion, safe_tx_hashes
from safeops.devnet import contracts as c

if TYPE_CHECKING:
    from web3 import Web3

    from safeops.devnet.deploy import Deployment

pytestmark = pytest.mark.integration
V141 = SafeVersion.parse("1.4.1")


def _run(w3: Web3, devnet: Deployment, tx: SafeTx, owner: str = "oncall") -> object:
    tx_hash = safe_tx_hashes(tx, 31337, V141).safe_tx_hash
    node = JsonRpcNode(w3.provider.endpoint_uri)  # type: ignore[attr-defined]
    return simulate_safe_tx(
        node, tx, tx_hash, devnet.signers[owner], w3.eth.block_number, keep_guard=False
    )


def test_guardian_pause_succeeds_and_changes_nothing(w3: Web3, devnet: Deployment) -> None:
    guardian = devnet.safes["guardian"]
    tx = SafeTx(safe=guardian, to=devnet.contracts["router"], data=encode_call("pause()"))
    block_before = w3.eth.block_number
    result = _run(w3, devnet, tx)
    assert result.success, result.revert_reason
    assert result.revert_reason is None
    assert result.failures == ()
    assert 30_000 < result.gas_used < 200_000
    assert result.block == block_before
    assert w3.eth.block_number == block_before  # nothing was mined


def test_inner_revert_is_diagnosed(w3: Web3, devnet: Deployment) -> None:
    guardian = devnet.safes["guardian"]
    tx = SafeTx(safe=guardian, to=devnet.contracts["router"], data=encode_call("unpause()"))
    result = _run(w3, devnet, tx)
    assert not result.success
    assert result.revert_reason.startswith("GS013")
    (failure,) = result.failures
    assert failure.index is None
    assert failure.reason.startswith("AccessControlUnauthorizedAccount(")


def test_failing_batch_item_is_named(w3: Web3, devnet: Deployment) -> None:
    guardian = devnet.safes["guardian"]
    batch = encode_multisend(
        [
            (0, devnet.contracts["router"], 0, encode_call("pause()")),
            (0, devnet.contracts["lending"], 0, encode_call("unpause()")),
            (0, devnet.contracts["vault"], 0, encode_call("pause()")),
        ]
    )
    tx = SafeTx(
        safe=guardian, to=c.MULTISEND_CALL_ONLY_141, data=batch, operation=Operation.DELEGATECALL
    )
    result = _run(w3, devnet, tx)
    assert not result.success
    assert [(f.index, f.to) for f in result.failures] == [(1, devnet.contracts["lending"])]


def test_execution_failure_event_is_a_failure(w3: Web3, devnet: Deployment) -> None:
    """With safeTxGas set the outer call succeeds: only the event tells the truth."""
    guardian = devnet.safes["guardian"]
    tx = SafeTx(
        safe=guardian,
        to=devnet.contracts["router"],
        data=encode_call("unpause()"),
        safe_tx_gas=100_000,
    )
    result = _run(w3, devnet, tx)
    assert not result.success
    assert "ExecutionFailure" in result.revert_reason
