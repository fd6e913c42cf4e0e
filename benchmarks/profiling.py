"""Where the time goes: steps of a run, import cost by package, RPC requests, pyinstrument."""

from __future__ import annotations

import re
import statistics
import sys
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from harness import BENCH_DIR, run

PYINSTRUMENT = BENCH_DIR / "pyinstrument"
PROFILES = BENCH_DIR / "profiles"

# The progress lines of `safeops emergency pause` on stderr, and the step each one begins.
STEPS = (
    ("reviewing ", "start-up, policy, key source, the run's read of the Safe, plan"),
    ("rehearsing on a fork", "review (policy, eth_simulateV1)"),
    ("proposing ", "rehearsal (access lists, fork, warm-up, execTransaction, proofs)"),
    ("executing", "propose + sign (store, the key's one fetch)"),
    ("sent ", "execute: fresh read, checks, final simulation, send"),
)
LAST_STEP = "execute: wait for the receipt, prove, report, exit"


def step_medians(
    runs: Sequence[tuple[float, Sequence[tuple[float, str]]]],
) -> list[tuple[str, float]]:
    """Median seconds of each step over `runs` of (total seconds, stderr lines with their
    arrival): a step lasts from its progress line to the next one, the last to the exit.
    Empty when the progress lines are not the expected ones (the CLI changed)."""
    names = [*(name for _, name in STEPS), LAST_STEP]
    per_step: dict[str, list[float]] = {name: [] for name in names}
    for total, lines in runs:
        marks = [0.0]
        for prefix, _ in STEPS:
            found = next((t for t, text in lines if text.startswith(prefix)), None)
            if found is None:
                return []
            marks.append(found)
        for name, begin, end in zip(names, marks, [*marks[1:], total], strict=True):
            per_step[name].append(end - begin)
    return [(name, statistics.median(values)) for name, values in per_step.items() if values]


_IMPORT_LINE = re.compile(r"import time:\s+(\d+) \|\s+(\d+) \|(\s*)(\S+)")


def import_costs(command: Sequence[str], cwd: Path, runs: int = 3) -> list[tuple[str, float]]:
    """`python -X importtime -m safeops COMMAND…`: seconds of each top-level package's own
    import work (the median of `runs`), largest first."""
    totals: dict[str, list[float]] = {}
    for _ in range(runs):
        done = run([sys.executable, "-X", "importtime", "-m", "safeops", *command], cwd=cwd)
        per_package: Counter[str] = Counter()
        for match in _IMPORT_LINE.finditer(done.stderr):
            per_package[match.group(4).split(".")[0]] += int(match.group(1)) / 1e6
        for package, seconds in per_package.items():
            totals.setdefault(package, []).append(seconds)
    medians = [
        (package, statistics.median(values + [0.0] * (runs - len(values))))
        for package, values in totals.items()
    ]
    return sorted(medians, key=lambda item: -item[1])


def pyinstrument(command: Sequence[str], name: str, cwd: Path) -> Path | None:
    """Profile one `python -m safeops …` run with pyinstrument (installed by scripts/bench
    under .bench/); text and HTML reports land in .bench/profiles/. None when it is missing."""
    if not (PYINSTRUMENT / "pyinstrument").is_dir():
        return None
    PROFILES.mkdir(parents=True, exist_ok=True)
    session, report = PROFILES / f"{name}.pyisession", PROFILES / f"{name}.txt"
    env = {"PYTHONPATH": str(PYINSTRUMENT)}
    profiler = [sys.executable, "-m", "pyinstrument"]
    run(
        [*profiler, "-r", "pyisession", "-o", str(session), "-m", "safeops", *command],
        cwd=cwd,
        env=env,
    )
    for renderer, path in (("text", report), ("html", report.with_suffix(".html"))):
        run([*profiler, "--load", str(session), "-r", renderer, "-o", str(path)], env=env)
    return report
