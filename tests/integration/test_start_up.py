"""Commands that read the chain load no web3, eth_account, eth_keyfile or py_ecc: about a second
of imports (py_ecc's BLS pairing tables alone ~0.3 s) that no step of theirs uses."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from safeops.chain.anvil import AnvilProcess
from safeops.devnet.policy_file import render_policy

if TYPE_CHECKING:
    from web3 import Web3

    from safeops.devnet.deploy import Deployment

pytestmark = pytest.mark.integration
HEAVY = ("web3", "eth_account", "eth_keyfile", "py_ecc", "safe_eth", "aiohttp")


def _run_probed(args: list[str], cwd: Path) -> tuple[dict[str, object], list[str]]:
    """Run the CLI in a fresh interpreter; its JSON and the heavy packages it imported."""
    probe = (
        "import json, sys\n"
        "from safeops.cli.app import main\n"
        f"code = main({args!r})\n"
        f"heavy = sorted({{m.split('.')[0] for m in sys.modules}} & set({HEAVY!r}))\n"
        "print('HEAVY', json.dumps(heavy), file=sys.stderr)\n"
        "sys.exit(code)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=120, cwd=cwd
    )
    assert done.returncode == 0, done.stderr
    line = next(x for x in done.stderr.splitlines() if x.startswith("HEAVY "))
    return json.loads(done.stdout), json.loads(line.removeprefix("HEAVY "))


def test_plan_review_and_rehearse_import_no_web3_nor_keystore_code(
    tmp_path: Path, anvil: AnvilProcess, devnet: Deployment, w3: Web3
) -> None:
    policy = tmp_path / "policy.toml"
    policy.write_text(render_policy(devnet, anvil.rpc_url))
    base = ["--json", "--policy", str(policy)]

    planned, heavy = _run_probed([*base, "plan", "pause", "router"], tmp_path)
    assert heavy == []
    plan = str(planned["plan"])
    reviewed, heavy = _run_probed([*base, "review", plan], tmp_path)
    assert (reviewed["ok"], heavy) == (True, [])
    rehearsed, heavy = _run_probed([*base, "rehearse", plan], tmp_path)
    assert (rehearsed["passed"], heavy) == (True, [])
