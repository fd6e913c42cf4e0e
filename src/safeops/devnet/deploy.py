"""Deploy the devnet: Safe 1.4.1 (at canonical addresses, or moved elsewhere to stand for a
chain with non-canonical deployments), two Safes and the demo protocol."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from safeops.devnet import contracts as c

if TYPE_CHECKING:
    from eth_account.signers.local import LocalAccount
    from safe_eth.eth import EthereumClient
    from web3 import Web3

# anvil's well-known development keys (mnemonic "test test ... junk"): public by design, which
# is what a demo needs. Never use them anywhere that holds value.
DEV_KEYS = {
    "deployer": "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80",
    "oncall": "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d",
    "alice": "0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a",
    "bob": "0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6",
    "carol": "0x47e179ec197488593b187f80a00eb0da91f1b9d0b13f8733639f19c30a34926a",
}
COLD_WALLET = "0x976EA74026E726554dB657fA54763abd0C3a0aa9"  # anvil account 6, never used to sign

TOKEN_DECIMALS = 6
TOKEN_SUPPLY = 10_000_000 * 10**TOKEN_DECIMALS
VAULT_TOKENS = 2_500_000 * 10**TOKEN_DECIMALS
VAULT_ETH_WEI = 25 * 10**18
ALLOWLIST_MEMBERS = 12


@dataclass(frozen=True)
class SafeSpec:
    """A Safe the devnet creates, with its owners by signer name."""

    name: str
    owners: tuple[str, ...]
    threshold: int
    salt: int


GUARDIAN = SafeSpec("guardian", ("oncall", "alice", "bob"), 1, salt=1)
ADMIN = SafeSpec("admin", ("alice", "bob", "carol"), 2, salt=2)


@dataclass
class Deployment:
    """Addresses of everything the devnet deployed."""

    chain_id: int
    safes: dict[str, str] = field(default_factory=dict)
    contracts: dict[str, str] = field(default_factory=dict)
    members: list[str] = field(default_factory=list)
    signers: dict[str, str] = field(default_factory=dict)
    libraries: dict[str, str] = field(default_factory=dict)
    """The policy's `libraries` for this chain's Safes: empty where they are canonical."""


def account(name: str) -> LocalAccount:
    from eth_account import Account

    local: LocalAccount = Account.from_key(DEV_KEYS[name])
    return local


def member_address(index: int) -> str:
    """A deterministic allow-list member, so the demo policy reads the same on every run."""
    from eth_hash.auto import keccak
    from eth_utils.address import to_checksum_address

    return to_checksum_address(keccak(f"safeops devnet member {index}".encode())[-20:])


def deploy_safe_stack(client: EthereumClient) -> None:
    """Install the Safe singleton factory and deploy the 1.4.1 contracts at canonical addresses."""
    from safe_eth.eth.contracts import get_multi_send_call_only_V1_4_1_contract
    from safe_eth.safe.compatibility_fallback_handler import CompatibilityFallbackHandlerV141
    from safe_eth.safe.proxy_factory import ProxyFactoryV141
    from safe_eth.safe.safe import SafeV141
    from safe_eth.safe.safe_creator import SafeCreator
    from web3 import Web3
    from web3.types import RPCEndpoint

    w3 = client.w3
    # anvil ships the CREATE2 deployer whose code equals the Safe singleton factory's.
    factory_code = w3.eth.get_code(w3.to_checksum_address(c.ANVIL_CREATE2_DEPLOYER))
    w3.provider.make_request(
        RPCEndpoint("anvil_setCode"), [c.SAFE_SINGLETON_FACTORY, factory_code.to_0x_hex()]
    )
    deployer = account("deployer")
    SafeV141.deploy_contract(client, deployer)
    ProxyFactoryV141.deploy_contract(client, deployer)
    CompatibilityFallbackHandlerV141.deploy_contract(client, deployer)
    SafeCreator.deploy_simulate_tx_accessor(client, deployer)
    multisend = get_multi_send_call_only_V1_4_1_contract(w3)
    data = multisend.constructor().build_transaction({"gas": 0, "gasPrice": 0})["data"]
    client.deploy_and_initialize_contract(deployer, data)
    for address in (
        c.SAFE_L2_141,
        c.PROXY_FACTORY_141,
        c.FALLBACK_HANDLER_141,
        c.MULTISEND_CALL_ONLY_141,
        c.SIMULATE_TX_ACCESSOR_141,
    ):
        if not client.is_contract(Web3.to_checksum_address(address)):
            raise RuntimeError(f"Safe contract missing at its canonical address {address}")


def create_safe(
    client: EthereumClient,
    owners: Sequence[str],
    threshold: int,
    salt: int,
    singleton: str = c.SAFE_L2_141,
    fallback_handler: str = c.FALLBACK_HANDLER_141,
) -> str:
    """Create a Safe proxy through the canonical 1.4.1 factory; return its address."""
    from safe_eth.eth.contracts import get_safe_V1_4_1_contract
    from safe_eth.safe.proxy_factory import ProxyFactoryV141
    from web3 import Web3

    zero = "0x" + "00" * 20
    initializer = get_safe_V1_4_1_contract(client.w3).encode_abi(
        "setup", [list(owners), threshold, zero, b"", fallback_handler, zero, 0, zero]
    )
    factory = ProxyFactoryV141(c.PROXY_FACTORY_141, client)
    sent = factory.deploy_proxy_contract_with_nonce(
        account("deployer"),
        Web3.to_checksum_address(singleton),
        initializer=bytes.fromhex(initializer[2:]),
        salt_nonce=salt,
    )
    return str(sent.contract_address)


def deploy_artifact(w3: Web3, name: str, *args: Any) -> str:
    """Deploy one of our compiled contracts from the deployer; return its address."""
    artifact = c.load_artifact(name)
    factory = w3.eth.contract(abi=artifact.abi, bytecode=artifact.bytecode)
    tx_hash = factory.constructor(*args).transact({"from": account("deployer").address})
    receipt = w3.eth.wait_for_transaction_receipt(tx_hash, timeout=30)
    if receipt["status"] != 1:
        raise RuntimeError(f"deploying {name} reverted")
    return str(receipt["contractAddress"])


def elsewhere(name: str) -> str:
    """Where a non-canonical chain keeps `name`: a fixed address no official list knows."""
    from eth_hash.auto import keccak
    from eth_utils.address import to_checksum_address

    return to_checksum_address(keccak(f"safeops devnet non-canonical {name}".encode())[-20:])


def move_safe_stack(w3: Web3) -> dict[str, str]:
    """Make this chain one whose Safe deployments are not at the canonical addresses: the
    exact runtime code of the 1.4.1 L2 singleton, fallback handler and MultiSendCallOnly at
    other addresses, and no MultiSendCallOnly at the canonical one (a batch sent there would
    delegatecall into an empty account). Returns the addresses by contracts key."""
    from web3.types import RPCEndpoint

    def set_code(address: str, code: str) -> None:
        w3.provider.make_request(RPCEndpoint("anvil_setCode"), [address, code])

    moved = {}
    for key, canonical in (
        ("safe_singleton", c.SAFE_L2_141),
        ("fallback_handler", c.FALLBACK_HANDLER_141),
        ("multisend_call_only", c.MULTISEND_CALL_ONLY_141),
    ):
        moved[key] = elsewhere(key)
        set_code(moved[key], w3.eth.get_code(w3.to_checksum_address(canonical)).to_0x_hex())
    set_code(c.MULTISEND_CALL_ONLY_141, "0x")
    return moved


def deploy_devnet(rpc_url: str, *, canonical: bool = True) -> Deployment:
    """Deploy the whole devnet on a fresh anvil at `rpc_url`; `canonical` False moves the Safe
    contracts off their canonical addresses first (see `move_safe_stack`). The demo contracts
    land at the same addresses either way (same deployer, same nonces)."""
    from safe_eth.eth import EthereumClient

    client = EthereumClient(rpc_url)  # type: ignore[arg-type]
    w3 = client.w3
    deployment = Deployment(chain_id=w3.eth.chain_id)
    deployment.signers = {name: account(name).address for name in DEV_KEYS if name != "deployer"}
    deploy_safe_stack(client)
    stack = {
        "multisend_call_only": c.MULTISEND_CALL_ONLY_141,
        "safe_singleton": c.SAFE_L2_141,
        "fallback_handler": c.FALLBACK_HANDLER_141,
    }
    if not canonical:
        stack = move_safe_stack(w3)
        deployment.libraries = {"multisend_call_only": stack["multisend_call_only"]}
    for spec in (GUARDIAN, ADMIN):
        owners = [deployment.signers[name] for name in spec.owners]
        deployment.safes[spec.name] = create_safe(
            client,
            owners,
            spec.threshold,
            spec.salt,
            singleton=stack["safe_singleton"],
            fallback_handler=stack["fallback_handler"],
        )
    guardian, admin = deployment.safes["guardian"], deployment.safes["admin"]

    token = deploy_artifact(
        w3,
        "DemoToken",
        "Demo USD",
        "dUSD",
        TOKEN_DECIMALS,
        account("deployer").address,
        TOKEN_SUPPLY,
    )
    router = deploy_artifact(w3, "PausableService", "router", admin, [guardian])
    lending = deploy_artifact(w3, "PausableService", "lending", admin, [guardian])
    deployment.members = [member_address(i) for i in range(ALLOWLIST_MEMBERS)]
    allowlist = deploy_artifact(w3, "AllowList", admin, deployment.members)
    vault = deploy_artifact(w3, "DemoVault", admin, guardian)
    deployment.contracts = {
        "token": token,
        "router": router,
        "lending": lending,
        "allowlist": allowlist,
        "vault": vault,
        **stack,
        "proxy_factory": c.PROXY_FACTORY_141,
    }
    _fund_vault(w3, token, vault)
    return deployment


def _fund_vault(w3: Web3, token: str, vault: str) -> None:
    from web3.types import Wei

    deployer = account("deployer").address
    erc20 = w3.eth.contract(
        address=w3.to_checksum_address(token), abi=c.load_artifact("DemoToken").abi
    )
    w3.eth.wait_for_transaction_receipt(
        erc20.functions.transfer(vault, VAULT_TOKENS).transact({"from": deployer})
    )
    w3.eth.wait_for_transaction_receipt(
        w3.eth.send_transaction({"from": deployer, "to": vault, "value": Wei(VAULT_ETH_WEI)})
    )
