"""What the chain says about a sent transaction and a safeTxHash, asked of every RPC on anvil:
found through the Safe's logs or a recorded hash, and never on the word of one lying RPC."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from safeops.chain.anvil import AnvilProcess
from safeops.chain.executions import find_executions, lookup_transaction
from safeops.chain.pools import RpcPools
from safeops.chain.rpc import RpcPool
from safeops.core.transactions.safe_tx import SafeTxHash
from safeops.errors import RpcDisagreement
from tests.integration import test_faults as faults
from tests.rpc_proxy import RpcProxy, rpc_proxy

if TYPE_CHECKING:
    from web3 import Web3

    from safeops.devnet.deploy import Deployment

pytestmark = pytest.mark.integration
workdir = faults.workdir
policy = faults.policy


@pytest.fixture
def proxy(anvil: AnvilProcess) -> Iterator[RpcProxy]:
    with rpc_proxy(anvil.rpc_url) as running:
        yield running


@pytest.fixture
def paused(capsys: pytest.CaptureFixture[str], policy: Path) -> tuple[SafeTxHash, str]:
    """The router paused by the guardian: (its safeTxHash, the transaction that executed it)."""
    done = faults.run(capsys, policy, "emergency", "pause", "router", "--signer", "oncall")
    assert done.code == 0, done.stderr
    return SafeTxHash.parse(done.json["safe_tx_hash"]), done.json["tx_hash"]


def _pool(urls: list[str]) -> RpcPool:
    return RpcPools().open(urls, 31337)


def test_an_execution_is_found_in_the_logs_and_by_its_recorded_hash(
    paused: tuple[SafeTxHash, str], anvil: AnvilProcess, devnet: Deployment, w3: Web3
) -> None:
    safe_tx_hash, tx_hash = paused
    pool = _pool([anvil.rpc_url])
    head = w3.eth.block_number
    guardian = devnet.safes["guardian"]
    by_logs = find_executions(pool, guardian, [safe_tx_hash], head)
    assert by_logs[safe_tx_hash].tx_hash == tx_hash
    by_hash = find_executions(pool, guardian, [safe_tx_hash], head, [tx_hash], lookback_blocks=1)
    assert by_hash[safe_tx_hash].tx_hash == tx_hash
    other = SafeTxHash(bytes(32))
    assert find_executions(pool, guardian, [other], head) == {}
    mined = lookup_transaction(pool, tx_hash)
    assert not isinstance(mined, str)
    assert mined is not None
    assert (mined.status, mined.block) == (1, by_logs[safe_tx_hash].block)
    assert lookup_transaction(pool, "0x" + "00" * 32) is None


@pytest.mark.parametrize("lie", ["another block hash", "no receipt"])
def test_one_rpc_cannot_make_a_transaction_mined_or_not(
    paused: tuple[SafeTxHash, str],
    anvil: AnvilProcess,
    devnet: Deployment,
    proxy: RpcProxy,
    w3: Web3,
    lie: str,
) -> None:
    safe_tx_hash, tx_hash = paused

    def lying(method: str, params: list[Any], result: Any) -> Any:
        if method != "eth_getTransactionReceipt":
            return result
        return None if lie == "no receipt" else {**result, "blockHash": "0x" + "ab" * 32}

    proxy.behaviour.falsify = lying
    pool = _pool([anvil.rpc_url, proxy.url])
    with pytest.raises(RpcDisagreement, match=tx_hash):
        lookup_transaction(pool, tx_hash)
    with pytest.raises(RpcDisagreement, match=tx_hash):
        find_executions(pool, devnet.safes["guardian"], [safe_tx_hash], w3.eth.block_number)
