"""Test doubles for the workflows: a fake Safe chain, a fake rehearser, and a session on them.

The fakes model what the workflows rely on and nothing more: a chain whose Safe state,
simulations, sends and proofs the test sets; a rehearser that "runs" the plan and any queued
proposals; the in-memory proposal store. The real adapters are tested against anvil.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path

from eth_hash.auto import keccak

from safeops.audit.log import AuditUnavailable
from safeops.chain.execute import Sent, SignedSend, TransactionPending
from safeops.chain.simulate import Simulation
from safeops.core.deployments import known_deployment, official_code_hashes
from safeops.core.plan import Plan, Postcondition
from safeops.core.policy import Policy, SafeEntry, SignatureKinds, load_policy
from safeops.core.rehearsal import CheckResult, SafeFinding, split_postconditions
from safeops.core.rehearsal.warm import Prefetch
from safeops.core.safe_state import SafeState
from safeops.core.sending import (
    ABANDONED,
    RECORDED,
    SENDING,
    SendRecord,
    send_record_from_json,
)
from safeops.core.transactions.confirmations import (
    ChainFacts,
    Claim,
    Classification,
    Skipped,
    classify,
    read_confirmation,
    read_confirmations,
)
from safeops.core.transactions.execution import EXECUTION_SUCCESS, Log, execution_outcome
from safeops.core.transactions.safe_tx import SafeTx, SafeTxHash, SafeVersion, safe_tx_hashes
from safeops.devnet import contracts as c
from safeops.devnet.deploy import ADMIN, DEV_KEYS, GUARDIAN, Deployment
from safeops.devnet.policy_file import ChainBlock, chain_suffix, render_chains_policy, render_policy
from safeops.errors import Refused, RpcUnavailable, SafeOpsError
from safeops.fork.execute import Execution
from safeops.fork.proofs import Proofs
from safeops.fork.rehearsal import ForkRun, QueuedTx, StackedRun
from safeops.keys.signer import JustInTimeSigner
from safeops.proposals.base import ProposalStore, StoredProposal
from safeops.proposals.memory import MemoryStore
from safeops.workflows.ports import TransactionSigner
from safeops.workflows.session import Session
from tests.unit.core.policy.sample import address

CHAIN = 31337
NOW = 1_800_000_000
BLOCK = 1_000
V141 = SafeVersion.parse("1.4.1")
ZERO = "0x0000000000000000000000000000000000000000"


def block_hash(number: int) -> str:
    """The fake chain's hash of block `number`; the fake fork reports the same."""
    return f"0x{number:064x}"


def _key_address(name: str) -> str:
    from eth_account import Account

    return str(Account.from_key(DEV_KEYS[name]).address)


@cache
def policy(max_batch: int = 200) -> Policy:
    """The devnet policy over made-up Safe and contract addresses and the devnet's keys (with
    `max_batch` accounts per revoke plan)."""
    deployment = Deployment(
        chain_id=CHAIN,
        safes={spec.name: address(f"workflow safe {spec.name}") for spec in (GUARDIAN, ADMIN)},
        contracts={
            name: address(f"workflow {name}")
            for name in ("token", "router", "lending", "allowlist", "vault")
        },
        signers={name: _key_address(name) for name in ("oncall", "alice", "bob", "carol")},
    )
    text = render_policy(deployment, "http://127.0.0.1:1")
    text = text.replace("max_batch = 200", f"max_batch = {max_batch}")
    return load_policy(text, "/w/policy.toml", {})


CHAINS = (CHAIN, CHAIN + 1, CHAIN + 2)
OWN_MULTISEND = address("workflow non-canonical multisend")


@cache
def multichain_policy() -> Policy:
    """The devnet policy over three chains, as `devnet up --chains 3` writes it: the Safes and
    the demo contracts at the same addresses on the first two chains (CREATE2, same deployer
    nonces), the third with Safes of its own and a non-canonical MultiSendCallOnly."""
    blocks = []
    for index, chain_id in enumerate(CHAINS, start=1):
        canonical = index < len(CHAINS)
        seed = "" if canonical else f" on {chain_id}"
        deployment = Deployment(
            chain_id=chain_id,
            safes={
                spec.name: address(f"workflow safe {spec.name}{seed}") for spec in (GUARDIAN, ADMIN)
            },
            contracts={
                name: address(f"workflow {name}")
                for name in ("token", "router", "lending", "allowlist", "vault")
            },
            signers={name: _key_address(name) for name in ("oncall", "alice", "bob", "carol")},
            libraries={} if canonical else {"multisend_call_only": OWN_MULTISEND},
        )
        blocks.append(ChainBlock(deployment, f"http://127.0.0.1:{index}", chain_suffix(index)))
    return load_policy(render_chains_policy(blocks), "/w/policy.toml", {})


def signer(name: str) -> JustInTimeSigner:
    """The policy signer `name` with its devnet key, as the keys layer would open it."""
    key = bytes.fromhex(DEV_KEYS[name][2:])
    return JustInTimeSigner(name, policy().signers[name].address, "test", lambda: key)


def live_state(safe: SafeEntry, **changes: object) -> SafeState:
    """The Safe exactly as the policy expects it, at BLOCK, nonce 0, unless `changes`."""
    state = SafeState(
        address=safe.address,
        block=BLOCK,
        version="1.4.1",
        owners=safe.expect.owner_addresses,
        threshold=safe.expect.threshold,
        nonce=0,
        singleton=c.SAFE_L2_141,
        modules=(),
        guard=ZERO,
        fallback_handler=c.FALLBACK_HANDLER_141,
        module_guard=ZERO,
    )
    return replace(state, **changes)  # type: ignore[arg-type]


def _fields(state: SafeState | None) -> dict[str, object]:
    return {} if state is None else {k: v for k, v in vars(state).items() if k != "address"}


def success_log(safe: str, safe_tx_hash: SafeTxHash) -> Log:
    return Log(safe, (EXECUTION_SUCCESS, safe_tx_hash.raw), bytes(32))


@dataclass
class FakeChain:
    """One Safe's chain. Sending executes: the nonce moves and ExecutionSuccess is logged."""

    safe: SafeEntry
    current: SafeState | None
    simulation_ok: bool = True
    signed_simulation_ok: bool = True
    proofs_ok: bool = True
    already_true: bool = False
    """The views already hold before anything is sent (a no-op, an already paused target)."""
    receipt_status: int = 1
    no_code: set[str] = field(default_factory=set)
    """Addresses where the chain has no code."""
    automine: bool = True
    mine_on_wait: bool = True
    broadcast_lost: bool = False
    broadcast_error: SafeOpsError | None = None
    sent: list[SafeTxHash] = field(default_factory=list)
    """The safeTxHashes executed on this chain, in order."""
    simulated: list[tuple[SafeTxHash, bool]] = field(default_factory=list)
    pinned: SafeState | None = None
    """What the run read at its pinned block, when a test makes it differ from `current`."""
    fresh_reads: int = 0
    signed: dict[str, tuple[SafeTx, SignedSend]] = field(default_factory=dict)
    broadcasts: list[str] = field(default_factory=list)
    mempool: list[str] = field(default_factory=list)
    mined: dict[str, Sent] = field(default_factory=dict)
    sender_nonces: dict[str, int] = field(default_factory=dict)
    searches: int = 0
    holding: set[str] = field(default_factory=set)
    """Contracts whose checks hold already, before anything is sent (a target paused)."""
    log_search_error: SafeOpsError | None = None
    """What the node answers to a search of the Safe's logs (a capped eth_getLogs range)."""
    balance_reads: list[int] = field(default_factory=list)
    """The blocks at which balances were read, in order."""
    down: bool = False
    """Every RPC of this chain is dead: any read fails as the real pool's would."""

    def _reachable(self) -> None:
        if self.down:
            raise RpcUnavailable(
                f"no RPC answers for chain {self.safe.chain_id}: connection failed",
                hint="Check the policy's RPC URLs and that the nodes are reachable.",
            )

    def state(self) -> SafeState | None:
        self._reachable()
        return self.pinned if self.pinned is not None else self.current

    def fresh_state(self) -> SafeState | None:
        self._reachable()
        self.fresh_reads += 1
        return self.current

    def gas_limit(self) -> int:
        return 30_000_000

    def token_balances(self, holder: str, tokens: Mapping[str, str]) -> dict[str, int]:
        return dict.fromkeys(tokens, 10**30)

    def block_hash(self, number: int) -> str | None:
        head = self.current.block if self.current is not None else BLOCK
        return block_hash(number) if number <= head else None

    def _simulation(self, ok: bool, block: int, with_guard: bool) -> Simulation:
        reason = None if ok else "Pausable: paused"
        return Simulation(ok, 80_000, reason, block, (), (), with_guard)

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
        self.simulated.append((safe_tx_hash, keep_guard))
        return self._simulation(self.simulation_ok, block, keep_guard)

    def simulate_signed(
        self, tx: SafeTx, safe_tx_hash: SafeTxHash, executor: str, block: int, signatures: bytes
    ) -> Simulation:
        return self._simulation(self.signed_simulation_ok, block, True)

    def read_balances(self, postconditions: Sequence[Postcondition], block: int) -> list[int]:
        self.balance_reads.append(block)
        _, balances = split_postconditions(postconditions)
        return [0 for _ in balances]

    def prove(
        self, postconditions: Sequence[Postcondition], before: Sequence[int], block: int
    ) -> list[CheckResult]:
        self._reachable()
        if not self.sent:  # nothing executed yet: the views show the state before
            return [check(p, self.already_true or p.target in self.holding) for p in postconditions]
        return [check(p, p.target in self.holding or self.proofs_ok) for p in postconditions]

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
        """The real classification, with a chain on which nothing was approved on chain and
        no contract owner accepts a signature."""
        safe_tx_hash = safe_tx_hashes(tx, chain_id, version).safe_tx_hash.raw
        claims, skipped = read_confirmations(confirmations, safe_tx_hash)
        skipped += [Skipped(owner, why) for owner, why in (unreadable or {}).items()]
        return classify(claims, owners, kinds, ChainFacts(block, executor=executor), skipped)

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
        safe_tx_hash = safe_tx_hashes(tx, chain_id, version).safe_tx_hash.raw
        read = read_confirmation("imported", text, safe_tx_hash)
        if isinstance(read, Skipped):
            raise Refused(read.reason)
        classified = self.verify_confirmations(
            tx, chain_id, version, {read.owner: text}, owners, kinds, block
        )
        if classified.skipped:
            raise Refused(f"the signature is {read.owner}'s: {classified.skipped[0].reason}")
        return classified.usable[0]

    def sign_send(
        self,
        tx: SafeTx,
        signatures: bytes,
        executor: TransactionSigner,
        nonce: int | None = None,
    ) -> SignedSend:
        """Signs a real (tiny) transaction with the executor's key: a key use, a real hash."""
        chosen = self.account_nonce(executor.address) if nonce is None else nonce
        raw = bytes(executor.sign_transaction(_transaction(self.safe, chosen, len(self.signed))))
        signed = SignedSend(raw, "0x" + keccak(raw).hex(), executor.address, chosen)
        self.signed[signed.tx_hash] = (tx, signed)
        return signed

    def broadcast(self, signed: SignedSend) -> None:
        """The node takes it (unless `broadcast_lost`), mines it at once when `automine`,
        and answers with `broadcast_error` when one is set, taken or not."""
        self.broadcasts.append(signed.tx_hash)
        if not self.broadcast_lost:
            self.mempool.append(signed.tx_hash)
            if self.automine:
                self.mine()
        if self.broadcast_error is not None:
            raise self.broadcast_error

    def mine(self) -> None:
        """Mine every transaction in the mempool, in order: the first one of a Safe nonce
        executes, later ones revert (the Safe's nonce moved)."""
        for tx_hash in self.mempool:
            tx, signed = self.signed[tx_hash]
            safe_tx_hash = safe_tx_hashes(tx, self.safe.chain_id, V141).safe_tx_hash
            state = self.current
            executes = state is not None and tx.nonce == state.nonce and self.receipt_status == 1
            block = BLOCK + len(self.mined) + 1
            if executes and state is not None:
                self.sent.append(safe_tx_hash)
                self.current = replace(state, nonce=state.nonce + 1, block=state.block + 1)
            logs = (success_log(self.safe.address, safe_tx_hash),) if executes else ()
            status = 1 if executes else 0
            self.mined[tx_hash] = Sent(tx_hash, block, status, 90_000, logs)
            self.sender_nonces[signed.sender] = signed.nonce + 1
        self.mempool.clear()

    def lookup(self, tx_hash: str) -> Sent | str | None:
        if tx_hash in self.mined:
            return self.mined[tx_hash]
        return "pending" if tx_hash in self.mempool else None

    def account_nonce(self, address: str) -> int:
        return self.sender_nonces.get(address, 0)

    def find_executions(
        self,
        safe_tx_hashes: Sequence[SafeTxHash],
        to_block: int,
        candidates: Sequence[str] = (),
        lookback_blocks: int | None = None,
    ) -> dict[SafeTxHash, Sent]:
        self.searches += 1
        if self.log_search_error is not None:
            raise self.log_search_error
        found: dict[SafeTxHash, Sent] = {}
        for sent in self.mined.values():
            for safe_tx_hash in safe_tx_hashes:
                if execution_outcome(sent.logs, self.safe.address, safe_tx_hash) is True:
                    found[safe_tx_hash] = sent
        return found

    def wait(self, tx_hash: str) -> Sent:
        if tx_hash in self.mempool and self.mine_on_wait:
            self.mine()
        if tx_hash not in self.mined:
            raise TransactionPending(f"transaction {tx_hash} was sent but is not mined")
        return self.mined[tx_hash]

    def code_hashes(
        self, addresses: Sequence[str], block: int | None = None
    ) -> tuple[int, Mapping[str, str | None]]:
        """Official Safe contracts have their official code; anything else some code."""

        def code(address: str) -> str | None:
            if address in self.no_code:
                return None
            official = known_deployment(address)
            if official is not None:
                return official.code_hash
            library = self.safe.libraries.by_address().get(address)
            if library is not None:  # deployed elsewhere with the official code
                return min(official_code_hashes(library))
            return "0x" + "ab" * 32

        return (BLOCK if block is None else block), {a: code(a) for a in addresses}

    def fork_origin(self) -> str:
        return f"http://fork-origin.invalid/{self.safe.name}"

    def prefetch(
        self, txs: Sequence[tuple[SafeTx, SafeTxHash]], state: SafeState, block: int
    ) -> Prefetch:
        return {tx.safe.lower(): frozenset({5}) for tx, _ in txs}


def _transaction(safe: SafeEntry, nonce: int, salt: int) -> dict[str, object]:
    return {
        "chainId": safe.chain_id,
        "nonce": nonce,
        "to": safe.address,
        "value": 0,
        "data": "0x" + f"{salt:08x}",
        "gas": 100_000,
        "maxPriorityFeePerGas": 1,
        "maxFeePerGas": 2,
        "type": 2,
    }


@dataclass
class FakeAudit:
    """The audit trail: entries in a list; `writable = False` plays a full or read-only log."""

    entries: list[tuple[str, str, dict[str, object]]] = field(default_factory=list)
    writable: bool = True

    def _require_writable(self) -> None:
        if not self.writable:
            raise AuditUnavailable("cannot write the audit log: read-only")

    def record(self, action: str, outcome: str, **details: object) -> None:
        self._require_writable()
        self.entries.append((action, outcome, details))

    def record_send(self, record: SendRecord, known: Collection[str]) -> SendRecord | None:
        self._require_writable()
        other = next(
            (
                s
                for s in self.recorded_sends(record.chain_id, record.safe_tx_hash)
                if s.tx_hash not in known
            ),
            None,
        )
        if other is None:
            self.entries.append((SENDING, RECORDED, record.to_json()))
        return other

    def recorded_sends(self, chain_id: int, safe_tx_hash: SafeTxHash) -> list[SendRecord]:
        recorded: dict[str, SendRecord] = {}
        for action, outcome, details in self.entries:
            if action != SENDING:
                continue
            send = send_record_from_json(details)
            if send.chain_id != chain_id or send.safe_tx_hash != safe_tx_hash:
                continue
            if outcome == RECORDED:
                recorded[send.tx_hash] = send
            elif outcome == ABANDONED:
                recorded.pop(send.tx_hash, None)
        return list(recorded.values())

    def sends(self) -> list[str]:
        """The tx hashes of every write-ahead entry, in order."""
        return [str(d["txHash"]) for a, o, d in self.entries if (a, o) == (SENDING, RECORDED)]


def check(postcondition: Postcondition, ok: bool) -> CheckResult:
    actual = postcondition.expected if ok else "something else"
    return CheckResult(
        postcondition.description, postcondition.target, postcondition.expected, actual, ok
    )


@dataclass
class FakeRehearser:
    """Runs nothing: reports the queued proposals and the plan as executed, proofs as set."""

    passed: bool = True
    failing: set[str] = field(default_factory=set)
    """Origins (FakeChain.fork_origin) whose rehearsals fail, when not all of them should."""
    calls: list[tuple[str, SafeTxHash, tuple[SafeTxHash, ...] | None]] = field(default_factory=list)
    forks: list[tuple[int | None, bool, Prefetch | None]] = field(default_factory=list)
    """Each fork started: its block, whether it is the run's pinned one, what it prefetched."""

    def __call__(
        self,
        origin_url: str,
        plans: Sequence[Plan],
        queued: Sequence[QueuedTx] | None,
        *,
        fork_block: int | None = None,
        progress: Callable[[str], None] = lambda _: None,
        pinned: bool = False,
        prefetch: Prefetch | None = None,
    ) -> list[ForkRun]:
        self.forks.append((fork_block, pinned, prefetch))
        runs = []
        for index, plan in enumerate(plans):
            ahead = [q for q in queued or () if q.tx.nonce < plan.tx.nonce]
            if index:  # what ran before it on this fork: the queue is already executed
                ahead = []
            shown = None if queued is None else tuple(q.safe_tx_hash for q in ahead)
            self.calls.append((origin_url, plan.safe_tx_hash, shown))
            stacked = tuple(
                StackedRun(q.safe_tx_hash, q.tx.nonce, q.action, _execution(q.safe_tx_hash, True))
                for q in ahead
            )
            passed = self.passed and origin_url not in self.failing
            execution = _execution(plan.safe_tx_hash, passed)
            nonce = SafeFinding("slot 5 (nonce)", "0", "1", True, "the nonce moved by one")
            proofs = Proofs(
                execution,
                tuple(check(p, passed) for p in plan.postconditions),
                (nonce,),
            )
            block = fork_block or BLOCK
            runs.append(
                ForkRun(
                    "fake fork",
                    block,
                    NOW - 12,
                    stacked,
                    None,
                    proofs,
                    block_hash=block_hash(block),
                )
            )
        return runs


def _execution(safe_tx_hash: SafeTxHash, success: bool) -> Execution:
    return Execution(safe_tx_hash, "0x" + "ee" * 32, BLOCK + 1, False, success, 70_000, (), ())


@dataclass
class World:
    """A session on fakes, and the fakes themselves for the test to set and inspect."""

    session: Session
    chains: dict[str, FakeChain]
    rehearser: FakeRehearser
    proposals: dict[tuple[int, SafeTxHash], StoredProposal]
    audit: FakeAudit

    def chain(self, name: str) -> FakeChain:
        return self.chains[name]

    def set_state(self, name: str, **changes: object) -> None:
        """Change what the chain says about Safe `name` (nonce, threshold, owners, …)."""
        chain = self.chains[name]
        chain.current = live_state(chain.safe, **{**_fields(chain.current), **changes})

    def store(self, name: str) -> ProposalStore:
        return self.session.store(self.session.safe(name))


def world(tmp_path: Path, the_policy: Policy | None = None) -> World:
    """A session on fakes: every policy Safe live as expected, nothing proposed yet."""
    chosen = the_policy or policy()
    chains = {name: FakeChain(safe, live_state(safe)) for name, safe in chosen.safes.items()}
    proposals: dict[tuple[int, SafeTxHash], StoredProposal] = {}
    rehearser = FakeRehearser()
    audit = FakeAudit()
    session = Session(
        policy=chosen,
        open_chain=lambda safe: chains[safe.name],
        open_store=lambda safe: MemoryStore(safe.chain_id, safe.address, proposals),
        rehearser=rehearser,
        plan_dir=tmp_path / "plans",
        clock=lambda: NOW,
        audit=audit,
    )
    return World(session, chains, rehearser, proposals, audit)
