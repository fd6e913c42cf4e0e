"""docs/runbook.md run as written: every command of its ```bash blocks is pasted into bash on
the devnet, in the situation its section describes (an RPC down, the keyring locked, a hostile
proposal queued, ...), and must exit with the code and print the words the page promises."""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from safeops.devnet.deploy import COLD_WALLET, DEV_KEYS, TOKEN_DECIMALS, member_address
from safeops.devnet.keystores import write_keystores
from safeops.devnet.policy_file import ROLES, TARGETS, render_policy
from tests.helpers import Run, store_plan
from tests.rpc_proxy import Mode, rpc_proxy

if TYPE_CHECKING:
    from web3 import Web3

    from safeops.chain.anvil import AnvilProcess
    from safeops.devnet.deploy import Deployment

pytestmark = pytest.mark.integration
RUNBOOK = Path(__file__).resolve().parents[2] / "docs" / "runbook.md"
PAUSED = "0x5c975abb"  # paused()
NONCE = "0xaffed0e0"  # nonce()
IS_ALLOWED = "0xbabcc539"  # isAllowed(address)
BALANCE_OF = "0x70a08231"  # balanceOf(address)
THRESHOLD_SLOT = "0x4"  # the Safe's storage slot of its threshold
HASH = r"0x[0-9a-f]{64}"

# -- the page --------------------------------------------------------------------------------

SCENARIO = re.compile(r"^<!-- runbook scenario: ([a-z0-9-]+) -->$")
STEP = re.compile(r"^<!-- runbook step: ([a-z0-9-]+) -->$")
ANNOTATED = re.compile(r"^(?P<command>\S.*?)\s+#\s*exit (?P<code>\d+)\b(?P<note>.*)$")


@dataclass(frozen=True)
class Command:
    """One line of a ```bash block: what is typed, the exit code and the words promised."""

    line: str
    code: int
    shows: tuple[str, ...]


@dataclass(frozen=True)
class Step:
    """Something that changes in the world between two commands (an RPC comes back)."""

    name: str


@dataclass
class Scenario:
    name: str
    items: list[Command | Step] = field(default_factory=list)

    @property
    def commands(self) -> list[Command]:
        return [item for item in self.items if isinstance(item, Command)]


@dataclass(frozen=True)
class Runbook:
    scenarios: dict[str, Scenario]
    bash_blocks: int


def parse_runbook(text: str) -> Runbook:
    """The scenarios in page order; a ```bash block outside a scenario, a command without its
    `# exit N`, or a command hidden in another kind of block is an error, never skipped."""
    scenarios: dict[str, Scenario] = {}
    current: Scenario | None = None
    fence: str | None = None
    blocks = 0
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        where = f"docs/runbook.md:{number}"
        if fence is None:
            if line.startswith("```"):
                fence = line[3:].strip()
                if fence == "bash":
                    if current is None:
                        raise ValueError(f"{where}: a bash block before any runbook scenario")
                    blocks += 1
            elif match := SCENARIO.match(line):
                if match[1] in scenarios:
                    raise ValueError(f"{where}: scenario {match[1]} named twice")
                current = scenarios[match[1]] = Scenario(match[1])
            elif (match := STEP.match(line)) and current is not None:
                current.items.append(Step(match[1]))
            continue
        if line.startswith("```"):
            fence = None
        elif fence != "bash":
            if line.startswith(("safeops ", "$ ")):
                raise ValueError(f"{where}: a command in a ```{fence} block is never run")
        elif line and not line.startswith("#"):
            annotated = ANNOTATED.match(line)
            if annotated is None or current is None:
                raise ValueError(f"{where}: no `# exit N` after the command: {line}")
            shows = tuple(re.findall(r'"([^"]+)"', annotated["note"]))
            current.items.append(Command(annotated["command"], int(annotated["code"]), shows))
    if fence is not None:
        raise ValueError("docs/runbook.md: a fenced block is never closed")
    return Runbook(scenarios, blocks)


@dataclass(frozen=True)
class Fill:
    """A placeholder the reader copies from a command's output (`export TX=0x…`)."""

    after: re.Pattern[str]  # the command that prints it
    value: re.Pattern[str]  # where it is in that command's output


PLACEHOLDERS = {
    "TX": Fill(re.compile(r"^safeops plan "), re.compile(rf"safeTxHash\s*│\s*({HASH})")),
    "HOSTILE": Fill(re.compile(r"^safeops queue"), re.compile(rf"policy would refuse ({HASH})")),
    "REJECTION": Fill(re.compile(r"^safeops reject "), re.compile(rf"^rejection ({HASH})", re.M)),
    "WITNESS": Fill(re.compile(r"^safeops audit head"), re.compile(r"^(\d+:[0-9a-f]{64})$", re.M)),
}
SHELL_VARIABLES = {"PWD"}


def _variables(line: str) -> set[str]:
    return set(re.findall(r"\$\{?([A-Za-z_][A-Za-z0-9_]*)", line))


# -- the shell -------------------------------------------------------------------------------


@dataclass
class Shell:
    """bash, one command at a time, keeping what was exported between them as a terminal
    does; the test types the placeholders the reader would have copied."""

    cwd: Path
    env: dict[str, str]
    state: Path

    def run(self, line: str) -> Run:
        state = shlex.quote(str(self.state))
        script = f"source {state}\n{line}\nrc=$?\nexport -p > {state}\nexit $rc\n"
        done = subprocess.run(
            ["bash", "-c", script],
            cwd=self.cwd,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        return Run(done.returncode, done.stdout, done.stderr)

    def export(self, name: str, value: str) -> None:
        with self.state.open("a") as state:
            state.write(f"export {name}={shlex.quote(value)}\n")


# -- the world each scenario needs -----------------------------------------------------------


@dataclass
class Bench:
    """A devnet policy folder, the engineer's shell, the chain, and what the scenario adds."""

    folder: Path
    shell: Shell
    w3: Web3
    devnet: Deployment
    anvil: AnvilProcess
    request: pytest.FixtureRequest
    stack: ExitStack
    policy_keys: dict[str, str] = field(default_factory=dict)
    steps: dict[str, Callable[[], None]] = field(default_factory=dict)
    planted: dict[str, str] = field(default_factory=dict)

    def write_policy(self, rpc: list[str] | None = None, edit: Callable[[str], str] = str) -> None:
        keys = {
            name: f'{{ keystore = "keys/{name}.json", password_file = "keys/password" }}'
            for name in ROLES
        } | self.policy_keys
        text = render_policy(self.devnet, self.anvil.rpc_url, keys)
        if rpc is not None:
            text = text.replace(
                f"rpc = [{json.dumps(self.anvil.rpc_url)}]", f"rpc = {json.dumps(rpc)}"
            )
        (self.folder / "policy.toml").write_text(edit(text))

    def call(self, to: str, data: str) -> int:
        return int.from_bytes(bytes(self.w3.eth.call({"to": to, "data": data})), "big")  # type: ignore[typeddict-item]

    def paused(self) -> list[bool]:
        return [self.call(self.devnet.contracts[t], PAUSED) == 1 for t in TARGETS]

    def nonce(self, safe: str) -> int:
        return self.call(self.devnet.safes[safe], NONCE)

    def pause_as_the_guardian(self) -> None:
        """Every target paused before the scenario, sent straight from the guardian Safe."""
        safe = self.devnet.safes["guardian"]
        rpc = self.w3.provider.make_request
        rpc("anvil_impersonateAccount", [safe])  # type: ignore[arg-type]
        rpc("anvil_setBalance", [safe, hex(10**18)])  # type: ignore[arg-type]
        for target in TARGETS:
            sent = self.w3.eth.send_transaction(
                {"from": safe, "to": self.devnet.contracts[target], "data": "0x8456cb59"}
            )
            assert self.w3.eth.wait_for_transaction_receipt(sent)["status"] == 1
        rpc("anvil_stopImpersonatingAccount", [safe])  # type: ignore[arg-type]
        assert self.paused() == [True] * len(TARGETS)


def _default(bench: Bench) -> None:
    bench.write_policy()


def _paused_first(bench: Bench) -> None:
    bench.write_policy()
    bench.pause_as_the_guardian()


def _guardian_2_of_3(bench: Bench) -> None:
    """The guardian raised to 2 of its 3 owners, on chain and in the policy alike."""
    safe = bench.devnet.safes["guardian"]
    two = "0x" + "2".rjust(64, "0")
    bench.w3.provider.make_request("anvil_setStorageAt", [safe, THRESHOLD_SLOT, two])  # type: ignore[arg-type]
    bench.write_policy(edit=lambda text: text.replace("threshold = 1,", "threshold = 2,"))


def _rpc_down(bench: Bench) -> None:
    """Two RPCs for the chain, both dropping every request; the step revives the second."""
    primary = bench.stack.enter_context(rpc_proxy(bench.anvil.rpc_url))
    backup = bench.stack.enter_context(rpc_proxy(bench.anvil.rpc_url))
    primary.behaviour.mode = backup.behaviour.mode = Mode.DROP
    bench.write_policy(rpc=[primary.url, backup.url])

    def backup_answers() -> None:
        backup.behaviour.mode = Mode.FORWARD

    bench.steps["backup-rpc-answers"] = backup_answers


def _keyring_locked(bench: Bench) -> None:
    """oncall's key in a real gnome-keyring, which is then locked."""
    import keyring

    session = bench.request.getfixturevalue("gnome_keyring")
    keyring.set_password("safeops-runbook", "oncall", DEV_KEYS["oncall"])
    bench.policy_keys["oncall"] = '{ keyring = "safeops-runbook", username = "oncall" }'
    bench.write_policy()
    session.lock()
    bench.shell.env.update(
        {k: os.environ[k] for k in ("DBUS_SESSION_BUS_ADDRESS", "XDG_CONFIG_HOME")}
    )


def _vault_sealed(bench: Bench) -> None:
    """alice's key in Vault (a real OpenBao), sealed; the targets are paused."""
    from tests.integration.openbao import ROOT_TOKEN

    server = bench.request.getfixturevalue("sealed_openbao")
    bench.policy_keys["alice"] = '{ vault = "secret/safeops/runbook/alice" }'
    _paused_first(bench)
    bench.shell.env.update({"VAULT_ADDR": server.addr, "VAULT_TOKEN": ROOT_TOKEN})


def _hostile(bench: Bench) -> None:
    """A Bybit-shaped proposal (a DELEGATECALL into the token) queued for the admin Safe."""
    from safeops.core.plan import plan_from_json
    from safeops.core.transactions.safe_tx import Operation

    bench.write_policy()
    planned = bench.shell.run("safeops --json plan unpause router")
    assert planned.code == 0, planned.stderr
    plan = plan_from_json(json.loads(Path(planned.json["plan"]).read_text()))
    token = bench.devnet.contracts["token"]
    hostile = replace(plan, tx=replace(plan.tx, to=token, operation=Operation.DELEGATECALL))
    store_plan(bench.folder / "proposals", hostile, proposer="mallory")
    bench.planted["HOSTILE"] = hostile.safe_tx_hash.hex0x


def _after(bench: Bench) -> None:
    """An incident behind us: everything paused through safeops, so the log has its entries."""
    bench.write_policy()
    paused = bench.shell.run("safeops emergency pause --all --signer oncall")
    assert paused.code == 0, paused.stdout + paused.stderr


SETUPS: dict[str, Callable[[Bench], None]] = {
    "shell": _default,
    "pause": _default,
    "guardian-2-of-3": _guardian_2_of_3,
    "unpause": _paused_first,
    "revoke": _default,
    "withdraw": _default,
    "step-by-step": _default,
    "rpc-down": _rpc_down,
    "keyring-locked": _keyring_locked,
    "vault-sealed": _vault_sealed,
    "hostile": _hostile,
    "after": _after,
}


# -- what must hold on chain afterwards ------------------------------------------------------


def _all_paused(bench: Bench, runs: list[Run]) -> None:
    assert bench.paused() == [True] * len(TARGETS)
    assert bench.nonce("guardian") == 1  # one transaction: a re-run proposes nothing


def _none_paused(bench: Bench, runs: list[Run]) -> None:
    assert bench.paused() == [False] * len(TARGETS)
    assert bench.nonce("admin") == 1


def _revoked(bench: Bench, runs: list[Run]) -> None:
    allowlist = bench.devnet.contracts["allowlist"]

    def allowed(index: int) -> int:
        return bench.call(allowlist, IS_ALLOWED + member_address(index)[2:].lower().rjust(64, "0"))

    assert (allowed(0), allowed(1)) == (0, 1)
    assert bench.nonce("admin") == 1


def _withdrawn(bench: Bench, runs: list[Run]) -> None:
    token = bench.devnet.contracts["token"]
    cold = bench.call(token, BALANCE_OF + COLD_WALLET[2:].lower().rjust(64, "0"))
    assert cold == 25 * 10 ** (TOKEN_DECIMALS - 1)
    assert bench.nonce("admin") == 1


def _hostile_burned(bench: Bench, runs: list[Run]) -> None:
    assert bench.nonce("admin") == 1  # its nonce is used up: it can never execute
    queue = bench.shell.run("safeops --json queue")
    assert queue.json["pending"] == []


def _log_intact(bench: Bench, runs: list[Run]) -> None:
    verified = bench.shell.run("safeops --json audit verify")
    assert verified.json["ok"] is True
    witnessed = int(runs[2].stdout.strip().split(":")[0])  # what `audit head` printed
    assert witnessed == verified.json["entries"]  # reading the log appends nothing to it
    entries = bench.shell.run("safeops --json audit show --last 0").json["entries"]
    assert {e["action"] for e in entries} == {"emergency pause", "sending", "queue"}


def _policy_in_the_shell(bench: Bench, runs: list[Run]) -> None:
    """The exported policy took: its home beside it holds the log of what the shell ran."""
    log = (bench.folder / ".safeops" / "audit.jsonl").read_text().splitlines()
    assert [json.loads(entry)["action"] for entry in log] == ["keys check"] * 2


CHECKS: dict[str, Callable[[Bench, list[Run]], None]] = {
    "shell": _policy_in_the_shell,
    "pause": _all_paused,
    "guardian-2-of-3": _all_paused,
    "unpause": _none_paused,
    "revoke": _revoked,
    "withdraw": _withdrawn,
    "step-by-step": _withdrawn,
    "rpc-down": _all_paused,
    "keyring-locked": _all_paused,
    "vault-sealed": _none_paused,
    "hostile": _hostile_burned,
    "after": _log_intact,
}


# -- the tests -------------------------------------------------------------------------------


def runbook() -> Runbook:
    return parse_runbook(RUNBOOK.read_text())


@pytest.fixture
def bench(
    tmp_path: Path,
    anvil: AnvilProcess,
    devnet: Deployment,
    w3: Web3,
    request: pytest.FixtureRequest,
) -> Iterator[Bench]:
    folder, elsewhere = tmp_path / "ops", tmp_path / "elsewhere"
    write_keystores(folder / "keys")
    elsewhere.mkdir()
    state = tmp_path / "shell-state"
    state.touch()
    # The engineer's shell: safeops on PATH, a wide terminal, nothing of the suite's own
    # SAFEOPS_* settings; SAFEOPS_POLICY as section 0 exports it.
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("SAFEOPS_AUDIT_LOG", "SAFEOPS_POLICY", "SAFEOPS_HOME")
    }
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env["COLUMNS"] = "200"
    env["SAFEOPS_POLICY"] = str(folder / "policy.toml")
    with ExitStack() as stack:
        yield Bench(folder, Shell(elsewhere, env, state), w3, devnet, anvil, request, stack)


@pytest.mark.parametrize("name", list(SETUPS))
def test_runbook_scenario(name: str, bench: Bench) -> None:
    scenario = runbook().scenarios[name]
    if name == "shell":  # section 0 sets the policy up itself, in the policy's folder
        bench.shell.env.pop("SAFEOPS_POLICY")
        bench.shell.cwd = bench.folder
    SETUPS[name](bench)
    ran: list[Command] = []
    runs: list[Run] = []
    for item in scenario.items:
        if isinstance(item, Step):
            bench.steps[item.name]()
            continue
        result = bench.shell.run(item.line)
        seen = result.stdout + result.stderr
        assert result.code == item.code, f"{item.line}\n{seen}"
        assert "Traceback" not in seen, seen
        if item.code != 0:  # one clear line, with its hint
            assert len([x for x in result.stderr.splitlines() if x.startswith("error:")]) == 1
            assert "hint:" in result.stderr, result.stderr
        for printed in re.findall(r"^\s*(safeops .*)$", result.stdout, re.M):
            # A next step to paste names a real signer, never OWNER or PROPOSER.
            assert not re.search(r"--signer [A-Z]", printed), printed
        for words in item.shows:
            assert words in seen, f"{item.line}: {words!r} not shown\n{seen}"
        for placeholder, fill in PLACEHOLDERS.items():
            if fill.after.match(item.line) and (found := fill.value.search(result.stdout)):
                bench.shell.export(placeholder, found[1])
                assert bench.planted.get(placeholder, found[1]) == found[1]
        ran.append(item)
        runs.append(result)
    assert ran == scenario.commands  # not one command skipped
    CHECKS[name](bench, runs)


def test_every_bash_block_of_the_runbook_is_run() -> None:
    book = runbook()
    text = RUNBOOK.read_text()
    assert book.bash_blocks == text.count("```bash") > 0
    assert list(book.scenarios) == list(SETUPS) == list(CHECKS)
    assert all(scenario.commands for scenario in book.scenarios.values())
    for scenario in book.scenarios.values():
        exported: set[str] = set()
        for command in scenario.commands:
            unknown = _variables(command.line) - set(PLACEHOLDERS) - SHELL_VARIABLES - exported
            assert not unknown, f"{command.line}: {unknown} is neither a placeholder nor exported"
            exported |= set(re.findall(r"export ([A-Za-z_][A-Za-z0-9_]*)=", command.line))
        steps = {item.name for item in scenario.items if isinstance(item, Step)}
        assert steps <= {"backup-rpc-answers"}, steps


@pytest.mark.parametrize(
    ("page", "problem"),
    [
        ("```bash\nsafeops queue  # exit 0\n```\n", "before any runbook scenario"),
        ("<!-- runbook scenario: a -->\n```bash\nsafeops queue\n```\n", "no `# exit N`"),
        ("<!-- runbook scenario: a -->\n```text\nsafeops queue  # exit 0\n```\n", "never run"),
        ("<!-- runbook scenario: a -->\n```bash\nsafeops queue  # exit 0\n", "never closed"),
    ],
)
def test_a_command_the_test_would_not_run_is_an_error(page: str, problem: str) -> None:
    with pytest.raises(ValueError, match=re.escape(problem)):
        parse_runbook(page)


def test_the_annotations_are_read() -> None:
    page = (
        "<!-- runbook scenario: a -->\n```bash\n# a comment\n"
        'safeops queue   # exit 3, prints "unreachable" and "chain"\n```\n'
        "<!-- runbook step: b -->\n"
    )
    assert parse_runbook(page).scenarios["a"].items == [
        Command("safeops queue", 3, ("unreachable", "chain")),
        Step("b"),
    ]
