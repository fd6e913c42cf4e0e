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


class _FakeService:
    """Stands in for ServiceStore: records confirmations, stores nothing."""

    def __init__(self) -> None:
        self.confirmations: list[tuple[str, str, str]] = []

    def add_confirmation(self, safe_tx_hash: str, owner: str, signature: str) -> None:
        self.confirmations.append((safe_tx_hash, owner, signature))

    def get(self, safe_tx_hash: str) -> None:
        return None


def test_a_store_that_is_not_local_gets_the_confirmation() -> None:
    """Without the ServiceStore class at import, any non-local store is the Service."""
    from safeops.workflows.signing import add_signature
    from tests.unit.core.test_plan import _plan

    plan, owner, signature = _plan(), "0x" + "11" * 20, "0x" + "ab" * 65
    service = _FakeService()
    stored = add_signature(service, plan, owner, signature)  # type: ignore[arg-type]
    assert stored == {owner: signature}
    assert service.confirmations == [(plan.safe_tx_hash, owner, signature)]
