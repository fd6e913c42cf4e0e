"""Test helpers: run the CLI in-process or as a real process and capture what it prints."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from safeops.cli.app import main

if TYPE_CHECKING:
    from safeops.core.plan import Plan
    from safeops.proposals.base import StoredProposal


@dataclass
class Run:
    code: int
    stdout: str
    stderr: str

    @property
    def json(self) -> dict[str, Any]:
        document = json.loads(self.stdout)
        assert isinstance(document, dict)
        return document


def cli(capsys: pytest.CaptureFixture[str], *args: str) -> Run:
    """Run `safeops ARGS` in this process through the real error boundary."""
    code = main(list(args))
    captured = capsys.readouterr()
    return Run(code, captured.out, captured.err)


def cli_process(
    *args: str, cwd: Path | None = None, env: dict[str, str] | None = None, stdin: str = ""
) -> Run:
    """Run `python -m safeops ARGS` as its own process, as an operator would (stdin piped)."""
    completed = subprocess.run(
        [sys.executable, "-m", "safeops", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        input=stdin,
        timeout=120,
        env={**os.environ, "COLUMNS": "200", **(env or {})},
    )
    return Run(completed.returncode, completed.stdout, completed.stderr)


def store_plan(
    directory: Path,
    plan: Plan,
    signatures: dict[str, str] | None = None,
    proposer: str | None = None,
) -> None:
    """File `plan` in the local proposal store at `directory`, as `propose` would."""
    from safeops.proposals.local import LocalStore

    LocalStore(directory, plan.chain_id, plan.tx.safe).put(plan, signatures or {}, proposer)


def read_stored(directory: Path, safe_tx_hash: str) -> StoredProposal | None:
    """The local store's proposal file for `safe_tx_hash` (`<chainId>-<hash>.json`, or the
    old `<hash>.json`), read whatever its Safe and chain."""
    from safeops.proposals.proposal_file import proposal_from_json

    wanted = safe_tx_hash.lower()
    found = sorted(directory.glob(f"*-{wanted}.json")) + sorted(directory.glob(f"{wanted}.json"))
    return proposal_from_json(json.loads(found[0].read_text())) if found else None
