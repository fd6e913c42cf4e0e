"""Our offline hashes equal the Safe contracts' own, for every bundled Safe version."""

from __future__ import annotations

import random
from typing import TYPE_CHECKING

import pytest

from safeops.core.transactions.safe_tx import SafeTx, SafeVersion, safe_tx_hashes

if TYPE_CHECKING:
    from web3 import Web3
    from web3.contract import Contract

pytestmark = pytest.mark.integration

DEPLOYER_KEY = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80"
TRANSACTIONS_PER_VERSION = 80  # 6 versions: 480 random transactions in all
# (safe-eth-py class, its contract getter), oldest first; 0.0.1's bundle reports 0.1.0-era rules.
VERSIONS = ["0.0.1", "1.0.0", "1.1.1", "1.3.0", "1.4.1", "1.5.0"]


def _deploy_singleton(w3: Web3, version: str) -> Contract:
    """Deploy the bundled singleton and make sure its domain separator is initialised."""
    from eth_account import Account
    from safe_eth.eth import EthereumClient
    from safe_eth.eth.exceptions import ContractAlreadyDeployed
    from safe_eth.safe import safe as safe_module

    classes = {
        "0.0.1": "SafeV001",
        "1.0.0": "SafeV100",
        "1.1.1": "SafeV111",
        "1.3.0": "SafeV130",
        "1.4.1": "SafeV141",
        "1.5.0": "SafeV150",
    }
    client = EthereumClient(w3.provider.endpoint_uri)  # type: ignore[attr-defined]
    deployer = Account.from_key(DEPLOYER_KEY)
    cls = getattr(safe_module, classes[version])
    try:
        address = cls.deploy_contract(client, deployer).contract_address
    except ContractAlreadyDeployed as already:
        # The session's devnet put this version at its canonical address: hash against it.
        address = already.address
    contract = cls(address, client).contract
    if contract.functions.domainSeparator().call() != bytes(32):
        return contract
    # Before 1.3.0 setup() stores the separator: set up the singleton itself where it allows
    # it (0.0.1, 1.0.0), otherwise a proxy made by that version's factory (1.1.1).
    zero = "0x" + "00" * 20
    setup_abi = next(item for item in contract.abi if item.get("name") == "setup")
    # Every version's setup starts (owners, threshold, to, data); the rest are zeros.
    defaults = {"address": zero, "uint256": 0, "bytes": b""}
    args: list[object] = [["0x0000000000000000000000000000000000000002"], 1]
    args += [defaults[item["type"]] for item in setup_abi["inputs"][2:]]
    if contract.functions.getThreshold().call() == 0:
        tx = contract.functions.setup(*args).transact({"from": deployer.address})
        w3.eth.wait_for_transaction_receipt(tx)
        return contract
    from safe_eth.safe.proxy_factory import ProxyFactoryV111

    factory_address = ProxyFactoryV111.deploy_contract(client, deployer).contract_address
    initializer = bytes.fromhex(contract.encode_abi("setup", args)[2:])
    proxy = ProxyFactoryV111(factory_address, client).deploy_proxy_contract_with_nonce(
        deployer, address, initializer=initializer, salt_nonce=1
    )
    return cls(proxy.contract_address, client).contract


def _random_tx(rng: random.Random, safe: str) -> SafeTx:
    from eth_utils import to_checksum_address

    def address() -> str:
        return to_checksum_address(rng.randbytes(20))

    def number() -> int:
        return rng.choice([0, 1, rng.randrange(2**32), rng.randrange(2**256)])

    return SafeTx(
        safe=safe,
        to=address(),
        value=number(),
        data=rng.randbytes(rng.choice([0, 4, 36, rng.randrange(600)])),
        operation=rng.randrange(2),
        safe_tx_gas=number(),
        base_gas=number(),
        gas_price=number(),
        gas_token=address() if rng.random() < 0.3 else "0x" + "00" * 20,
        refund_receiver=address() if rng.random() < 0.3 else "0x" + "00" * 20,
        nonce=number(),
    )


@pytest.mark.parametrize("version", VERSIONS)
def test_hashes_equal_the_contracts_own(w3: Web3, version: str) -> None:
    contract = _deploy_singleton(w3, version)
    reported = contract.functions.VERSION().call()
    safe_version = SafeVersion.parse(reported)
    chain_id = w3.eth.chain_id
    onchain_domain = bytes(contract.functions.domainSeparator().call())
    rng = random.Random(f"safeops {version}")
    for _ in range(TRANSACTIONS_PER_VERSION):
        tx = _random_tx(rng, contract.address)
        ours = safe_tx_hashes(tx, chain_id, safe_version)
        theirs = contract.functions.getTransactionHash(*tx.call_fields, tx.nonce).call()
        assert ours.safe_tx_hash.raw == bytes(theirs), (version, tx)
        assert ours.domain_hash == onchain_domain, version


def test_a_changed_chain_id_changes_the_hash_only_from_1_3_0(w3: Web3) -> None:
    """Before 1.3.0 the domain has no chain id: the same tx hashes alike on every chain."""
    tx = SafeTx(safe="0x" + "11" * 20, to="0x" + "22" * 20, nonce=3)
    for version, differs in (("1.1.1", False), ("1.3.0", True), ("1.5.0", True)):
        parsed = SafeVersion.parse(version)
        one, other = safe_tx_hashes(tx, 1, parsed), safe_tx_hashes(tx, 10, parsed)
        assert (one.safe_tx_hash != other.safe_tx_hash) is differs, version
