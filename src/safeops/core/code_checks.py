"""Which contracts must have code (and which code) for a Safe transaction or a policy to mean
anything, and what is wrong with the code the chain shows.

A CALL or DELEGATECALL into an account without code succeeds and does nothing: the Safe emits
ExecutionSuccess, uses up its nonce, and "paused" would be a lie. Every address a transaction
calls must hold a contract, and every library it delegatecalls the runtime code of an official
Safe deployment. The facts (code hash per address, at one block) come from the chain adapter.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from contextlib import suppress
from dataclasses import dataclass
from typing import Any

from safeops.core.decoding.decode import decode_call, walk
from safeops.core.deployments import known_deployment, official_code_hashes
from safeops.core.policy import Policy, SafeEntry
from safeops.core.transactions.batch import batcher_for
from safeops.core.transactions.safe_tx import Operation, SafeTx, SafeVersion
from safeops.errors import Refused

# How `Policy.labels()` kinds read in a message: `targets.router` -> `target router`.
_KINDS = {
    "safes": "Safe",
    "signers": "signer",
    "targets": "target",
    "allowlists": "allow-list",
    "vaults": "vault",
    "recipients": "recipient",
    "tokens": "token",
}


@dataclass(frozen=True)
class CodeExpectation:
    """An address that must hold a contract; a library must also hold one of `code_hashes`."""

    address: str
    what: str
    """How the policy (or the deployments table) names it: `target router`."""
    library: str | None = None
    """The official contract a library must be (`MultiSendCallOnly`); None for a contract."""
    code_hashes: frozenset[str] = frozenset()


@dataclass(frozen=True)
class CodeProblem:
    """An address whose code is missing or is not what it must be."""

    address: str
    what: str
    message: str

    def to_json(self) -> dict[str, Any]:
        return {"address": self.address, "what": self.what, "message": self.message}


def _label(policy: Policy, address: str) -> str:
    label = policy.labels().get(address)
    if label is None:
        return "not in the policy"
    kind, _, name = label.partition(".")
    return f"{_KINDS.get(kind, kind)} {name}"


def library_expectation(safe: SafeEntry, address: str) -> CodeExpectation:
    """What a DELEGATECALL of `safe` into `address` needs: the policy's own library has the
    code of any official version of its contract; an official address has exactly its own;
    any other address at least some code."""
    for key, contract, declared in safe.libraries.declared():
        if declared == address:
            what = f"{contract} at libraries.{key} of Safe {safe.name}"
            return CodeExpectation(address, what, contract, official_code_hashes(contract))
    official = known_deployment(address)
    if official is not None:
        return CodeExpectation(
            address, official.describe(), official.name, frozenset({official.code_hash})
        )
    # Untrusted: the policy refuses it (DELEGATECALL_NOT_ALLOWED), while a fork rehearsal
    # still runs it to show what it would do. Here it only must not be a no-op.
    return CodeExpectation(address, "delegatecall target, not a Safe library")


def _token_words(policy: Policy) -> dict[bytes, str]:
    """Each ERC-20 of the policy as the ABI word a call would carry it in."""
    return {
        bytes(12) + bytes.fromhex(token.address[2:]): token.address
        for token in policy.tokens.values()
        if not token.is_native
    }


def _tokens_in(data: bytes, words: Mapping[bytes, str]) -> list[str]:
    """The policy tokens a call's arguments name (any ABI word after the selector)."""
    body = data[4:]
    found = (words.get(body[i : i + 32]) for i in range(0, len(body) - 31, 32))
    return [token for token in found if token is not None]


def tx_expectations(policy: Policy, safe: SafeEntry, tx: SafeTx) -> list[CodeExpectation]:
    """Every contract `tx` calls or delegatecalls, batches included, and the policy tokens its
    calls pass as arguments (a withdrawal's token), each once, in call order."""
    expectations: list[CodeExpectation] = []
    words = _token_words(policy)
    decoded = decode_call(tx.to, tx.value, tx.data, tx.operation)
    for _, call in walk(decoded):
        if call.operation == Operation.DELEGATECALL:
            expectations.append(library_expectation(safe, call.to))
            continue
        expectations.append(CodeExpectation(call.to, _label(policy, call.to)))
        if not call.inner:
            tokens = _tokens_in(call.data, words)
            expectations += [CodeExpectation(t, _label(policy, t)) for t in tokens]
    return _once(expectations)


def policy_expectations(
    policy: Policy, safe: SafeEntry, version: SafeVersion
) -> list[CodeExpectation]:
    """Every contract the policy has `safe` act on (targets, allow-lists, vaults and their
    tokens) and the libraries it uses (its own, or the official MultiSendCallOnly it batches
    through), each once."""
    name = safe.name
    addresses = [
        t.address
        for t in policy.targets.values()
        if any(a is not None and a.safe == name for a in (t.pause, t.unpause))
    ]
    addresses += [a.address for a in policy.allowlists.values() if a.safe == name]
    for vault in (v for v in policy.vaults.values() if v.safe == name):
        addresses.append(vault.address)
        tokens = (policy.tokens[t] for t in vault.tokens if t in policy.tokens)
        addresses += [token.address for token in tokens if not token.is_native]
    expectations = [CodeExpectation(a, _label(policy, a)) for a in addresses]
    libraries = [address for _, _, address in safe.libraries.declared()]
    if safe.libraries.multisend_call_only is None:
        # No official one for this Safe: no batches, and planning says so when it needs one.
        with suppress(Refused):
            libraries.append(batcher_for(safe, version))
    expectations += [library_expectation(safe, address) for address in libraries]
    return _once(expectations)


def _once(expectations: Iterable[CodeExpectation]) -> list[CodeExpectation]:
    by_address: dict[str, CodeExpectation] = {}
    for expectation in expectations:
        kept = by_address.setdefault(expectation.address, expectation)
        if kept.library is None and expectation.library is not None:
            by_address[expectation.address] = expectation  # the stricter need wins
    return list(by_address.values())


def code_problems(
    expectations: Iterable[CodeExpectation], code_hashes: Mapping[str, str | None]
) -> list[CodeProblem]:
    """What is wrong, given each address's runtime code hash (None: no code there)."""
    problems: list[CodeProblem] = []
    for need in expectations:
        found = code_hashes[need.address]
        if found is None:
            kind = "library" if need.library else "contract"
            message = f"no {kind} at {need.address} ({need.what}): a call there does nothing"
            problems.append(CodeProblem(need.address, need.what, message))
        elif need.library is not None and found.lower() not in need.code_hashes:
            message = (
                f"library {need.address} ({need.what}) does not have the code of an official "
                f"{need.library} deployment (code hash {found})"
            )
            problems.append(CodeProblem(need.address, need.what, message))
    return problems
