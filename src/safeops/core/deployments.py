"""The Safe library deployments a Safe may DELEGATECALL, and the full MultiSend it never may."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType

from eth_utils.address import to_checksum_address

# Written out rather than read from safe_eth at run time: core must not import it, and a
# reviewer should see every trusted address in one place. tests/unit/core/test_deployments.py
# re-derives both tables from safe-eth-py's safe_deployments and asserts equality.

# The zkSync-family chains (ZK Stack: zkSync Era, Lens, Abstract, Sophon, Cronos zkEVM ...) where
# the zkSync variants are deployed. The same address on any other chain may hold anything.
_ZKSYNC_1_3_0 = frozenset(
    {
        232,
        240,
        280,
        282,
        300,
        324,
        388,
        2741,
        11124,
        37111,
        50104,
        61166,
        543210,
        810180,
        4457845,
        531050104,
    }
)
_ZKSYNC_1_4_1 = frozenset({232, 300, 324, 2741, 11124, 50104, 531050104})
# The 1.1.1 MultiSend was deployed only on these chains; it is listed to be recognised, never
# trusted.
_MULTISEND_1_1_1 = frozenset({1, 4, 5, 42, 88, 100, 246, 369, 73799})


@dataclass(frozen=True)
class Deployment:
    """One Safe library deployment; `chain_ids` None means the same code at that address on any
    chain (deterministic deployment), otherwise the only chains where the address is that code."""

    address: str
    name: str
    version: str
    chain_ids: frozenset[int] | None = None

    def valid_on(self, chain_id: int | None) -> bool:
        """True when this deployment is known to be at its address on `chain_id` (None: unknown)."""
        if self.chain_ids is None:
            return True
        return chain_id is not None and chain_id in self.chain_ids

    def describe(self) -> str:
        """`MultiSendCallOnly 1.4.1`, with the chains named when the deployment is chain-bound."""
        label = f"{self.name} {self.version}"
        if self.chain_ids is None:
            return label
        return f"{label} (deployed only on chain ids {', '.join(map(str, sorted(self.chain_ids)))})"


def _table(rows: Iterable[tuple[str, str, str, frozenset[int] | None]]) -> Mapping[str, Deployment]:
    return MappingProxyType({row[0]: Deployment(*row) for row in rows})


# Canonical and eip155 variants hold on any chain (None); zkSync variants on their chains only.
TRUSTED_DELEGATECALL_TARGETS: Mapping[str, Deployment] = _table(
    (
        ("0x40A2aCCbd92BCA938b02010E17A5b8929b49130D", "MultiSendCallOnly", "1.3.0", None),
        ("0xA1dabEF33b3B82c7814B6D82A79e50F4AC44102B", "MultiSendCallOnly", "1.3.0", None),
        ("0xf220D3b4DFb23C4ade8C88E526C1353AbAcbC38F", "MultiSendCallOnly", "1.3.0", _ZKSYNC_1_3_0),
        ("0xA65387F16B013cf2Af4605Ad8aA5ec25a2cbA3a2", "SignMessageLib", "1.3.0", None),
        ("0x98FFBBF51bb33A056B08ddf711f289936AafF717", "SignMessageLib", "1.3.0", None),
        ("0x357147caf9C0cCa67DfA0CF5369318d8193c8407", "SignMessageLib", "1.3.0", _ZKSYNC_1_3_0),
        ("0x9641d764fc13c8B624c04430C7356C1C7C8102e2", "MultiSendCallOnly", "1.4.1", None),
        ("0x0408EF011960d02349d50286D20531229BCef773", "MultiSendCallOnly", "1.4.1", _ZKSYNC_1_4_1),
        ("0xd53cd0aB83D845Ac265BE939c57F53AD838012c9", "SignMessageLib", "1.4.1", None),
        ("0xAca1ec0a1A575CDCCF1DC3d5d296202Eb6061888", "SignMessageLib", "1.4.1", _ZKSYNC_1_4_1),
        ("0x526643F69b81B008F46d95CD5ced5eC0edFFDaC6", "SafeMigration", "1.4.1", None),
        ("0x817756C6c555A94BCEE39eB5a102AbC1678b09A7", "SafeMigration", "1.4.1", _ZKSYNC_1_4_1),
        ("0xA83c336B20401Af773B6219BA5027174338D1836", "MultiSendCallOnly", "1.5.0", None),
        ("0x4FfeF8222648872B3dE295Ba1e49110E61f5b5aa", "SignMessageLib", "1.5.0", None),
        ("0x6439e7ABD8Bb915A5263094784C5CF561c4172AC", "SafeMigration", "1.5.0", None),
    )
)

# The full MultiSend lets each batch item DELEGATECALL anywhere: recognised, never trusted.
FULL_MULTISEND: Mapping[str, Deployment] = _table(
    (
        ("0x8D29bE29923b68abfDD21e541b9374737B49cdAD", "MultiSend", "1.1.1", _MULTISEND_1_1_1),
        ("0xA238CBeb142c10Ef7Ad8442C6D1f9E89e07e7761", "MultiSend", "1.3.0", None),
        ("0x998739BFdAAdde7C933B942a68053933098f9EDa", "MultiSend", "1.3.0", None),
        ("0x0dFcccB95225ffB03c6FBB2559B530C2B7C8A912", "MultiSend", "1.3.0", _ZKSYNC_1_3_0),
        ("0x38869bf66a61cF6bDB996A6aE40D5853Fd43B526", "MultiSend", "1.4.1", None),
        ("0x309D0B190FeCCa8e1D5D8309a16F7e3CB133E885", "MultiSend", "1.4.1", _ZKSYNC_1_4_1),
        ("0x218543288004CD07832472D464648173c77D7eB7", "MultiSend", "1.5.0", None),
    )
)


def _checksummed(address: str) -> str | None:
    try:
        return to_checksum_address(address)
    except (ValueError, TypeError):
        return None


def trusted_delegatecall_target(address: str, chain_id: int | None) -> Deployment | None:
    """The trusted library at `address` on `chain_id`, or None if a DELEGATECALL there is unsafe.

    With `chain_id` None (offline, chain unknown) only the any-chain deployments are accepted: a
    chain-bound address may hold different code elsewhere.
    """
    key = _checksummed(address)
    deployment = TRUSTED_DELEGATECALL_TARGETS.get(key) if key else None
    if deployment is None or not deployment.valid_on(chain_id):
        return None
    return deployment


def known_library(address: str) -> Deployment | None:
    """The Safe library deployed at `address` on some chain (trusted or full MultiSend), if any."""
    key = _checksummed(address)
    if key is None:
        return None
    return TRUSTED_DELEGATECALL_TARGETS.get(key) or FULL_MULTISEND.get(key)


def is_full_multisend(address: str) -> bool:
    """True for any full MultiSend deployment, on whatever chain."""
    key = _checksummed(address)
    return key is not None and key in FULL_MULTISEND
