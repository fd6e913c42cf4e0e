"""`[safes.NAME]`: chain, address, RPC endpoints, where proposals go, what the chain must show."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from pathlib import Path

from safeops.core.policy.env import expand, has_references, url_problem
from safeops.core.policy.libraries import read_libraries
from safeops.core.policy.model import (
    LocalProposals,
    Proposals,
    SafeEntry,
    SafeExpect,
    ServiceProposals,
    SignatureKinds,
    SignerEntry,
)
from safeops.core.policy.reader import Table, check_address, kind_of, unknown_reference
from safeops.core.transactions.safe_tx import KNOWN_SAFE_VERSIONS

SAFE_KEYS = ("chain_id", "address", "rpc", "proposals", "expect", "signatures", "libraries")
SIGNATURE_KINDS = ("eth_sign", "approved_hash", "contract")
EXPECT_KEYS = (
    "version",
    "threshold",
    "owners",
    "modules",
    "guard",
    "fallback_handler",
    "singleton",
    "module_guard",
)
DEFAULT_PROPOSALS = "local:.safeops/proposals"
RPC_SCHEMES = ("http", "https", "ws", "wss")


def read_safes(
    entries: Mapping[str, Table],
    *,
    signers: Mapping[str, SignerEntry],
    signer_names: Collection[str],
    base: Path,
    environ: Mapping[str, str] | None,
) -> dict[str, SafeEntry]:
    """The Safes that read without a problem; the others' problems are recorded."""
    safes: dict[str, SafeEntry] = {}
    for name, table in entries.items():
        before = len(table.problems.items)
        table.check_keys(SAFE_KEYS)
        chain_id = table.integer("chain_id", minimum=1)
        address = table.address("address")
        rpc = _rpc(table, environ)
        proposals = _proposals(table, base, environ)
        expect = _expect(table, signers, signer_names)
        kinds = _signature_kinds(table)
        libraries = read_libraries(table)
        if chain_id is None or address is None or rpc is None or proposals is None:
            continue
        if expect is None or kinds is None or libraries is None:
            continue
        if len(table.problems.items) != before:
            continue
        safes[name] = SafeEntry(
            name, chain_id, address, rpc[0], rpc[1], proposals, expect, kinds, libraries
        )
    return safes


def _rpc(
    table: Table, environ: Mapping[str, str] | None
) -> tuple[tuple[str, ...], tuple[str, ...]] | None:
    """(expanded URLs, URLs as written), or None after recording the problems."""
    items = table.array("rpc")
    if items is None:
        return None
    if not items:
        table.add("rpc", "needs at least one RPC URL (two or more are cross-checked)")
        return None
    expanded: list[str] = []
    written: list[str] = []
    for index, item in enumerate(items):
        path = table.at("rpc", index)
        if not isinstance(item, str):
            table.problems.add(path, f"expected a URL string, got {kind_of(item)}")
            continue
        url = _url(item, path, table, environ, RPC_SCHEMES)
        if url is None:
            continue
        if url in expanded:
            first = expanded.index(url)
            table.problems.add(path, f"repeats rpc[{first}]: cross-checking needs distinct RPCs")
            continue
        expanded.append(url)
        written.append(item)
    if len(expanded) != len(items):
        return None
    return tuple(expanded), tuple(written)


def _url(
    text: str,
    path: tuple[str | int, ...],
    table: Table,
    environ: Mapping[str, str] | None,
    schemes: tuple[str, ...],
) -> str | None:
    url, problems = expand(text, environ)
    for problem in problems:
        table.problems.add(path, problem)
    if problems:
        return None
    if environ is None and has_references(text):
        return url  # not expanded: the scheme may come from the variable
    wrong = url_problem(url, schemes, show=not has_references(text))
    if wrong is not None:
        table.problems.add(path, wrong)
        return None
    return url


def _proposals(table: Table, base: Path, environ: Mapping[str, str] | None) -> Proposals | None:
    if "proposals" not in table.data:
        return LocalProposals(base / DEFAULT_PROPOSALS.removeprefix("local:"))
    value = table.string("proposals")
    if value is None:
        return None
    kind, colon, rest = value.partition(":")
    if kind == "local" and rest.strip():
        return LocalProposals(base / rest)
    if kind == "tx-service" and not colon:
        return ServiceProposals(None)
    if kind == "tx-service" and rest:
        service = _url(rest, table.at("proposals"), table, environ, ("https", "http"))
        return None if service is None else ServiceProposals(service)
    table.add(
        "proposals",
        f'unknown proposals {value!r}: use "local:DIR", "tx-service" or "tx-service:URL"',
    )
    return None


def _expect(
    table: Table, signers: Mapping[str, SignerEntry], signer_names: Collection[str]
) -> SafeExpect | None:
    expect = table.table("expect")
    if expect is None:
        return None
    expect.check_keys(EXPECT_KEYS)
    version = expect.string("version")
    if version is not None and version not in KNOWN_SAFE_VERSIONS:
        known = ", ".join(KNOWN_SAFE_VERSIONS)
        expect.add("version", f"unknown Safe version {version!r}; known: {known}")
        version = None
    threshold = expect.integer("threshold", minimum=1)
    owners = expect.names("owners")
    if owners is not None and threshold is not None and threshold > len(owners):
        expect.add("threshold", f"threshold {threshold} exceeds the {len(owners)} owners")
        threshold = None
    owner_addresses = _owner_addresses(expect, owners, signers, signer_names)
    modules = _modules(expect)
    guard = expect.address("guard", required=False, allow_zero=True)
    handler = expect.address("fallback_handler", required=False, allow_zero=True)
    singleton = expect.address("singleton", required=False)
    module_guard = expect.address("module_guard", required=False, allow_zero=True)
    if "module_guard" in expect.data and version is not None and _number(version) < (1, 5, 0):
        expect.add("module_guard", f"module guards exist from Safe 1.5.0; this Safe is {version}")
        return None
    if version is None or threshold is None or owners is None or owner_addresses is None:
        return None
    return SafeExpect(
        version,
        threshold,
        tuple(owners),
        owner_addresses,
        modules,
        guard,
        handler,
        singleton,
        module_guard,
    )


def _signature_kinds(table: Table) -> SignatureKinds | None:
    """`signatures = { eth_sign = false, approved_hash = true, contract = true }`; each key is
    optional (the defaults are those) and must be a boolean."""
    if "signatures" not in table.data:
        return SignatureKinds()
    kinds = table.table("signatures")
    if kinds is None:
        return None
    kinds.check_keys(SIGNATURE_KINDS)
    chosen: dict[str, bool] = {}
    for key in SIGNATURE_KINDS:
        value = kinds.data.get(key)
        if value is None:
            continue
        if not isinstance(value, bool):
            kinds.add(key, f"expected true or false, got {kind_of(value)}")
            return None
        chosen[key] = value
    return SignatureKinds(**chosen)


def _number(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split("."))


def _owner_addresses(
    expect: Table,
    owners: list[str] | None,
    signers: Mapping[str, SignerEntry],
    signer_names: Collection[str],
) -> tuple[str, ...] | None:
    if owners is None:
        return None
    addresses: list[str] = []
    for index, owner in enumerate(owners):
        if owner not in signer_names:
            message = unknown_reference("signer", owner, signer_names)
            expect.problems.add(expect.at("owners", index), message)
        elif owner in signers:
            addresses.append(signers[owner].address)
    return tuple(addresses) if len(addresses) == len(owners) else None


def _modules(expect: Table) -> tuple[str, ...] | None:
    items = expect.array("modules", required=False)
    if items is None:
        return None
    modules: list[str] = []
    for index, item in enumerate(items):
        address = check_address(item, expect.at("modules", index), expect.problems)
        if address is not None and address in modules:
            expect.problems.add(expect.at("modules", index), f"{address} is listed twice")
        elif address is not None:
            modules.append(address)
    return tuple(modules)
