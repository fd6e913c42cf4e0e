"""Render the figures as docs/benchmarks.md: machine, versions, date, tables, then the notes."""

from __future__ import annotations

import os
import platform
import subprocess
from dataclasses import dataclass, field
from datetime import datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from flows import Remote
from flows_many import RevokeResults
from harness import BENCH_DIR, ROOT, Sample, met, row
from report_cases import remote, revoke

NOTES = Path(__file__).with_name("notes.md")
SAFE_CLI_PYTHON = BENCH_DIR / "safe-cli" / "bin" / "python"
SAFE_CLI_FAILED = BENCH_DIR / "safe-cli.failed"
PAUSE_GOAL = 0.8  # safeops' whole emergency path ÷ safe-cli's sign + execute


@dataclass
class Figures:
    """Everything one run of the bench measured."""

    started: datetime
    seconds: float
    load: tuple[tuple[float, float, float], tuple[float, float, float]]
    startup: dict[str, Sample]
    pause: dict[str, Sample]
    steps: list[tuple[str, float]]
    remote: list[Remote]
    revoke: RevokeResults
    devnet_up: Sample
    imports: list[tuple[str, float]]
    profiles: list[Path] = field(default_factory=list)
    multichain: list[str] = field(default_factory=list)
    """The rendered section of `multichain.py` (one process, every chain)."""


def _version(name: str) -> str:
    try:
        return version(name)
    except PackageNotFoundError:
        return "absent"


def _output(command: list[str]) -> str:
    try:
        done = subprocess.run(command, capture_output=True, text=True, check=True, cwd=ROOT)
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return done.stdout.strip()


def _cpu() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def _memory_gb() -> float:
    return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30


def _anvil_version() -> str:
    from safeops.chain.anvil import find_anvil

    return _output([str(find_anvil()), "--version"]).splitlines()[0]


def safe_cli_versions() -> str:
    if not SAFE_CLI_PYTHON.exists():
        reason = SAFE_CLI_FAILED.read_text().strip() if SAFE_CLI_FAILED.exists() else "absent"
        return f"safe-cli could not be installed from PyPI here ({reason})"
    names = ["safe-cli", "safe-eth-py", "web3", "typer", "click"]
    script = "from importlib.metadata import version as v; print(' '.join(v(n) for n in {}))"
    found = _output([str(SAFE_CLI_PYTHON), "-c", script.format(names)]).split()
    listed = ", ".join(f"{n} {v}" for n, v in zip(names, found, strict=False))
    return f"{listed} (throwaway venv `.bench/safe-cli`)"


def _machine(figures: Figures) -> list[str]:
    commit = _output(["git", "rev-parse", "--short", "HEAD"])
    dirty = " + uncommitted changes" if _output(["git", "status", "--porcelain", "src"]) else ""
    before, after = figures.load
    return [
        f"- date: {figures.started:%Y-%m-%d %H:%M} UTC; the whole bench took "
        f"{figures.seconds:.0f} s",
        f"- machine: {platform.machine()}, {_cpu()}, {os.cpu_count()} cores, "
        f"{_memory_gb():.1f} GiB, {platform.system()} {platform.release()}",
        f"- load average (1, 5, 15 min) at start {before[0]:.2f} {before[1]:.2f} {before[2]:.2f},"
        f" at the end {after[0]:.2f} {after[1]:.2f} {after[2]:.2f} (a shared machine: other "
        "jobs may run)",
        f"- Python {platform.python_version()}; safeops {_version('safeops')} (git {commit}"
        f"{dirty}), web3 {_version('web3')}, eth-account {_version('eth-account')}, "
        f"safe-eth-py {_version('safe-eth-py')}, typer {_version('typer')}, "
        f"rich {_version('rich')}; {_anvil_version()}",
        f"- {safe_cli_versions()}",
    ]


def _startup(figures: Figures) -> list[str]:
    lines = ["## Start-up", "", "| command | median s | min-max | runs |", "|---|---|---|---|"]
    lines += [row(name, sample) for name, sample in figures.startup.items()]
    if "safe-cli --help" not in figures.startup:
        lines.append(f"| safe-cli --help: {safe_cli_versions()} | n/a | | |")
    return [*lines, ""]


def _pause(figures: Figures) -> list[str]:
    ours = figures.pause["safeops"].median
    what = {
        "safeops": (
            "`safeops emergency pause router --signer oncall`",
            "plan, review + simulation, rehearsal on a fork, propose, sign, execute, prove",
        ),
        "safe-cli": (
            "`safe-cli send-custom SAFE RPC ROUTER 0 0x8456cb59 --private-key K --non-interactive`",
            "sign, execute",
        ),
        "minimal": (
            "`benchmarks/minimal_pause.py` (web3 + eth_account, the Python floor)",
            "build, sign, execute",
        ),
    }
    lines = [
        "## One emergency pause of the router through the guardian Safe (1-of-3)",
        "",
        "Fresh chain state for every run (`evm_revert` to a snapshot, empty proposal store).",
        "",
        "| tool | does | median s | min-max | runs | safeops ÷ this |",
        "|---|---|---|---|---|---|",
    ]
    for key, (name, does) in what.items():
        sample = figures.pause.get(key)
        if sample is None:
            lines.append(f"| {name} | {does} | n/a | | | {safe_cli_versions()} |")
            continue
        ratio = ours / sample.median
        lines.append(row(f"{name} | {does}", sample, f"{ratio:.2f}"))
    if "safe-cli" in figures.pause:
        ratio = ours / figures.pause["safe-cli"].median
        lines += [
            "",
            f"Goal, at most {PAUSE_GOAL}x safe-cli despite doing more: {met(ratio <= PAUSE_GOAL)}"
            f" ({ratio:.2f}x).",
        ]
    lines += [
        f"Against the floor: safeops takes {ours / figures.pause['minimal'].median:.2f}x the "
        "minimal script.",
        "",
        "### Where safeops' run goes (median of the runs above, from its progress lines)",
        "",
        "| step | seconds |",
        "|---|---|",
        *[f"| {name} | {seconds:.2f} |" for name, seconds in figures.steps],
        "",
    ]
    return lines


def _profile(figures: Figures) -> list[str]:
    lines = [
        "## Import cost of the emergency path",
        "",
        "`python -X importtime -m safeops --policy P emergency pause router --signer oncall "
        "--dry-run`: each top-level package's own import time (median of 3 runs), top 10.",
        "",
        "| package | seconds |",
        "|---|---|",
        *[f"| {package} | {seconds:.3f} |" for package, seconds in figures.imports[:10]],
        f"| all | {sum(s for _, s in figures.imports):.3f} |",
        "",
    ]
    if figures.profiles:
        names = ", ".join(f"`{p.relative_to(ROOT)}`" for p in figures.profiles)
        lines += [f"pyinstrument reports of this run (text and HTML, not committed): {names}.", ""]
    return lines


def render(figures: Figures) -> str:
    lines = [
        "# Benchmarks",
        "",
        "Written by `./scripts/bench`. Each figure is the median of whole-process runs, after "
        "one untimed warm-up run, with the cases of a table run in turn (A B C A B C …) so "
        "that a busy moment of the machine lands on all of them alike. Everything runs "
        "against local devnets (anvil on 127.0.0.1). safeops' sources are byte-compiled first, "
        "as an installed package is.",
        "",
        *_machine(figures),
        "",
        *_startup(figures),
        *_pause(figures),
        *(line for far in figures.remote for line in remote(far)),
        *revoke(figures.revoke),
        *figures.multichain,
        "## devnet up",
        "",
        "| case | median s | min-max | runs |",
        "|---|---|---|---|",
        row("`safeops devnet up` (anvil, Safe 1.4.1, demo protocol, policy)", figures.devnet_up),
        "",
        *_profile(figures),
    ]
    return "\n".join(lines).rstrip("\n") + "\n\n" + NOTES.read_text().lstrip("\n")
