"""Test helpers: run the CLI in-process or as a real process and capture what it prints."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from safeops.cli.app import main


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
