"""The official deployments table: what it trusts on which chain, and a second source agrees."""

from __future__ import annotations

import pytest
from safe_eth.safe.safe_deployments import safe_deployments

from safeops.core.deployments import (
    Deployment,
    is_full_multisend,
    known_chains,
    known_deployment,
    known_library,
    official_address,
    official_code_hashes,
    parse_table,
    table,
    trusted_delegatecall_target,
)

MULTISEND_CALL_ONLY_141 = "0x9641d764fc13c8B624c04430C7356C1C7C8102e2"
MULTISEND_CALL_ONLY_141_HASH = "0xecd5bd14a08c5d2122379900b2f272bdf107a7e92423c10dd5fe3254386c9939"
ZKSYNC_MULTISEND_CALL_ONLY_141 = "0x0408EF011960d02349d50286D20531229BCef773"
MULTISEND_CALL_ONLY_130 = "0x40A2aCCbd92BCA938b02010E17A5b8929b49130D"
EIP155_MULTISEND_CALL_ONLY_130 = "0xA1dabEF33b3B82c7814B6D82A79e50F4AC44102B"
MULTISEND_CALL_ONLY_150 = "0xA83c336B20401Af773B6219BA5027174338D1836"
FULL_MULTISEND_141 = "0x38869bf66a61cF6bDB996A6aE40D5853Fd43B526"
SAFE_L2_141 = "0x29fcB43b46531BcA003ddC8FCB67FFE91900C762"
ZKSYNC_ERA = 324
DEVNET = 31337


def test_the_table_names_its_source_and_holds_the_kinds_safeops_needs() -> None:
    assert table().source.startswith("@safe-global/safe-deployments ")
    kinds = {(d.name, d.version) for d in table().by_address.values()}
    for kind in (
        ("MultiSendCallOnly", "1.3.0"),
        ("MultiSendCallOnly", "1.4.1"),
        ("MultiSendCallOnly", "1.5.0"),
        ("SignMessageLib", "1.4.1"),
        ("SafeMigration", "1.4.1"),
        ("SafeToL2Migration", "1.4.1"),
        ("MultiSend", "1.1.1"),
        ("GnosisSafeL2", "1.3.0"),
        ("SafeL2", "1.4.1"),
        ("Safe", "1.5.0"),
        ("CompatibilityFallbackHandler", "1.4.1"),
        ("ExtensibleFallbackHandler", "1.5.0"),
    ):
        assert kind in kinds
    names = {d.name for d in table().by_address.values()}
    assert not names & {"CreateCall", "SimulateTxAccessor", "SafeProxyFactory"}


def test_safe_eth_py_deployments_agree_with_the_table() -> None:
    """safe-eth-py ships its own copy of the Safe deployments: every library, singleton and
    handler it lists must be in the table as the same contract and version, on that chain."""
    checked = 0
    for version in ("1.3.0", "1.4.1", "1.5.0"):
        for name, chains in safe_deployments[version].items():
            if name not in {d.name for d in table().by_address.values()}:
                continue
            for chain_id, addresses in chains.items():
                for address in addresses:
                    found = known_deployment(address)
                    assert found is not None, (version, name, address)
                    assert (found.name, found.version) == (name, version)
                    assert int(chain_id) in found.chain_ids, (name, version, chain_id)
                    checked += 1
    assert checked > 1000


def test_canonical_multisend_call_only_is_trusted_where_listed_elsewhere_and_offline() -> None:
    for chain_id in (1, 10, 8453, DEVNET, None):
        deployment = trusted_delegatecall_target(MULTISEND_CALL_ONLY_141, chain_id)
        assert deployment is not None
        assert (deployment.name, deployment.version, deployment.variant) == (
            "MultiSendCallOnly",
            "1.4.1",
            "canonical",
        )
        assert deployment.code_hash == MULTISEND_CALL_ONLY_141_HASH
    assert DEVNET not in known_chains()


def test_zksync_variant_is_trusted_only_on_its_chains() -> None:
    deployment = trusted_delegatecall_target(ZKSYNC_MULTISEND_CALL_ONLY_141, ZKSYNC_ERA)
    assert deployment is not None
    assert (deployment.name, deployment.version, deployment.variant) == (
        "MultiSendCallOnly",
        "1.4.1",
        "zksync",
    )
    for chain_id in (1, DEVNET, None):
        assert trusted_delegatecall_target(ZKSYNC_MULTISEND_CALL_ONLY_141, chain_id) is None
    assert known_library(ZKSYNC_MULTISEND_CALL_ONLY_141) == deployment
    assert deployment.describe() == "MultiSendCallOnly 1.4.1 (zksync)"


def test_a_known_chain_trusts_only_the_addresses_listed_for_it() -> None:
    listed = known_deployment(MULTISEND_CALL_ONLY_150)
    assert listed is not None
    elsewhere = sorted(known_chains() - listed.chain_ids)
    assert elsewhere, "every known chain has MultiSendCallOnly 1.5.0: pick another case"
    assert trusted_delegatecall_target(MULTISEND_CALL_ONLY_150, elsewhere[0]) is None
    assert official_address("MultiSendCallOnly", "1.5.0", elsewhere[0]) is None
    assert official_address("MultiSendCallOnly", "1.5.0", DEVNET) == MULTISEND_CALL_ONLY_150


def test_official_address_prefers_canonical_then_eip155_then_zksync() -> None:
    assert official_address("MultiSendCallOnly", "1.4.1", ZKSYNC_ERA) == MULTISEND_CALL_ONLY_141
    assert official_address("MultiSendCallOnly", "1.3.0", None) == MULTISEND_CALL_ONLY_130
    eip155 = known_deployment(EIP155_MULTISEND_CALL_ONLY_130)
    canonical = known_deployment(MULTISEND_CALL_ONLY_130)
    assert eip155 is not None
    assert canonical is not None
    only_eip155 = sorted(eip155.chain_ids - canonical.chain_ids)
    assert official_address("MultiSendCallOnly", "1.3.0", only_eip155[0]) == (
        EIP155_MULTISEND_CALL_ONLY_130
    )


@pytest.mark.parametrize("chain_id", [1, ZKSYNC_ERA, DEVNET, None])
def test_full_multisend_and_singletons_are_never_trusted(chain_id: int | None) -> None:
    full = [d for d in table().by_address.values() if d.name == "MultiSend"]
    assert len(full) >= 7
    for deployment in full:
        assert trusted_delegatecall_target(deployment.address, chain_id) is None
        assert is_full_multisend(deployment.address)
    assert trusted_delegatecall_target(SAFE_L2_141, chain_id) is None
    library = known_library(FULL_MULTISEND_141)
    assert library is not None
    assert (library.name, library.version) == ("MultiSend", "1.4.1")
    assert known_library(SAFE_L2_141) is None
    singleton = known_deployment(SAFE_L2_141)
    assert singleton is not None
    assert singleton.name == "SafeL2"


def test_official_code_hashes_span_versions_and_variants() -> None:
    hashes = official_code_hashes("MultiSendCallOnly")
    assert MULTISEND_CALL_ONLY_141_HASH in hashes
    assert len(hashes) == len(
        {d.code_hash for d in table().by_address.values() if d.name == "MultiSendCallOnly"}
    )
    assert not hashes & official_code_hashes("MultiSend")


@pytest.mark.parametrize(
    "address", ["0x" + "11" * 20, "not an address", "0x1234", "", "0x" + "zz" * 20]
)
def test_unknown_or_invalid_addresses_are_not_libraries(address: str) -> None:
    assert trusted_delegatecall_target(address, 1) is None
    assert known_library(address) is None
    assert known_deployment(address) is None
    assert not is_full_multisend(address)


def test_lookups_accept_any_case_of_an_address() -> None:
    assert known_library(MULTISEND_CALL_ONLY_141.lower()) == known_library(MULTISEND_CALL_ONLY_141)


def test_a_table_listing_an_address_twice_is_refused() -> None:
    item = {
        "contract": "MultiSendCallOnly",
        "version": "1.4.1",
        "variants": {"canonical": {"address": MULTISEND_CALL_ONLY_141, "codeHash": "0x00"}},
        "chains": {"canonical": [1]},
    }
    document = {"source": {"package": "p", "version": "1"}, "deployments": [item, item]}
    with pytest.raises(ValueError, match="listed twice"):
        parse_table(document)
    single = parse_table({**document, "deployments": [item]})
    assert single.by_address[MULTISEND_CALL_ONLY_141] == Deployment(
        MULTISEND_CALL_ONLY_141, "MultiSendCallOnly", "1.4.1", "canonical", "0x00", frozenset({1})
    )
