"""What workflows need from the world, as interfaces: one Safe's chain and a rehearsal fork.

The CLI passes the real adapters (`chain.safe_chain.LiveSafeChain`, `fork.rehearsal`); the
workflow unit tests pass fakes. Workflows never hold a web3 object or an RPC URL themselves.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from safeops.chain.execute import Sent
    from safeops.chain.simulate import Simulation
    from safeops.core.confirmations import Claim, Classification
    from safeops.core.plan import Plan, Postcondition
    from safeops.core.policy import SignatureKinds
    from safeops.core.rehearsal import CheckResult
    from safeops.core.safe_state import SafeState
    from safeops.core.safe_tx import SafeTx, SafeTxHash, SafeVersion
    from safeops.fork.rehearsal import ForkRun, QueuedTx

Progress = Callable[[str], None]


class TransactionSigner(Protocol):
    """Who signs and pays for `execTransaction`; the keys layer's Signer satisfies it."""

    @property
    def address(self) -> str: ...

    def sign_transaction(self, transaction: Mapping[str, Any]) -> bytes: ...


class SafeChain(Protocol):
    """One policy Safe's chain, through every RPC the policy gives it."""

    def state(self) -> SafeState | None:
        """The Safe read from every RPC at one pinned block; None: no contract there."""
        ...

    def gas_limit(self) -> int: ...

    def token_balances(self, holder: str, tokens: Mapping[str, str]) -> dict[str, int]: ...

    def simulate(
        self,
        tx: SafeTx,
        safe_tx_hash: SafeTxHash,
        owner: str,
        block: int,
        *,
        keep_guard: bool,
        nonce_override: bool,
    ) -> Simulation: ...

    def simulate_signed(
        self, tx: SafeTx, safe_tx_hash: SafeTxHash, executor: str, block: int, signatures: bytes
    ) -> Simulation: ...

    def read_balances(self, postconditions: Sequence[Postcondition], block: int) -> list[int]: ...

    def prove(
        self, postconditions: Sequence[Postcondition], before: Sequence[int], block: int
    ) -> list[CheckResult]: ...

    def verify_confirmations(
        self,
        tx: SafeTx,
        chain_id: int,
        version: SafeVersion,
        confirmations: Mapping[str, str | None],
        owners: Sequence[str],
        kinds: SignatureKinds,
        block: int,
        *,
        executor: str | None = None,
        unreadable: Mapping[str, str] | None = None,
    ) -> Classification:
        """Every confirmation read, checked on chain where it must be (approved hashes,
        contract owners), and counted or skipped with its reason."""
        ...

    def verify_imported(
        self,
        tx: SafeTx,
        chain_id: int,
        version: SafeVersion,
        text: str,
        owners: Sequence[str],
        kinds: SignatureKinds,
        block: int,
    ) -> Claim:
        """A signature made elsewhere, accepted only when execution would count it."""
        ...

    def send(self, tx: SafeTx, signatures: bytes, executor: TransactionSigner) -> str: ...

    def wait(self, tx_hash: str) -> Sent: ...

    def fork_origin(self) -> str:
        """The URL a rehearsal forks: the first RPC that answers."""
        ...


class Rehearser(Protocol):
    """Runs a plan on a private fork (see `fork.rehearsal.rehearse_on_fork`)."""

    def __call__(
        self,
        origin_url: str,
        plan: Plan,
        queued: Sequence[QueuedTx] | None,
        *,
        fork_block: int | None = None,
        progress: Progress = ...,
    ) -> ForkRun: ...
