"""The companion files of `safeops plan`: Transaction Builder batches and EIP-712 typed data."""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING

from safeops.errors import BadInput

if TYPE_CHECKING:
    from safeops.workflows.plan import WrittenPlan


def check_outputs(out_dir: Path, tx_builder: Path | None, typed_data: Path | None) -> None:
    """Refuse unusable output paths before any plan file is written, not halfway through."""
    if out_dir.exists() and not out_dir.is_dir():
        raise BadInput(
            f"--out-dir {out_dir} is not a directory",
            hint="Give a folder, or leave --out-dir out to use the safeops home.",
        )
    for option, path in (("--tx-builder", tx_builder), ("--typed-data", typed_data)):
        if path is not None and path.is_dir():
            raise BadInput(
                f"{option} {path} is a directory: give a file name",
                hint=f"For example {option} {path / 'batch.json'}.",
            )


def write_exports(
    written: list[WrittenPlan], tx_builder: Path | None, typed_data: Path | None
) -> dict[str, dict[str, str]]:
    """Write the optional companion files; with several plans each gets a numbered name."""
    from safeops.core.transactions.tx_builder import BuilderCall, build_batch
    from safeops.core.transactions.typed_data import safe_tx_typed_data
    from safeops.workflows.plan_files import write_json

    def numbered(path: Path, index: int) -> Path:
        return path if len(written) == 1 else path.with_name(f"{path.stem}-{index}{path.suffix}")

    found: dict[str, dict[str, str]] = {}
    for index, item in enumerate(written, start=1):
        plan, files = item.plan, {}
        if tx_builder is not None:
            calls = [BuilderCall(c.to, c.value, c.data) for c in plan.calls]
            batch = build_batch(
                calls,
                plan.chain_id,
                plan.tx.safe,
                f"safeops {plan.action} {plan.part[0]}/{plan.part[1]}",
                f"safeTxHash {plan.safe_tx_hash} (nonce {plan.tx.nonce})",
                int(time.time() * 1000),
            )
            files["tx_builder"] = str(write_json(numbered(tx_builder, index), batch))
        if typed_data is not None:
            typed = safe_tx_typed_data(plan.tx, plan.chain_id, plan.safe_version)
            files["typed_data"] = str(write_json(numbered(typed_data, index), typed))
        found[plan.safe_tx_hash.hex0x] = files
    return found
