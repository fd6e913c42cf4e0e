"""The written-out deployment tables match safe-eth-py's data, and lookups respect chains."""

from __future__ import annotations

from collections import defaultdict

import pytest
from safe_eth.safe.safe_deployments import safe_deployments

from safeops.core.deployments import (
    FULL_MULTISEND,
    TRUSTED_DELEGATECALL_TARGETS,
    Deployment,
    is_full_multisend,
    known_library,
    trusted_delegatecall_target,
)

# An address deployed on this many chains or more is a deterministic (canonical or eip155)
# deployment; the zkSync variants are listed for a handful of chains only.
ANY_CHAIN_MIN = 100
CHAIN_BOUND_MAX = 20

MULTISEND_CALL_ONLY_141 = "0x9641d764fc13c8B624c04430C7356C1C7C8102e2"
ZKSYNC_MULTISEND_CALL_ONLY_141 = "0x0408EF011960d02349d50286D20531229BCef773"
FULL_MULTISEND_141 = "0x38869bf66a61cF6bDB996A6aE40D5853Fd43B526"


def derive(versions: tuple[str, ...], names: tuple[str, ...]) -> dict[str, Deployment]:
    """The table as safe-eth-py's deployments describe it."""
    table: dict[str, Deployment] = {}
    for version in versions:
        for name in names:
            chains_of: dict[str, set[int]] = defaultdict(set)
            for chain_id, addresses in safe_deployments[version].get(name, {}).items():
                for address in addresses:
                    chains_of[address].add(int(chain_id))
            for address, chains in chains_of.items():
                assert len(chains) >= ANY_CHAIN_MIN or len(chains) <= CHAIN_BOUND_MAX, address
                assert address not in table, f"{address} listed twice"
                chain_ids = None if len(chains) >= ANY_CHAIN_MIN else frozenset(chains)
                table[address] = Deployment(address, name, version, chain_ids)
    return table


def test_trusted_table_matches_safe_eth() -> None:
    expected = derive(
        ("1.3.0", "1.4.1", "1.5.0"), ("MultiSendCallOnly", "SignMessageLib", "SafeMigration")
    )
    assert dict(TRUSTED_DELEGATECALL_TARGETS) == expected


def test_full_multisend_table_matches_safe_eth() -> None:
    expected = derive(("1.1.1", "1.3.0", "1.4.1", "1.5.0"), ("MultiSend",))
    assert dict(FULL_MULTISEND) == expected


def test_tables_are_disjoint_and_checksummed() -> None:
    assert not set(TRUSTED_DELEGATECALL_TARGETS) & set(FULL_MULTISEND)
    for address, deployment in {**TRUSTED_DELEGATECALL_TARGETS, **FULL_MULTISEND}.items():
        assert address == deployment.address
        assert known_library(address.lower()) == deployment


def test_canonical_multisend_call_only_is_trusted_on_any_chain_and_offline() -> None:
    for chain_id in (1, 10, 8453, 31337, None):
        deployment = trusted_delegatecall_target(MULTISEND_CALL_ONLY_141, chain_id)
        assert deployment == Deployment(MULTISEND_CALL_ONLY_141, "MultiSendCallOnly", "1.4.1")


def test_zksync_variant_is_trusted_only_on_its_chains() -> None:
    deployment = trusted_delegatecall_target(ZKSYNC_MULTISEND_CALL_ONLY_141, 324)
    assert deployment is not None
    assert (deployment.name, deployment.version) == ("MultiSendCallOnly", "1.4.1")
    assert trusted_delegatecall_target(ZKSYNC_MULTISEND_CALL_ONLY_141, 1) is None
    assert trusted_delegatecall_target(ZKSYNC_MULTISEND_CALL_ONLY_141, None) is None
    assert known_library(ZKSYNC_MULTISEND_CALL_ONLY_141) == deployment


@pytest.mark.parametrize("chain_id", [1, 324, None])
def test_full_multisend_is_never_trusted(chain_id: int | None) -> None:
    for address in FULL_MULTISEND:
        assert trusted_delegatecall_target(address, chain_id) is None
    assert is_full_multisend(FULL_MULTISEND_141)
    library = known_library(FULL_MULTISEND_141)
    assert library is not None
    assert (library.name, library.version) == ("MultiSend", "1.4.1")


@pytest.mark.parametrize(
    "address", ["0x" + "11" * 20, "not an address", "0x1234", "", "0x" + "zz" * 20]
)
def test_unknown_or_invalid_addresses_are_not_libraries(address: str) -> None:
    assert trusted_delegatecall_target(address, 1) is None
    assert known_library(address) is None
    assert not is_full_multisend(address)


def test_describe_names_the_chains_of_a_chain_bound_deployment() -> None:
    deployment = known_library(ZKSYNC_MULTISEND_CALL_ONLY_141)
    assert deployment is not None
    assert deployment.describe() == (
        "MultiSendCallOnly 1.4.1 (deployed only on chain ids "
        "232, 300, 324, 2741, 11124, 50104, 531050104)"
    )
    canonical = known_library(MULTISEND_CALL_ONLY_141)
    assert canonical is not None
    assert canonical.describe() == "MultiSendCallOnly 1.4.1"
