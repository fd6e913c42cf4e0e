"""Start-up: the commands that must answer at once, against safe-cli's `--help`."""

from __future__ import annotations

import sys

from harness import SAFE_CLI, SAFEOPS, Sample, interleave, timed

SAFE = "0xe690d772bCc82DA64dbE2d0Dc83BBfcB3B2c1590"
ROUTER = "0x2279B7A0a67DB372996a5FaB50D91eAA73d2eBe6"

TX_HASH = [SAFEOPS, "--json", "tx", "hash", "--chain-id", "1", "--safe", SAFE]
TX_HASH += ["--safe-version", "1.4.1", "--to", ROUTER, "--nonce", "3", "--data", "0x8456cb59"]

CASES = {
    "safeops --help": [SAFEOPS, "--help"],
    "safeops tx hash (flags, --json)": TX_HASH,
    "safe-cli --help": [str(SAFE_CLI), "--help"],
    "python -c 'import web3' (for scale)": [sys.executable, "-c", "import web3"],
}


def startup(runs: int) -> dict[str, Sample]:
    """Median of `runs` whole-process runs of each case, interleaved; safe-cli only when
    scripts/bench could install it."""
    cases = {
        name: (lambda command=command: timed(command))
        for name, command in CASES.items()
        if name != "safe-cli --help" or SAFE_CLI.exists()
    }
    return interleave(runs, cases)
