"""Test doubles for the workflows: a fake Safe chain, a fake rehearser, and a session on them.

The fakes model what the workflows rely on and nothing more: a chain whose Safe state,
simulations, sends and proofs the test sets; a rehearser that "runs" the plan and any queued
proposals; the in-memory proposal store. The real adapters are tested against anvil.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path

from safeops.chain.execute import Sent
from safeops.chain.simulate import Simulation
from safeops.core.confirmations import (
    ChainFacts,
    Claim,
    Classification,
    Skipped,
    classify,
    read_confirmation,
    read_confirmations,
)
from safeops.core.execution import EXECUTION_SUCCESS, Log
from safeops.core.plan import Plan, Postcondition
from safeops.core.policy import Policy, SafeEntry, SignatureKinds, load_policy
from safeops.core.rehearsal import CheckResult, SafeFinding, split_postconditions
from safeops.core.safe_state import SafeState
from safeops.core.safe_tx import SafeTx, SafeTxHash, SafeVersion, safe_tx_hashes
from safeops.devnet import contracts as c
from safeops.devnet.deploy import ADMIN, DEV_KEYS, GUARDIAN, Deployment
from safeops.devnet.policy_file import render_policy
from safeops.errors import Refused
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


def _key_address(name: str) -> str:
    from eth_account import Account

    return str(Account.from_key(DEV_KEYS[name]).address)


@cache
def policy() -> Policy:
    """The devnet policy over made-up Safe and contract addresses and the devnet's keys."""
    deployment = Deployment(
        chain_id=CHAIN,
        safes={spec.name: address(f"workflow safe {spec.name}") for spec in (GUARDIAN, ADMIN)},
        contracts={
            name: address(f"workflow {name}")
            for name in ("token", "router", "lending", "allowlist", "vault")
        },
        signers={name: _key_address(name) for name in ("oncall", "alice", "bob", "carol")},
    )
    return load_policy(render_policy(deployment, "http://127.0.0.1:1"), "/w/policy.toml", {})


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
    receipt_status: int = 1
    sent: list[SafeTxHash] = field(default_factory=list)
    simulated: list[tuple[SafeTxHash, bool]] = field(default_factory=list)

    def state(self) -> SafeState | None:
        return self.current

    def gas_limit(self) -> int:
        return 30_000_000

    def token_balances(self, holder: str, tokens: Mapping[str, str]) -> dict[str, int]:
        return dict.fromkeys(tokens, 10**30)

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
        _, balances = split_postconditions(postconditions)
        return [0 for _ in balances]

    def prove(
        self, postconditions: Sequence[Postcondition], before: Sequence[int], block: int
    ) -> list[CheckResult]:
        return [check(p, self.proofs_ok) for p in postconditions]

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

    def send(self, tx: SafeTx, signatures: bytes, executor: TransactionSigner) -> str:
        self.sent.append(safe_tx_hashes(tx, self.safe.chain_id, V141).safe_tx_hash)
        if self.current is not None and self.receipt_status == 1:
            self.current = replace(
                self.current, nonce=self.current.nonce + 1, block=self.current.block + 1
            )
        return f"0x{len(self.sent):064x}"

    def wait(self, tx_hash: str) -> Sent:
        logs = (success_log(self.safe.address, self.sent[-1]),) if self.receipt_status else ()
        return Sent(tx_hash, BLOCK + len(self.sent), self.receipt_status, 90_000, logs)

    def fork_origin(self) -> str:
        return f"http://fork-origin.invalid/{self.safe.name}"


def check(postcondition: Postcondition, ok: bool) -> CheckResult:
    actual = postcondition.expected if ok else "something else"
    return CheckResult(
        postcondition.description, postcondition.target, postcondition.expected, actual, ok
    )


@dataclass
class FakeRehearser:
    """Runs nothing: reports the queued proposals and the plan as executed, proofs as set."""

    passed: bool = True
    calls: list[tuple[str, SafeTxHash, tuple[SafeTxHash, ...] | None]] = field(default_factory=list)

    def __call__(
        self,
        origin_url: str,
        plan: Plan,
        queued: Sequence[QueuedTx] | None,
        *,
        fork_block: int | None = None,
        progress: Callable[[str], None] = lambda _: None,
    ) -> ForkRun:
        shown = None if queued is None else tuple(q.safe_tx_hash for q in queued)
        self.calls.append((origin_url, plan.safe_tx_hash, shown))
        stacked = tuple(
            StackedRun(q.safe_tx_hash, q.tx.nonce, q.action, _execution(q.safe_tx_hash, True))
            for q in queued or ()
        )
        execution = _execution(plan.safe_tx_hash, self.passed)
        nonce = SafeFinding("slot 5 (nonce)", "0", "1", True, "the nonce moved by one")
        proofs = Proofs(
            execution,
            tuple(check(p, self.passed) for p in plan.postconditions),
            (nonce,),
        )
        return ForkRun("fake fork", fork_block or BLOCK, NOW - 12, stacked, None, proofs)


def _execution(safe_tx_hash: SafeTxHash, success: bool) -> Execution:
    return Execution(safe_tx_hash, "0x" + "ee" * 32, BLOCK + 1, False, success, 70_000, (), ())


@dataclass
class World:
    """A session on fakes, and the fakes themselves for the test to set and inspect."""

    session: Session
    chains: dict[str, FakeChain]
    rehearser: FakeRehearser
    proposals: dict[tuple[int, SafeTxHash], StoredProposal]

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
    session = Session(
        policy=chosen,
        open_chain=lambda safe: chains[safe.name],
        open_store=lambda safe: MemoryStore(safe.chain_id, safe.address, proposals),
        rehearser=rehearser,
        plan_dir=tmp_path / "plans",
        clock=lambda: NOW,
    )
    return World(session, chains, rehearser, proposals)
