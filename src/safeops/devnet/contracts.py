"""The Safe 1.4.1 stack at its canonical addresses and the compiled demo contracts."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

ARTIFACTS_DIR = Path(__file__).parent / "artifacts"

# Canonical Safe 1.4.1 deployments (safe-deployments); the devnet must reproduce them exactly
# so that the delegatecall allow-list and the policy look the same as on mainnet.
SAFE_SINGLETON_FACTORY = "0x914d7Fec6aaC8cd542e72Bca78B30650d45643d7"
ANVIL_CREATE2_DEPLOYER = "0x4e59b44847b379578588920cA78FbF26c0B4956C"
SAFE_L2_141 = "0x29fcB43b46531BcA003ddC8FCB67FFE91900C762"
PROXY_FACTORY_141 = "0x4e1DCf7AD4e460CfD30791CCC4F9c8a4f820ec67"
FALLBACK_HANDLER_141 = "0xfd0732Dc9E303f09fCEf3a7388Ad10A83459Ec99"
MULTISEND_CALL_ONLY_141 = "0x9641d764fc13c8B624c04430C7356C1C7C8102e2"
SIMULATE_TX_ACCESSOR_141 = "0x3d4BA2E0884aa488718476ca2FB8Efc291A46199"


@dataclass(frozen=True)
class Artifact:
    """A compiled contract from `scripts/build-contracts`."""

    name: str
    abi: list[dict[str, Any]]
    bytecode: str


@cache
def load_artifact(name: str) -> Artifact:
    data = json.loads((ARTIFACTS_DIR / f"{name}.json").read_text())
    return Artifact(data["contractName"], data["abi"], data["bytecode"])
