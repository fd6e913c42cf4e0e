"""The on-call experience on the devnet: every printed next step is pasted into a shell and
run as printed; state lives in one home beside the policy, wherever the command runs from."""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from safeops.chain.anvil import AnvilProcess
from safeops.devnet.keystores import write_keystores
from safeops.devnet.policy_file import render_policy
from tests.helpers import Run, cli

if TYPE_CHECKING:
    from web3 import Web3

    from safeops.devnet.deploy import Deployment

pytestmark = pytest.mark.integration
PAUSED = "0x5c975abb"  # paused()


@dataclass(frozen=True)
class Ops:
    """A policy in `ops/`, an engineer standing in `elsewhere/`, and their shell's environment."""

    folder: Path
    elsewhere: Path
    env: dict[str, str]

    @property
    def policy(self) -> Path:
        return self.folder / "policy.toml"

    def shell(self, line: str, **env: str) -> Run:
        """`line` as pasted into bash in `elsewhere/`."""
        done = subprocess.run(
            ["bash", "-c", line],
            cwd=self.elsewhere,
            env={**self.env, **env},
            capture_output=True,
            text=True,
            timeout=180,
            check=False,
        )
        return Run(done.returncode, done.stdout, done.stderr)


@pytest.fixture
def ops(tmp_path: Path, anvil: AnvilProcess, devnet: Deployment, w3: Web3) -> Ops:
    folder, elsewhere = tmp_path / "ops", tmp_path / "elsewhere"
    write_keystores(folder / "keys")
    (folder / "policy.toml").write_text(render_policy(devnet, anvil.rpc_url))
    elsewhere.mkdir()
    # The engineer's shell: `safeops` on PATH, no policy, home or audit log set for them, and
    # a narrow terminal, where a wrapped command would paste as two.
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("SAFEOPS_AUDIT_LOG", "SAFEOPS_POLICY", "SAFEOPS_HOME")
    }
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env["COLUMNS"] = "80"
    return Ops(folder, elsewhere, env)


def next_steps(run: Run) -> list[str]:
    """The printed commands, as a person would select them on screen."""
    assert run.code == 0, run.stdout + run.stderr
    return [line.strip() for line in run.stdout.splitlines() if line.strip().startswith("safeops ")]


def _printed(run: Run) -> list[str]:
    """The printed commands, whatever the exit code (a waiting emergency exits 1)."""
    return [line.strip() for line in run.stdout.splitlines() if line.strip().startswith("safeops ")]


def pick(steps: list[str], verb: str, signer: str | None = None) -> str:
    """The one printed step that runs `verb` (as `signer`)."""
    found = [
        line
        for line in steps
        if verb in shlex.split(line) and (signer is None or line.endswith(f"--signer {signer}"))
    ]
    assert len(found) == 1, steps
    return found[0]


def _paused(w3: Web3, contract: str) -> bool:
    return bool(w3.eth.call({"to": contract, "data": PAUSED})[-1])


def test_pasted_next_steps_take_a_withdrawal_from_plan_to_execution(
    ops: Ops, w3: Web3, devnet: Deployment
) -> None:
    """From another folder, with a relative --policy: each step is the previous one's output."""
    policy = os.path.relpath(ops.policy, ops.elsewhere)
    planned = ops.shell(
        f"safeops --policy {policy} plan withdraw main --token dUSD --amount 2.5 --to cold"
    )
    review = pick(next_steps(planned), "review")
    assert review.startswith(f"safeops --policy {policy} review ../ops/.safeops/plans/31337-0x")
    rehearse = pick(next_steps(ops.shell(review)), "rehearse", "alice")
    propose = pick(next_steps(ops.shell(rehearse)), "propose", "alice")
    proposed = next_steps(ops.shell(propose))
    assert pick(proposed, "sign", "carol")  # every owner still to sign, by name
    assert not [line for line in proposed if line.endswith("--signer alice") and " sign " in line]
    signing = ops.shell(pick(proposed, "sign", "bob"))
    assert "(signers.bob): 2/2 confirmations" in signing.stdout
    signed = next_steps(signing)
    executed = ops.shell(pick(signed, "execute", "oncall"))
    assert executed.code == 0, executed.stderr
    assert "executed" in executed.stdout
    for line in (planned, executed):
        assert "NAME" not in line.stdout
        assert "EXECUTOR" not in line.stdout
    # One home beside the policy: the plan, its record and the whole audit chain are there,
    # nothing in the folder the engineer stood in.
    home = ops.folder / ".safeops"
    assert len(list((home / "plans").glob("*0x*.rehearsal.json"))) == 1
    log = [json.loads(line) for line in (home / "audit.jsonl").read_text().splitlines()]
    # Each command's intent, then its outcome (and execute's write-ahead `sending` entry).
    actions = [entry["action"] for entry in log if entry["action"] != "sending"]
    assert [entry["action"] for entry in log].count("sending") == 1
    assert actions[::2] == actions[1::2]
    assert actions[::2] == [
        "plan withdraw",
        "review",
        "rehearse",
        "propose",
        "sign",
        "execute",
    ]
    assert not (ops.elsewhere / ".safeops").exists()
    # The same chain is found from the policy's own folder.
    here = subprocess.run(
        ["safeops", "--json", "--policy", "policy.toml", "audit", "verify"],
        cwd=ops.folder,
        env=ops.env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert json.loads(here.stdout)["entries"] == len(log) == 13


def test_emergency_names_who_signs_and_executes_and_those_lines_work(
    ops: Ops, w3: Web3, devnet: Deployment
) -> None:
    """With SAFEOPS_POLICY set, the shell has the policy: the printed lines do not repeat it."""
    router = devnet.contracts["router"]
    policy = {"SAFEOPS_POLICY": str(ops.policy)}
    rehearsed = ops.shell("safeops emergency pause router --signer oncall --dry-run", **policy)
    assert not _paused(w3, router)
    assert ops.shell(pick(next_steps(rehearsed), "emergency"), **policy).code == 0
    assert _paused(w3, router)
    # A 2-of-3 Safe: the next owner re-runs the same command to sign, and the one who
    # completes the threshold and may execute, executes and proves it.
    started = ops.shell("safeops emergency unpause router --signer alice", **policy)
    assert started.code == 1  # proposed, waiting for a signature: not done yet
    steps = _printed(started)
    assert all("--policy" not in line for line in steps)
    assert sorted(line.split()[-1] for line in steps) == ["bob", "carol"]
    signed = ops.shell(pick(steps, "emergency", "carol"), **policy)
    done = (
        signed
        if signed.code == 0
        else ops.shell(pick(_printed(signed), "emergency", "alice"), **policy)
    )
    assert done.code == 0, done.stdout + done.stderr
    assert not _paused(w3, router)


def test_a_plan_in_the_working_folders_older_home_is_found_by_its_hash(
    ops: Ops, w3: Web3, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Plans written to ./.safeops/plans before the home moved beside the policy."""
    monkeypatch.chdir(ops.elsewhere)
    monkeypatch.delenv("SAFEOPS_HOME", raising=False)
    older = ops.elsewhere / ".safeops" / "plans"
    run = cli(capsys, "--json", "--policy", str(ops.policy), "plan", "pause", "router")
    planned = Path(run.json["plan"])
    assert planned.parent == ops.folder / ".safeops" / "plans"
    older.mkdir(parents=True)
    shutil.move(planned, older / planned.name)
    rehearsed = cli(
        capsys,
        "--json",
        "--policy",
        str(ops.policy),
        "rehearse",
        planned.stem.split("-", 1)[1],  # by its safeTxHash
        "--signer",
        "oncall",
    )
    assert rehearsed.code == 0, rehearsed.stderr
    assert rehearsed.json["record"]["path"] == str(
        Path(".safeops/plans") / f"{planned.stem}.rehearsal.json"
    )
    assert rehearsed.json["next"][0].startswith(f"safeops --policy {ops.policy} propose .safeops/")


def test_safeops_home_puts_everything_in_one_place(ops: Ops, w3: Web3) -> None:
    home = ops.elsewhere / "state"
    run = ops.shell(
        f"safeops --json --policy {ops.policy} plan pause router", SAFEOPS_HOME=str(home)
    )
    assert run.code == 0, run.stderr
    assert Path(json.loads(run.stdout)["plan"]).parent == home / "plans"
    assert (home / "audit.jsonl").is_file()
    assert not (ops.folder / ".safeops" / "plans").exists()
