"""A small valid policy for the tests, and made-up addresses derived from seeds."""

from __future__ import annotations

from eth_hash.auto import keccak
from eth_utils.address import to_checksum_address


def address(seed: str) -> str:
    """A deterministic, checksummed, made-up address."""
    return to_checksum_address(keccak(f"safeops test {seed}".encode())[-20:])


def look_alike(original: str) -> str:
    """A different address with the same first and last 4 hex digits."""
    middle = original[10].lower()
    return to_checksum_address(original[:10] + ("1" if middle != "1" else "2") + original[11:])


def bad_checksum(original: str) -> str:
    """`original` with the case of its first letter flipped: a wrong EIP-55 checksum."""
    index = next(i for i, char in enumerate(original) if i > 1 and char.isalpha())
    return original[:index] + original[index].swapcase() + original[index + 1 :]


ZERO = "0x" + "00" * 20
ADDRESSES = {
    name: address(name)
    for name in (
        "GUARDIAN",
        "ADMIN",
        "ONCALL",
        "ALICE",
        "BOB",
        "ROUTER",
        "ALLOWLIST",
        "VAULT",
        "COLD",
        "USDC",
    )
}
ENV = {"RPC_1": "https://node.example.org/v1/secret-api-key"}

TEMPLATE = """\
version = 1

[safes.guardian]
chain_id = 1
address = "@GUARDIAN@"
rpc = ["${RPC_1}", "https://rpc.example.org"]
expect = { version = "1.4.1", threshold = 1, owners = ["oncall", "alice"], guard = "@ZERO@" }

[safes.admin]
chain_id = 1
address = "@ADMIN@"
rpc = ["https://rpc.example.org"]
proposals = "tx-service"
expect = { version = "1.4.1", threshold = 2, owners = ["alice", "bob"] }

[signers.oncall]
address = "@ONCALL@"
key = { keyring = "safeops", username = "oncall" }
roles = ["proposer", "signer", "executor"]

[signers.alice]
address = "@ALICE@"
key = { vault = "secret/safeops/alice" }
roles = ["proposer", "signer", "executor"]

[signers.bob]
address = "@BOB@"
key = { keystore = "keys/bob.json", password_file = "keys/password" }
roles = ["signer"]

[targets.router]
address = "@ROUTER@"
safe = "guardian"
pause = "pause()"
unpause = { safe = "admin", call = "unpause()" }
check = { call = "paused()(bool)", after_pause = true, after_unpause = false }

[allowlists.members]
safe = "admin"
address = "@ALLOWLIST@"
revoke = { call = "setAllowed(address,bool)", args = ["{account}", false] }
check = { call = "isAllowed(address)(bool)", args = ["{account}"], after = false }

[vaults.main]
safe = "admin"
address = "@VAULT@"
recipients = ["cold"]

[vaults.main.withdraw]
call = "emergencyWithdraw(address,address,uint256)"
args = ["{token}", "{to}", "{amount}"]

[recipients.cold]
address = "@COLD@"

[tokens.USDC]
address = "@USDC@"
decimals = 6
max_withdraw = "5000000"

[tokens.ETH]
address = "@ZERO@"
decimals = 18
"""


def fill(text: str) -> str:
    """Replace `@NAME@` markers with the made-up addresses."""
    for name, value in {**ADDRESSES, "ZERO": ZERO}.items():
        text = text.replace(f"@{name}@", value)
    return text


SAMPLE = fill(TEMPLATE)
