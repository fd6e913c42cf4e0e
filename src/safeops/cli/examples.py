"""One example per command, shown at the end of its `--help`: what people copy first.

Kept in one table so that a test can require an example of every command, new ones included.
The policy path is the devnet's: `safeops devnet up` writes it, so each example runs as is.
"""

from __future__ import annotations

_P = "--policy .safeops/devnet/policy.toml"
_HASH = "SAFE_TX_HASH"  # as `safeops queue` lists it

_ACCOUNT = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"
EXAMPLES: dict[str, str] = {
    "": f"safeops {_P} emergency pause --all --signer oncall",
    "emergency": f"safeops {_P} emergency pause --all --signer oncall",
    "emergency pause": f"safeops {_P} emergency pause router lending --signer oncall",
    "emergency unpause": f"safeops {_P} emergency unpause router --signer alice",
    "emergency revoke": f"safeops {_P} emergency revoke members {_ACCOUNT} --signer alice",
    "emergency withdraw": (
        f"safeops {_P} emergency withdraw main --to cold --all-tokens --signer alice"
    ),
    "reject": f"safeops {_P} reject {_HASH} --signer alice",
    "queue": f"safeops {_P} queue",
    "audit": f"safeops {_P} audit verify",
    "audit show": f"safeops {_P} audit show --last 50",
    "audit head": f"safeops {_P} audit head",
    "audit verify": f"safeops --json {_P} audit verify",
    "plan": f"safeops {_P} plan pause --all",
    "plan pause": f"safeops {_P} plan pause router lending",
    "plan unpause": f"safeops {_P} plan unpause router",
    "plan revoke": f"safeops {_P} plan revoke executors --from-file compromised.txt",
    "plan withdraw": f"safeops {_P} plan withdraw main --token dUSD --amount 1250.5 --to cold",
    "propose": f"safeops {_P} propose SAFE_TX_HASH --signer alice",
    "sign": f"safeops {_P} sign {_HASH} --signer bob",
    "execute": f"safeops {_P} execute {_HASH} --signer alice",
    "review": f"safeops {_P} review SAFE_TX_HASH",
    "rehearse": f"safeops {_P} rehearse SAFE_TX_HASH",
    "tx": "safeops tx hash --file tx.json --chain-id 1 --safe-version 1.4.1",
    "tx hash": "safeops tx hash --file tx.json --chain-id 1 --safe-version 1.4.1",
    "policy": "safeops policy validate policies/production.example.toml",
    "policy validate": "safeops policy validate policies/production.example.toml --no-env",
    "policy check": f"safeops {_P} policy check",
    "keys": f"safeops {_P} keys check",
    "keys check": f"safeops {_P} keys check --signer oncall",
    "keys import": f"safeops {_P} keys import --signer alice --to keyring < alice.key",
    "devnet": "safeops devnet up",
    "devnet up": "safeops devnet up --keys keyring",
    "devnet down": "safeops devnet down",
    "devnet status": "safeops --json devnet status",
    "version": "safeops version --json",
}


def epilog(path: str) -> str | None:
    example = EXAMPLES.get(path)
    return None if example is None else f"Example: {example}"
