"""A Signer for one run of one command: the key is fetched once, kept in memory until the run
ends, then wiped and dropped. Used by `emergency`, which signs for several Safes at once."""

from __future__ import annotations

import threading
from contextlib import AbstractContextManager, nullcontext
from types import TracebackType
from typing import final

from safeops.errors import SafeOpsError
from safeops.keys import material
from safeops.keys.signer import KeyFetcher, KeySigning


@final
class RunScopedSigner(KeySigning):
    """Fetch the key on first use (never before: a dry run or a run with nothing to do never
    reads it), check it derives to the policy's address, keep it for the rest of the run,
    and wipe it at `close()` (the CLI closes it in a `with` block, whatever happens).

    The trade-off against `JustInTimeSigner`, which fetches for every signature: an emergency
    across five chains signs about ten times (a proposal signature and an execTransaction per
    Safe). Fetching each time costs ten Vault round trips or keyring unlocks, or ten scrypt
    decryptions of a keystore (~0.7 s each), and ten password prompts without a password
    file, in the minutes that matter most. Keeping it costs exposure in this process's memory
    for the length of one command (seconds), which is where the key also is while it signs.
    The key still never touches disk, argv, the environment, a log or a repr; it sits in one
    bytearray that `close()` overwrites with zeros (Python may hold other transient copies
    while signing, as it does in JustInTimeSigner; those are dropped with their frames).
    A failed fetch is kept too: five Safes do not ask a sealed Vault five times.
    """

    __slots__ = ("_address", "_closed", "_failure", "_fetch", "_key", "_lock", "_name", "_source")

    def __init__(self, name: str, address: str, source: str, fetch: KeyFetcher) -> None:
        self._name = name
        self._address = address
        self._source = source
        self._fetch = fetch
        self._key: bytearray | None = None
        self._failure: SafeOpsError | None = None
        self._closed = False
        self._lock = threading.Lock()  # one fetch, one prompt, however many threads sign

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
        return (
            f"RunScopedSigner(name={self._name!r}, address={self._address}, "
            f"source={self._source!r})"
        )

    __str__ = __repr__

    def __enter__(self) -> RunScopedSigner:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()

    def held(self) -> AbstractContextManager[None]:
        """Already held for the whole run, until `close()`."""
        return nullcontext()

    @property
    def fetched(self) -> bool:
        """True once the key was read in this run (for tests and the audit log)."""
        return self._key is not None

    def close(self) -> None:
        """Wipe and drop the key; any later use is an error, never a silent re-fetch."""
        with self._lock:
            if self._key is not None:
                self._key[:] = bytes(len(self._key))
            self._key = None
            self._closed = True

    def _use_key(self) -> bytes:
        with self._lock:
            if self._closed:
                raise RuntimeError("the run's signer was closed: its key is gone")
            if self._failure is not None:
                raise self._failure
            if self._key is None:
                try:
                    key = self._fetch()
                    material.require_address(self._name, key, self._address)
                except SafeOpsError as failure:
                    self._failure = failure
                    raise
                self._key = bytearray(key)
                del key
            return bytes(self._key)
