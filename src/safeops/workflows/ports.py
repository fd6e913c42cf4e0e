"""What workflows need from the world, as interfaces: one Safe's chain, a rehearsal fork and
the audit trail.

The CLI passes the real adapters (`chain.safe_chain.LiveSafeChain`, `fork.rehearsal`); the
workflow unit tests pass fakes. Workflows never hold a web3 object or an RPC URL themselves.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from safeops.chain.execute import Sent, SignedSend
    from safeops.chain.executions import Lookup
    from safeops.chain.simulate import Simulation
    from safeops.core.plan import Plan, Postcondition
    from safeops.core.policy import SignatureKinds
    from safeops.core.rehearsal import CheckResult
    from safeops.core.rehearsal.warm import Prefetch
    from safeops.core.safe_state import SafeState
    from safeops.core.sending import SendRecord
    from safeops.core.transactions.confirmations import Claim, Classification
    from safeops.core.transactions.safe_tx import SafeTx, SafeTxHash, SafeVersion
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
        """The Safe read from every RPC at the run's pinned block (pinned on first use, shared
        by every step of the run); None: no contract there."""
        ...

    def fresh_state(self) -> SafeState | None:
        """The Safe read from every RPC at a block pinned now: for the one step that acts on
        the chain as it is (execute, before its final simulation)."""
        ...

    def gas_limit(self) -> int: ...

    def token_balances(self, holder: str, tokens: Mapping[str, str]) -> dict[str, int]: ...

    def block_hash(self, number: int) -> str | None:
        """Block `number`'s 0x hash, agreed by every RPC; None when it is not mined yet."""
        ...

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

    def sign_send(
        self,
        tx: SafeTx,
        signatures: bytes,
        executor: TransactionSigner,
        nonce: int | None = None,
    ) -> SignedSend:
        """The executor's execTransaction, signed, not sent: its hash is known from here."""
        ...

    def broadcast(self, signed: SignedSend) -> None:
        """eth_sendRawTransaction; RpcUnavailable on any failure (look the hash up then)."""
        ...

    def lookup(self, tx_hash: str) -> Lookup:
        """Mined (its receipt), "pending" in some RPC's mempool, or None: unknown to all."""
        ...

    def account_nonce(self, address: str) -> int:
        """The account's nonce in the latest block."""
        ...

    def find_executions(
        self,
        safe_tx_hashes: Sequence[SafeTxHash],
        to_block: int,
        candidates: Sequence[str] = (),
        lookback_blocks: int | None = None,
    ) -> dict[SafeTxHash, Sent]:
        """The mined transactions whose ExecutionSuccess names one of `safe_tx_hashes`, at or
        before `to_block`, confirmed by every RPC; `candidates` (recorded sends) first, then
        the logs of `lookback_blocks` (None: the adapter's bound, days on mainnet)."""
        ...

    def wait(self, tx_hash: str) -> Sent: ...

    def code_hashes(
        self, addresses: Sequence[str], block: int | None = None
    ) -> tuple[int, Mapping[str, str | None]]:
        """Each address's runtime code hash (None: no code) from every RPC at `block` (default:
        a block pinned now), and that block."""
        ...

    def fork_origin(self) -> str:
        """The URL a rehearsal forks: the first RPC that answers."""
        ...

    def prefetch(
        self, txs: Sequence[tuple[SafeTx, SafeTxHash]], state: SafeState, block: int
    ) -> Prefetch:
        """What rehearsing `txs` at `block` will read from the chain, to be fetched at once."""
        ...


class AuditTrail(Protocol):
    """The audit log, as workflows write to it while a command runs (the CLI writes the
    command's own entries): a send is recorded here before it is broadcast."""

    def record(self, action: str, outcome: str, **details: Any) -> None:
        """Append one entry, durably; an EnvironmentProblem when it cannot be written."""
        ...

    def record_send(self, record: SendRecord, known: Collection[str]) -> SendRecord | None:
        """Append the write-ahead entry of `record`, unless the log holds a send of the same
        safeTxHash whose hash is not in `known` (another run's): then return that one."""
        ...

    def recorded_sends(self, chain_id: int, safe_tx_hash: SafeTxHash) -> list[SendRecord]:
        """The sends of `safe_tx_hash` the log holds, oldest first."""
        ...


class NoAudit:
    """An audit trail that keeps nothing: for sessions built without one (tests, tools)."""

    def record(self, action: str, outcome: str, **details: Any) -> None:
        return None

    def record_send(self, record: SendRecord, known: Collection[str]) -> SendRecord | None:
        return None

    def recorded_sends(self, chain_id: int, safe_tx_hash: SafeTxHash) -> list[SendRecord]:
        return []


class Rehearser(Protocol):
    """Runs one Safe's plans, in nonce order, on a private fork (see
    `fork.rehearsal.rehearse_on_fork`): one ForkRun per plan, in that order."""

    def __call__(
        self,
        origin_url: str,
        plans: Sequence[Plan],
        queued: Sequence[QueuedTx] | None,
        *,
        fork_block: int | None = None,
        progress: Progress = ...,
        pinned: bool = False,
        prefetch: Prefetch | None = None,
    ) -> list[ForkRun]: ...
