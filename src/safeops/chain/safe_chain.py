"""One policy Safe's chain through every RPC the policy gives it: what workflows read and send."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from safeops.chain.confirmations import verify_confirmations, verify_imported
from safeops.chain.execute import Sent, TransactionSigner, send_exec_transaction, wait_for_receipt
from safeops.chain.proofs import prove, read_balances
from safeops.chain.reads import balances, block_gas_limit
from safeops.chain.rpc import RpcPool, RpcPools
from safeops.chain.safe_reader import read_safe_agreed
from safeops.chain.simulate import Simulation, simulate_safe_tx, simulate_signed
from safeops.core.confirmations import Claim, Classification
from safeops.core.plan import Postcondition
from safeops.core.policy import SignatureKinds
from safeops.core.rehearsal import CheckResult
from safeops.core.safe_state import SafeState
from safeops.core.safe_tx import SafeTx, SafeTxHash, SafeVersion

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

    def gas_limit(self) -> int:
        return block_gas_limit(self.pool)

    def token_balances(self, holder: str, tokens: Mapping[str, str]) -> dict[str, int]:
        return balances(self.pool, holder, tokens)

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
        w3 = self.pool.primary.w3
        return simulate_safe_tx(
            w3, tx, safe_tx_hash, owner, block, keep_guard=keep_guard, nonce_override=nonce_override
        )

    def simulate_signed(
        self, tx: SafeTx, safe_tx_hash: SafeTxHash, executor: str, block: int, signatures: bytes
    ) -> Simulation:
        return simulate_signed(self.pool.primary.w3, tx, safe_tx_hash, executor, block, signatures)

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

    def send(self, tx: SafeTx, signatures: bytes, executor: TransactionSigner) -> str:
        return send_exec_transaction(
            self.pool.primary.w3, tx, signatures, executor, self.safe.chain_id
        )

    def wait(self, tx_hash: str) -> Sent:
        return wait_for_receipt(self.pool.primary.w3, tx_hash)

    def fork_origin(self) -> str:
        # The first RPC that answers, not rpc[0]: a dead primary must not stop a rehearsal.
        return self.pool.primary.url
