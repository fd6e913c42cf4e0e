"""The Signer: the only way to use a key; it fetches the key for each signature and drops it."""

from __future__ import annotations

import threading
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager
from typing import Any, Protocol, final

from safeops.keys import material

KeyFetcher = Callable[[], bytes]
"""Reads a key from its source and returns its 32 bytes; raises a SafeOpsError otherwise."""


class Signer(Protocol):
    """A policy signer. It holds where its key lives, never the key."""

    @property
    def name(self) -> str: ...

    @property
    def address(self) -> str:
        """The policy's EIP-55 address, which every fetched key must derive to."""
        ...

    @property
    def source(self) -> str:
        """Where the key lives, e.g. `vault:secret/safeops/alice#private_key`."""
        ...

    def verify(self) -> str:
        """Fetch the key, check that it derives to `address`, drop it; return the address."""
        ...

    def sign_digest(self, digest: bytes) -> bytes:
        """65-byte r || s || v (v in {27, 28}, low s) signature of a 32-byte hash."""
        ...

    def sign_typed_data(self, typed: Mapping[str, Any]) -> bytes:
        """65-byte signature of a full EIP-712 typed-data dict."""
        ...

    def sign_transaction(self, transaction: Mapping[str, Any]) -> bytes:
        """The raw signed Ethereum transaction, for the executor's `execTransaction`."""
        ...

    def held(self) -> AbstractContextManager[None]:
        """Within this block (one command's run), fetch and check the key once, on first use,
        and drop it when the block ends."""
        ...


class KeySigning(ABC):
    """The signing methods of a signer, written once over `_use_key`, which hands out the key
    checked against the policy's address; each use drops its reference when done."""

    __slots__ = ()
    _address: str

    @abstractmethod
    def _use_key(self) -> bytes: ...

    def verify(self) -> str:
        key = self._use_key()
        del key
        return self._address

    def sign_digest(self, digest: bytes) -> bytes:
        material.check_digest(digest)
        key = self._use_key()
        try:
            return material.sign_digest(key, digest)
        finally:
            del key

    def sign_typed_data(self, typed: Mapping[str, Any]) -> bytes:
        return self.sign_digest(material.encode_typed_data(typed))

    def sign_transaction(self, transaction: Mapping[str, Any]) -> bytes:
        key = self._use_key()
        try:
            return material.sign_transaction(key, transaction)
        finally:
            del key


@final
class JustInTimeSigner(KeySigning):
    """A Signer over a KeyFetcher: a call fetches, checks the address, uses and drops the key.

    Outside `held()` nothing is kept between calls: a key in memory is one more place it can
    leak from (core dumps, debuggers, a stray repr), and a source that changed must be noticed.
    Inside `held()` (one command: propose then execute in an emergency) the key is fetched and
    checked once, on first use, and dropped when the command ends: a keystore's scrypt or a
    Vault round trip is paid once per run, and one run signs with one key.
    """

    __slots__ = ("_address", "_fetch", "_held", "_holders", "_lock", "_name", "_source")

    def __init__(self, name: str, address: str, source: str, fetch: KeyFetcher) -> None:
        self._name = name
        self._address = address
        self._source = source
        self._fetch = fetch
        self._held: bytes | None = None
        self._holders = 0
        # Safes handled at once share the signer: one fetch (one password prompt), not two.
        self._lock = threading.Lock()

    @property
    def name(self) -> str:
        return self._name

    @property
    def address(self) -> str:
        return self._address

    @property
    def source(self) -> str:
        return self._source

    def __repr__(self) -> str:
        return f"Signer(name={self._name!r}, address={self._address}, source={self._source!r})"

    __str__ = __repr__

    @contextmanager
    def held(self) -> Iterator[None]:
        with self._lock:
            self._holders += 1
        try:
            yield
        finally:
            with self._lock:
                self._holders -= 1
                if not self._holders:
                    self._held = None

    def _use_key(self) -> bytes:
        with self._lock:
            if self._held is not None:
                return self._held
            key = self._fetch()
            try:
                material.require_address(self._name, key, self._address)
            except BaseException:
                del key
                raise
            if self._holders:
                self._held = key
            return key
