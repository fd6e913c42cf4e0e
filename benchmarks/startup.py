"""Whole-process timings of the commands people run most, as medians of repeated runs."""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path

RUNS = 15
SAFE = "0xe690d772bCc82DA64dbE2d0Dc83BBfcB3B2c1590"
ROUTER = "0x2279B7A0a67DB372996a5FaB50D91eAA73d2eBe6"
SAFEOPS = [sys.executable, "-m", "safeops"]

CASES = {
    "safeops --help": [*SAFEOPS, "--help"],
    "safeops tx hash (flags, --json)": [
        *SAFEOPS, "--json", "tx", "hash", "--chain-id", "1", "--safe", SAFE,
        "--safe-version", "1.4.1", "--to", ROUTER, "--nonce", "3", "--data", "0x8456cb59",
    ],
    "python -c 'import web3' (for scale)": [sys.executable, "-c", "import web3"],
}  # fmt: skip


def median_seconds(command: list[str], runs: int = RUNS) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def devnet_up_seconds(runs: int = 3) -> float:
    times = []
    for _ in range(runs):
        with tempfile.TemporaryDirectory() as folder:
            start = time.perf_counter()
            subprocess.run([*SAFEOPS, "devnet", "up", "--dir", folder], check=True,
                           capture_output=True)  # fmt: skip
            times.append(time.perf_counter() - start)
            subprocess.run([*SAFEOPS, "devnet", "down", "--dir", folder], check=True,
                           capture_output=True)  # fmt: skip
    return statistics.median(times)


def revoke_1000_seconds() -> float:
    """plan revoke of 1,000 addresses (split by max_batch) and review of every plan: once."""
    from eth_utils.address import to_checksum_address

    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        subprocess.run(
            [*SAFEOPS, "devnet", "up", "--dir", str(root / "devnet")],
            check=True,
            capture_output=True,
        )
        try:
            policy = str(root / "devnet" / "policy.toml")
            addresses = [to_checksum_address(f"0x{i:040x}") for i in range(1, 1001)]
            (root / "list.txt").write_text("\n".join(addresses))
            start = time.perf_counter()
            planned = subprocess.run(
                [
                    *SAFEOPS,
                    "--json",
                    "--policy",
                    policy,
                    "plan",
                    "revoke",
                    "members",
                    "--from-file",
                    str(root / "list.txt"),
                    "--out-dir",
                    str(root / "plans"),
                ],
                check=True,
                capture_output=True,
                text=True,
            )
            for entry in json.loads(planned.stdout)["plans"]:
                subprocess.run(
                    [*SAFEOPS, "--policy", policy, "review", entry["plan"]],
                    check=True,
                    capture_output=True,
                )
            return time.perf_counter() - start
        finally:
            subprocess.run(
                [*SAFEOPS, "devnet", "down", "--dir", str(root / "devnet")], capture_output=True
            )


def main() -> None:
    results = {name: median_seconds(command) for name, command in CASES.items()}
    results["safeops devnet up (deploy everything, 3 runs)"] = devnet_up_seconds()
    results["plan revoke 1,000 addresses + review of its 5 plans (goal < 15 s)"] = (
        revoke_1000_seconds()
    )
    cores = os.cpu_count()
    machine = f"{platform.machine()}, {cores} cores, Python {platform.python_version()}"
    lines = [
        "# Benchmarks",
        "",
        "Written by `./scripts/bench`: medians of whole-process runs "
        f"({RUNS} runs each unless said).",
        "",
        f"- date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        f"- machine: {machine}",
        f"- versions: safeops {version('safeops')}, web3 {version('web3')}, "
        f"safe-eth-py {version('safe-eth-py')}, typer {version('typer')}",
        "",
        "| what | seconds |",
        "|---|---|",
        *[f"| {name} | {seconds:.2f} |" for name, seconds in results.items()],
        "",
        "`--help` and `tx hash` import neither web3 nor safe_eth (a test enforces it): they",
        "cost a fraction of `import web3` alone.",
        "",
    ]
    Path("docs/benchmarks.md").write_text("\n".join(lines))
    print(json.dumps({k: round(v, 4) for k, v in results.items()}, indent=2))


if __name__ == "__main__":
    main()
