"""One policy Safe's chain through every RPC the policy gives it: what workflows read and send."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from safeops.chain.access_list import rehearsal_prefetch
from safeops.chain.code import read_code_hashes
from safeops.chain.confirmations import verify_confirmations, verify_imported
from safeops.chain.execute import (
    Sent,
    SignedSend,
    TransactionSigner,
    broadcast,
    sign_exec_transaction,
    wait_for_receipt,
)
from safeops.chain.executions import (
    LOOKBACK_BLOCKS,
    Lookup,
    account_nonce,
    find_executions,
    lookup_transaction,
)
from safeops.chain.pools import RpcPools
from safeops.chain.proofs import prove, read_balances
from safeops.chain.reads import balances, block_gas_limit, block_hash
from safeops.chain.rpc import RpcPool
from safeops.chain.safe_reader import read_safe_agreed
from safeops.chain.simulate import Simulation, simulate_safe_tx, simulate_signed
from safeops.core.plan import Postcondition
from safeops.core.policy import SignatureKinds
from safeops.core.rehearsal import CheckResult
from safeops.core.rehearsal.warm import Prefetch
from safeops.core.safe_state import SafeState
from safeops.core.transactions.confirmations import Claim, Classification
from safeops.core.transactions.safe_tx import SafeTx, SafeTxHash, SafeVersion

if TYPE_CHECKING:
    from safeops.core.policy import SafeEntry


class LiveSafeChain:
    """The `SafeChain` of workflows over the run's RPC pools: the pool opens (every RPC's
    chain id checked) on first use, so a command that never reads the chain never waits."""

    def __init__(self, pools: RpcPools, safe: SafeEntry) -> None:
        self.safe = safe
        self._pools = pools

    @property
    def pool(self) -> RpcPool:
        return self._pools.open(self.safe.rpc, self.safe.chain_id)

    def state(self) -> SafeState | None:
        return read_safe_agreed(self.pool, self.safe.address)

    def fresh_state(self) -> SafeState | None:
        return read_safe_agreed(self.pool, self.safe.address, fresh=True)

    def gas_limit(self) -> int:
        return block_gas_limit(self.pool)

    def token_balances(self, holder: str, tokens: Mapping[str, str]) -> dict[str, int]:
        return balances(self.pool, holder, tokens)

    def block_hash(self, number: int) -> str | None:
        return block_hash(self.pool, number)

    def simulate(
        self,
        tx: SafeTx,
        safe_tx_hash: SafeTxHash,
        owner: str,
        block: int,
        *,
        keep_guard: bool,
        nonce_override: bool,
    ) -> Simulation:
        node = self.pool.primary.node
        return simulate_safe_tx(
            node,
            tx,
            safe_tx_hash,
            owner,
            block,
            keep_guard=keep_guard,
            nonce_override=nonce_override,
        )

    def simulate_signed(
        self, tx: SafeTx, safe_tx_hash: SafeTxHash, executor: str, block: int, signatures: bytes
    ) -> Simulation:
        return simulate_signed(
            self.pool.primary.node, tx, safe_tx_hash, executor, block, signatures
        )

    def read_balances(self, postconditions: Sequence[Postcondition], block: int) -> list[int]:
        return read_balances(self.pool.primary, postconditions, block)

    def prove(
        self, postconditions: Sequence[Postcondition], before: Sequence[int], block: int
    ) -> list[CheckResult]:
        return prove(self.pool.primary, postconditions, before, block)

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
        return verify_confirmations(
            self.pool,
            tx,
            chain_id,
            version,
            confirmations,
            owners,
            kinds,
            block,
            executor=executor,
            unreadable=unreadable,
        )

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
        return verify_imported(self.pool, tx, chain_id, version, text, owners, kinds, block)

    def sign_send(
        self,
        tx: SafeTx,
        signatures: bytes,
        executor: TransactionSigner,
        nonce: int | None = None,
    ) -> SignedSend:
        node = self.pool.primary.node
        return sign_exec_transaction(node, tx, signatures, executor, self.safe.chain_id, nonce)

    def broadcast(self, signed: SignedSend) -> None:
        broadcast(self.pool.primary.node, signed)

    def lookup(self, tx_hash: str) -> Lookup:
        return lookup_transaction(self.pool, tx_hash)

    def account_nonce(self, address: str) -> int:
        return account_nonce(self.pool, address)

    def find_executions(
        self,
        safe_tx_hashes: Sequence[SafeTxHash],
        to_block: int,
        candidates: Sequence[str] = (),
        lookback_blocks: int | None = None,
    ) -> dict[SafeTxHash, Sent]:
        address = self.safe.address
        blocks = LOOKBACK_BLOCKS if lookback_blocks is None else lookback_blocks
        return find_executions(self.pool, address, safe_tx_hashes, to_block, candidates, blocks)

    def wait(self, tx_hash: str) -> Sent:
        return wait_for_receipt(self.pool.primary.node, tx_hash)

    def prefetch(
        self, txs: Sequence[tuple[SafeTx, SafeTxHash]], state: SafeState, block: int
    ) -> Prefetch:
        return rehearsal_prefetch(self.pool.primary, txs, state, block)

    def code_hashes(
        self, addresses: Sequence[str], block: int | None = None
    ) -> tuple[int, Mapping[str, str | None]]:
        pool = self.pool
        at = pool.pin().block if block is None else block
        return at, read_code_hashes(pool, addresses, at)

    def fork_origin(self) -> str:
        # The first RPC that answers, not rpc[0]: a dead primary must not stop a rehearsal.
        return self.pool.primary.url
