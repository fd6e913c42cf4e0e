"""Run Safe's own SDK (protocol-kit, api-kit) from the tests, and make Safes of several versions."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import TYPE_CHECKING, Any

from safeops.devnet import contracts as c

if TYPE_CHECKING:
    from safeops.devnet.deploy import Deployment

SCRIPT = Path(__file__).parent / "interop" / "safe_sdk.mjs"
# protocol-kit finds contracts by chain id and has none for anvil's: the devnet's canonical
# 1.4.1 deployments, and addresses of deployments the SDK needs named but these tests never use.
DEVNET_CONTRACTS = {
    "safeProxyFactoryAddress": c.PROXY_FACTORY_141,
    "multiSendAddress": c.MULTISEND_CALL_ONLY_141,
    "multiSendCallOnlyAddress": c.MULTISEND_CALL_ONLY_141,
    "fallbackHandlerAddress": c.FALLBACK_HANDLER_141,
    "simulateTxAccessorAddress": c.SIMULATE_TX_ACCESSOR_141,
    "signMessageLibAddress": "0xd53cd0aB83D845Ac265BE939c57F53AD838012c9",
    "createCallAddress": "0x9b35Af71d77eaf8d7e40252370304687390A1A52",
    "safeWebAuthnSignerFactoryAddress": "0x1d31F259eE307358a26dFb23EB365939E8641195",
    "safeWebAuthnSharedSignerAddress": "0x94a4F6affBd8975951142c3999aEAB7ecee555c2",
}
SINGLETON_CLASSES = {
    "1.1.1": "SafeV111",
    "1.3.0": "SafeV130",
    "1.4.1": "SafeV141",
    "1.5.0": "SafeV150",
}


def run_sdk(request: dict[str, Any]) -> dict[str, Any]:
    """One request to tests/interop/safe_sdk.mjs; its JSON answer, or the SDK's error."""
    node = shutil.which("node")
    assert node is not None, "node is not installed (./scripts/test installs it)"
    completed = subprocess.run(
        [node, str(SCRIPT)],
        input=json.dumps(request),
        capture_output=True,
        text=True,
        timeout=120,
        cwd=SCRIPT.parent,
    )
    answer: dict[str, Any] = json.loads(completed.stdout or "{}")
    assert completed.returncode == 0, answer.get("error") or completed.stderr
    return answer


def sdk_account(safe: str, key: str, singleton: str = c.SAFE_L2_141) -> dict[str, str]:
    return {"safe": safe, "key": key, "singleton": singleton}


def sdk_request(command: str, rpc_url: str, **fields: Any) -> dict[str, Any]:
    return {
        "command": command,
        "rpcUrl": rpc_url,
        "chainId": 31337,
        "contracts": DEVNET_CONTRACTS,
        **fields,
    }


def sdk_transaction(tx: Any) -> dict[str, Any]:
    """A safeops SafeTx in the SDK's names (numbers as decimal strings)."""
    return {
        "to": tx.to,
        "value": str(tx.value),
        "data": "0x" + tx.data.hex(),
        "operation": int(tx.operation),
        "safeTxGas": str(tx.safe_tx_gas),
        "baseGas": str(tx.base_gas),
        "gasPrice": str(tx.gas_price),
        "gasToken": tx.gas_token,
        "refundReceiver": tx.refund_receiver,
        "nonce": str(tx.nonce),
    }


def safes_of_each_version(rpc_url: str, devnet: Deployment, owners: list[str]) -> dict[str, Any]:
    """version -> (singleton, a 1-of-n Safe on it owned by `owners`), on the devnet's anvil."""
    from eth_account import Account
    from safe_eth.eth import EthereumClient
    from safe_eth.eth.exceptions import ContractAlreadyDeployed
    from safe_eth.safe import safe as safe_module

    from safeops.devnet.deploy import DEV_KEYS, create_safe

    client = EthereumClient(rpc_url)  # type: ignore[arg-type]
    deployer = Account.from_key(DEV_KEYS["deployer"])
    made: dict[str, Any] = {}
    for salt, (version, name) in enumerate(SINGLETON_CLASSES.items(), start=500):
        try:
            singleton = (
                getattr(safe_module, name).deploy_contract(client, deployer).contract_address
            )
        except ContractAlreadyDeployed as already:
            singleton = already.address
        made[version] = (singleton, create_safe(client, owners, 1, salt, singleton=singleton))
    return made
