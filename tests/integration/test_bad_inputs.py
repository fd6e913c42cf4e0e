"""The bad-input corpus: every case in tests/fixtures/bad/cases.toml fails with one clear line.

Each case runs the CLI in-process through its real error boundary against the session's devnet
and must exit with its code (2 bad input, 1 refused), print `error: ...` (with the case's
fragment) as the first stderr line and a non-empty `hint:` line after it, and never a traceback.
"""

from __future__ import annotations

import contextlib
import io
import json
import shutil
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from safeops.chain.anvil import AnvilProcess
from safeops.core.plan import plan_from_json
from safeops.devnet.policy_file import render_policy
from tests.helpers import cli, store_plan

if TYPE_CHECKING:
    from web3 import Web3

    from safeops.devnet.deploy import Deployment

pytestmark = pytest.mark.integration

BAD = Path(__file__).parent.parent / "fixtures" / "bad"
KINDS = {
    "address",
    "amount",
    "signature",
    "nonce",
    "service-json",
    "plan",
    "tx-builder",
    "policy",
    "name",
    "keys",
    "file",
}
SETUPS = {"proposal", "spend_nonce"}
# The fixtures name the guardian Safe by address: CREATE2 puts it at the same place on every
# devnet, and a change there must show up here rather than as puzzling failures.
GUARDIAN = "0xe690d772bCc82DA64dbE2d0Dc83BBfcB3B2c1590"
STRANGER_KEY = "0x" + "42" * 32  # owns nothing
NONCE_SLOT = "0x5"


@dataclass(frozen=True)
class Case:
    id: str
    kind: str
    args: tuple[str, ...]
    exit: int
    error: str
    hint: str | None = None
    file: str | None = None
    setup: tuple[str, ...] = ()
    xfail: str | None = None


def _load_cases() -> list[Case]:
    document = tomllib.loads((BAD / "cases.toml").read_text(encoding="utf-8"))
    cases = []
    for raw in document["case"]:
        case = Case(**{**raw, "args": tuple(raw["args"]), "setup": tuple(raw.get("setup", ()))})
        assert case.kind in KINDS, f"{case.id}: unknown kind {case.kind!r}"
        assert set(case.setup) <= SETUPS, f"{case.id}: unknown setup {case.setup}"
        assert case.exit in (1, 2), f"{case.id}: the corpus is about exit 1 and 2"
        assert case.file is None or (BAD / case.file).is_file(), f"{case.id}: no {case.file}"
        cases.append(case)
    ids = [case.id for case in cases]
    assert len(ids) == len(set(ids)), "case ids must be unique"
    return cases


CASES = _load_cases()


def _params() -> list[Any]:
    return [
        pytest.param(
            case,
            id=case.id,
            marks=[pytest.mark.xfail(strict=True, reason=case.xfail)] if case.xfail else [],
        )
        for case in CASES
    ]


@dataclass(frozen=True)
class World:
    """The devnet policy in a folder of its own, and one plan of it, made once for the module."""

    root: Path
    policy: Path
    plan: dict[str, Any]

    @property
    def safe_tx_hash(self) -> str:
        return str(self.plan["safeTxHash"])

    @property
    def store(self) -> Path:
        return self.root / "proposals"  # the policy's `local:proposals`


@pytest.fixture(scope="module")
def world(
    tmp_path_factory: pytest.TempPathFactory, anvil: AnvilProcess, devnet: Deployment
) -> World:
    assert devnet.safes["guardian"] == GUARDIAN, "the fixtures' guardian address moved"
    root = tmp_path_factory.mktemp("bad-inputs")
    policy = root / "policy.toml"
    policy.write_text(render_policy(devnet, anvil.rpc_url))
    out = root / "plans"
    planned = cli_json("--policy", str(policy), "plan", "pause", "router", "--out-dir", str(out))
    plan = json.loads(Path(planned["plan"]).read_text())
    assert plan["nonce"] == 0
    return World(root, policy, plan)


def cli_json(*args: str) -> dict[str, Any]:
    """Run a setup command with `--json` where no test's capsys is available; it must succeed."""
    from safeops.cli.app import main

    stdout, stderr = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
        code = main(["--json", *args])
    assert code == 0, stderr.getvalue()
    document = json.loads(stdout.getvalue())
    assert isinstance(document, dict)
    return document


def _stranger_signature(safe_tx_hash: str) -> str:
    from eth_account import Account

    signed = Account.from_key(STRANGER_KEY).unsafe_sign_hash(bytes.fromhex(safe_tx_hash[2:]))
    return "0x" + bytes(signed.signature).hex()


@pytest.fixture
def isolated(
    world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, w3: Web3
) -> Iterator[Path]:
    """Each case in its own folder and on a reverted chain, with an empty proposal store."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SAFEOPS_AUDIT_LOG", str(tmp_path / "audit.jsonl"))
    monkeypatch.delenv("SAFEOPS_POLICY", raising=False)
    shutil.rmtree(world.root / "proposals", ignore_errors=True)
    yield tmp_path
    shutil.rmtree(world.root / "proposals", ignore_errors=True)


def _arguments(case: Case, world: World, folder: Path) -> list[str]:
    plan = folder / "plan.json"
    plan.write_text(json.dumps(world.plan, indent=2))
    (folder / "a-directory").mkdir()
    values = {
        "{fixture}": str(BAD / case.file) if case.file else "",
        "{policy}": str(world.policy),
        "{dir}": str(folder / "a-directory"),
        "{out}": str(folder / "plans"),
        "{plan}": str(plan),
        "{hash}": world.safe_tx_hash,
        "{stranger_signature}": _stranger_signature(world.safe_tx_hash),
    }
    arguments = []
    for arg in case.args:
        for placeholder, value in values.items():
            arg = arg.replace(placeholder, value)
        arguments.append(arg)
    return arguments


def _prepare(case: Case, world: World, w3: Web3) -> None:
    if "proposal" in case.setup or any("{hash}" in arg for arg in case.args):
        store_plan(world.store, plan_from_json(world.plan), proposer="oncall")
    if "spend_nonce" in case.setup:  # someone executed nonce 0 meanwhile
        w3.provider.make_request(
            "anvil_setStorageAt",  # type: ignore[arg-type]
            [GUARDIAN, NONCE_SLOT, "0x" + "00" * 31 + "01"],
        )


@pytest.mark.parametrize("case", _params())
def test_bad_input_fails_cleanly(
    case: Case,
    world: World,
    isolated: Path,
    w3: Web3,
    capsys: pytest.CaptureFixture[str],
) -> None:
    arguments = _arguments(case, world, isolated)
    _prepare(case, world, w3)
    # --json keeps progress lines ("reviewing … for Safe …") off stderr, so what is left there
    # is exactly what the operator is told went wrong; stdout holds the one JSON object.
    run = cli(capsys, "--json", *arguments)
    assert "Traceback" not in run.stdout + run.stderr
    assert "internal error" not in run.stderr
    lines = run.stderr.splitlines()
    assert lines, f"nothing on stderr (exit {run.code})"
    assert lines[0].startswith("error: "), run.stderr
    assert case.error in lines[0], run.stderr
    # Every error says what to do next: one error line, one non-empty hint line.
    assert len(lines) == 2, f"not an error and a hint:\n{run.stderr}"
    assert lines[1].startswith("hint: "), run.stderr
    assert lines[1].removeprefix("hint: ").strip(), run.stderr
    if case.hint is not None:
        assert case.hint in lines[1], run.stderr
    assert run.code == case.exit, run.stderr
    document = run.json  # exactly one JSON object, even on failure
    if "error" in document:  # else the command's own report came out before it refused
        assert document["error"]["exit_code"] == case.exit
        assert document["error"]["message"] == lines[0].removeprefix("error: ")
        assert document["error"]["hint"] == lines[1].removeprefix("hint: ")


def test_the_corpus_covers_every_kind() -> None:
    counts = {kind: sum(case.kind == kind for case in CASES) for kind in sorted(KINDS)}
    assert all(counts.values()), counts
    files = [path for path in BAD.rglob("*") if path.is_file() and path.name != "cases.toml"]
    assert len(CASES) >= 60
    assert len(files) >= 60
    used = {BAD / case.file for case in CASES if case.file}
    assert not set(files) - used, f"fixtures no case uses: {sorted(set(files) - used)}"
