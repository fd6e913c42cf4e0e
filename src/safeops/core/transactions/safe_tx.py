"""A Safe transaction and its EIP-712 hashes, computed for every Safe version.

The hashing is written out here on purpose instead of delegated to safe-eth-py: docs/security.md
asks for an independent computation, and the tests hold it against both safe-eth-py and the
contracts' own `getTransactionHash` and `domainSeparator()`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from enum import IntEnum
from typing import Any

from eth_hash.auto import keccak

from safeops.core.addresses import ZERO_ADDRESS
from safeops.core.hexes import hex0x, require_calldata_size
from safeops.errors import BadInput, UnsupportedSafeVersion

# The SafeTx struct was renamed between versions: before 1.0.0 `baseGas` was called `dataGas`,
# which changes the type hash and therefore every hash.
_SAFE_TX_TYPE = (
    "SafeTx(address to,uint256 value,bytes data,uint8 operation,uint256 safeTxGas,"
    "uint256 {base_gas},uint256 gasPrice,address gasToken,address refundReceiver,uint256 nonce)"
)
SAFE_TX_TYPEHASH = keccak(_SAFE_TX_TYPE.format(base_gas="baseGas").encode())
LEGACY_SAFE_TX_TYPEHASH = keccak(_SAFE_TX_TYPE.format(base_gas="dataGas").encode())
# Up to 1.2.x the domain holds only the Safe's address; 1.3.0 added the chain id.
DOMAIN_TYPEHASH = keccak(b"EIP712Domain(uint256 chainId,address verifyingContract)")
LEGACY_DOMAIN_TYPEHASH = keccak(b"EIP712Domain(address verifyingContract)")

# Every released Safe version. An unknown version could hash differently: refuse it.
KNOWN_SAFE_VERSIONS = (
    "0.0.2",
    "0.1.0",
    "1.0.0",
    "1.1.0",
    "1.1.1",
    "1.2.0",
    "1.3.0",
    "1.4.0",
    "1.4.1",
    "1.5.0",
)

UINT256_MAX = 2**256 - 1
_FIELD_HINT = "Safe transaction fields are whole numbers from 0 to 2**256 - 1."


class Operation(IntEnum):
    """The Safe's operation field."""

    CALL = 0
    DELEGATECALL = 1


@dataclass(frozen=True)
class SafeVersion:
    """A released Safe version, as returned by the contract's VERSION()."""

    text: str

    @classmethod
    def parse(cls, text: str) -> SafeVersion:
        """Accept `1.3.0`, `v1.3.0` and the `+L2` suffix some deployments report."""
        core = text.strip().removeprefix("v").removesuffix("+L2")
        if core not in KNOWN_SAFE_VERSIONS:
            raise UnsupportedSafeVersion(
                f"unknown Safe version {text!r}",
                hint=f"Known versions: {', '.join(KNOWN_SAFE_VERSIONS)}.",
            )
        return cls(core)

    @property
    def number(self) -> tuple[int, ...]:
        return tuple(int(part) for part in self.text.split("."))

    @property
    def domain_has_chain_id(self) -> bool:
        return self.number >= (1, 3, 0)

    @property
    def uses_data_gas(self) -> bool:
        return self.number < (1, 0, 0)

    def __str__(self) -> str:
        return self.text


@dataclass(frozen=True)
class SafeTx:
    """The ten fields a Safe owner signs, plus the Safe they are signed for.

    Addresses are checksummed strings; `data` is raw bytes.
    """

    safe: str
    to: str
    value: int = 0
    data: bytes = b""
    operation: int = Operation.CALL
    safe_tx_gas: int = 0
    base_gas: int = 0
    gas_price: int = 0
    gas_token: str = ZERO_ADDRESS
    refund_receiver: str = ZERO_ADDRESS
    nonce: int = 0

    def __post_init__(self) -> None:
        for name in ("value", "safe_tx_gas", "base_gas", "gas_price", "nonce"):
            number = getattr(self, name)
            if isinstance(number, bool) or not isinstance(number, int):
                raise BadInput(f"{name} must be an integer, got {number!r}", hint=_FIELD_HINT)
            if not 0 <= number <= UINT256_MAX:
                raise BadInput(f"{name} is out of the uint256 range: {number}", hint=_FIELD_HINT)
        require_calldata_size(len(self.data), "the transaction")
        if self.operation not in (Operation.CALL, Operation.DELEGATECALL):
            raise BadInput(
                f"operation must be 0 (call) or 1 (delegatecall), got {self.operation}",
                hint="Give --operation 0 for a call; 1 (DELEGATECALL) only into a Safe library.",
            )

    @property
    def call_fields(self) -> tuple[object, ...]:
        """to … refundReceiver, in the order `execTransaction` and `getTransactionHash` take
        them (the latter adds the nonce)."""
        return (
            self.to, self.value, self.data, self.operation, self.safe_tx_gas, self.base_gas,
            self.gas_price, self.gas_token, self.refund_receiver,
        )  # fmt: skip

    def with_nonce(self, nonce: int) -> SafeTx:
        return replace(self, nonce=nonce)


_HASH_TEXT = re.compile(r"^0x[0-9a-fA-F]{64}$")


@dataclass(frozen=True, order=True)
class SafeTxHash:
    """The hash owners sign and stores file a proposal under: 32 bytes, shown as 0x-hex."""

    raw: bytes

    def __post_init__(self) -> None:
        if not isinstance(self.raw, bytes) or len(self.raw) != 32:
            raise BadInput(
                "a safeTxHash has 32 bytes", hint="Copy the whole 0x-hash: 64 hex digits."
            )

    @classmethod
    def parse(cls, text: object) -> SafeTxHash:
        """`0x` and 64 hex digits, any case; BadInput for anything else (it may become a path)."""
        if not isinstance(text, str) or not _HASH_TEXT.match(text):
            shown = text[:80] if isinstance(text, str) else type(text).__name__
            raise BadInput(
                f"not a safeTxHash (0x and 64 hex digits): {shown!r}",
                hint="Copy the safeTxHash from `safeops queue` or the plan's output.",
            )
        return cls(bytes.fromhex(text[2:]))

    @property
    def hex0x(self) -> str:
        return hex0x(self.raw)

    def __bytes__(self) -> bytes:
        return self.raw

    def __str__(self) -> str:
        return self.hex0x


@dataclass(frozen=True)
class SafeTxHashes:
    """The two halves a hardware wallet shows, and the hash the owners sign."""

    domain_hash: bytes
    message_hash: bytes
    safe_tx_hash: SafeTxHash

    def to_json(self) -> dict[str, Any]:
        return {
            "domain_hash": hex0x(self.domain_hash),
            "message_hash": hex0x(self.message_hash),
            "safe_tx_hash": self.safe_tx_hash.hex0x,
        }


def _word(value: int) -> bytes:
    return value.to_bytes(32, "big")


def _address_word(address: str) -> bytes:
    return bytes(12) + bytes.fromhex(address[2:])


def domain_hash(safe: str, chain_id: int, version: SafeVersion) -> bytes:
    """EIP-712 domain separator of `safe`, as the contract's `domainSeparator()` returns it."""
    if version.domain_has_chain_id:
        return keccak(DOMAIN_TYPEHASH + _word(chain_id) + _address_word(safe))
    return keccak(LEGACY_DOMAIN_TYPEHASH + _address_word(safe))


def message_hash(tx: SafeTx, version: SafeVersion) -> bytes:
    """EIP-712 struct hash of the SafeTx fields."""
    typehash = LEGACY_SAFE_TX_TYPEHASH if version.uses_data_gas else SAFE_TX_TYPEHASH
    return keccak(
        typehash
        + _address_word(tx.to)
        + _word(tx.value)
        + keccak(tx.data)
        + _word(tx.operation)
        + _word(tx.safe_tx_gas)
        + _word(tx.base_gas)
        + _word(tx.gas_price)
        + _address_word(tx.gas_token)
        + _address_word(tx.refund_receiver)
        + _word(tx.nonce)
    )


def safe_tx_hashes(tx: SafeTx, chain_id: int, version: SafeVersion) -> SafeTxHashes:
    """Domain hash, message hash and safeTxHash of `tx` on `chain_id` for a Safe of `version`."""
    if not 0 < chain_id <= UINT256_MAX:
        raise BadInput(
            f"chain id must be a positive integer, got {chain_id}",
            hint="The chain the Safe is on: 1 for Ethereum, as `eth_chainId` gives it.",
        )
    domain = domain_hash(tx.safe, chain_id, version)
    message = message_hash(tx, version)
    return SafeTxHashes(domain, message, SafeTxHash(keccak(b"\x19\x01" + domain + message)))
