"""Reading a Safe's live state from several RPCs at one block, and catching lying RPCs."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from safeops.chain.anvil import AnvilProcess, free_port, start_anvil
from safeops.chain.safe_reader import read_safe_everywhere
from safeops.devnet import contracts as c
from safeops.errors import ChainMismatch, ExitCode, RpcDisagreement, RpcUnavailable
from tests.chain_helpers import as_safe

if TYPE_CHECKING:
    from web3 import Web3

    from safeops.devnet.deploy import Deployment

pytestmark = pytest.mark.integration


def test_reads_the_devnet_guardian(anvil: AnvilProcess, devnet: Deployment, w3: Web3) -> None:
    state = read_safe_everywhere([anvil.rpc_url, anvil.rpc_url], 31337, devnet.safes["guardian"])
    assert state is not None
    assert state.version == "1.4.1"
    assert state.threshold == 1
    assert state.owners == tuple(devnet.signers[n] for n in ("oncall", "alice", "bob"))
    assert state.singleton == c.SAFE_L2_141
    assert state.fallback_handler == c.FALLBACK_HANDLER_141
    assert state.modules == ()
    assert int(state.guard, 16) == 0
    assert state.block == w3.eth.block_number


def test_no_contract_at_the_address(anvil: AnvilProcess, devnet: Deployment, w3: Web3) -> None:
    assert read_safe_everywhere([anvil.rpc_url], 31337, devnet.signers["alice"]) is None


def test_wrong_chain_is_refused(anvil: AnvilProcess, devnet: Deployment, w3: Web3) -> None:
    with pytest.raises(ChainMismatch, match="serves chain 31337, the policy says 1"):
        read_safe_everywhere([anvil.rpc_url], 1, devnet.safes["guardian"])


def test_unreachable_rpc_is_exit_3_and_hides_the_path(devnet: Deployment) -> None:
    url = f"http://127.0.0.1:{free_port()}/v2/SECRETKEY"
    with pytest.raises(RpcUnavailable) as caught:
        read_safe_everywhere([url], 31337, devnet.safes["guardian"])
    assert caught.value.exit_code == ExitCode.ENVIRONMENT
    assert "SECRETKEY" not in str(caught.value)


def test_rpcs_that_disagree_stop_the_read(
    anvil: AnvilProcess, devnet: Deployment, w3: Web3
) -> None:
    """A fork that changed the threshold plays a lying RPC at the same block height."""
    with start_anvil(extra_args=["--fork-url", anvil.rpc_url]) as fork:
        from web3 import Web3

        fork_w3 = Web3(Web3.HTTPProvider(fork.rpc_url))
        as_safe(fork_w3, devnet.safes["admin"], "changeThreshold(uint256)", 1)
        w3.provider.make_request("evm_mine", [])  # type: ignore[arg-type]
        assert fork_w3.eth.block_number == w3.eth.block_number
        with pytest.raises(RpcDisagreement, match="threshold"):
            read_safe_everywhere([anvil.rpc_url, fork.rpc_url], 31337, devnet.safes["admin"])
