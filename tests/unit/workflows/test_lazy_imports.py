"""The emergency path loads safe-eth-py only for the Transaction Service (docs/benchmarks.md)."""

from __future__ import annotations

import subprocess
import sys

WORKFLOWS = (
    "safeops.workflows.emergency",
    "safeops.workflows.execute",
    "safeops.workflows.propose",
    "safeops.workflows.sign",
    "safeops.workflows.queue",
)


def test_workflows_do_not_import_safe_eth_for_local_stores() -> None:
    """safe_eth (and py-evm under it) cost ~0.3 s per process; a local store needs neither."""
    probe = (
        "import sys\n"
        f"import {', '.join(WORKFLOWS)}\n"
        "heavy = sorted({m.split('.')[0] for m in sys.modules} & {'safe_eth', 'eth'})\n"
        "print('HEAVY', heavy)\n"
    )
    completed = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=False
    )
    assert completed.returncode == 0, completed.stderr
    assert "HEAVY []" in completed.stdout
