"""Plan files: round trip, hash binding, tampering, and readability by `tx hash --file`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from safeops.core.plan import Plan, Postcondition, plan_from_json
from safeops.core.transactions.batch import Call, build_safe_tx
from safeops.core.transactions.safe_tx import SafeVersion
from safeops.errors import BadInput, HashMismatch
from tests.helpers import cli

SAFE = "0xe690d772bCc82DA64dbE2d0Dc83BBfcB3B2c1590"
ROUTER = "0x2279B7A0a67DB372996a5FaB50D91eAA73d2eBe6"
LENDING = "0x8A791620dd6260079BF849Dc5567aDC3F2FdC318"
PAUSE = bytes.fromhex("8456cb59")
V141 = SafeVersion.parse("1.4.1")


def _plan() -> Plan:
    calls = (
        Call(ROUTER, PAUSE, description="pause router"),
        Call(LENDING, PAUSE, description="pause lending"),
    )
    return Plan(
        action="pause",
        arguments={"targets": ["router", "lending"]},
        safe_name="guardian",
        chain_id=31337,
        safe_version=V141,
        tx=build_safe_tx(SAFE, calls, 7, V141),
        calls=calls,
        postconditions=(Postcondition("router is paused", ROUTER, "paused()(bool)", (), True),),
        policy_digest="ab" * 32,
        created_at="2026-11-21T05:00:00Z",
    )


def test_round_trip() -> None:
    plan = _plan()
    again = plan_from_json(json.loads(json.dumps(plan.to_json())))
    assert again == plan
    assert again.safe_tx_hash == plan.safe_tx_hash
    assert plan.file_name == f"{plan.chain_id}-{plan.safe_tx_hash}.json"


@pytest.mark.parametrize("field", ["nonce", "to", "operation"])
def test_a_changed_field_no_longer_matches_its_hashes(field: str) -> None:
    document = _plan().to_json()
    document[field] = {"nonce": 8, "to": ROUTER, "operation": 0}[field]
    with pytest.raises(HashMismatch, match=r"safeTxHash|messageHash"):
        plan_from_json(document)


def test_a_changed_hash_is_refused() -> None:
    document = _plan().to_json()
    document["domainHash"] = "0x" + "00" * 32
    with pytest.raises(HashMismatch, match="domainHash"):
        plan_from_json(document)


@pytest.mark.parametrize(
    "mutate",
    [
        lambda d: d.pop("postconditions"),
        lambda d: d.update(format=2),
        lambda d: d.pop("safeName"),
        lambda d: d["calls"][0].update(to=ROUTER.lower()),
    ],
)
def test_malformed_plans_are_bad_input(mutate: object) -> None:
    document = _plan().to_json()
    mutate(document)  # type: ignore[operator]
    with pytest.raises(BadInput):
        plan_from_json(document)


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda d: d.pop("calls"), "the plan is malformed: it lacks calls"),
        (lambda d: d.update(calls={"0": 1}), "the plan's calls is malformed (expected a list"),
        (lambda d: d["calls"][0].update(data="zz"), "the plan's calls is malformed (data 'zz'"),
        (lambda d: d["calls"][0].update(value=1.5), "expected a non-negative integer, got 1.5"),
        (lambda d: d.update(action=["pause"]), "the plan's action is malformed (expected an"),
        (lambda d: d["action"].pop("kind"), "the plan's action is malformed: it lacks 'kind'"),
        (lambda d: d.update(postconditions=["x"]), "the plan's postconditions is malformed"),
        (lambda d: d.update(notes=5), "the plan's notes is malformed (expected a list"),
        (lambda d: d.pop("chainId"), "it lacks chainId"),
        (lambda d: d.pop("safeTxHash"), "the plan's safeTxHash is not a 32-byte 0x-hex hash"),
        (lambda d: d["postconditions"][0].update(target="router"), "postconditions[].target"),
    ],
)
def test_malformed_fields_are_named(mutate: object, message: str) -> None:
    document = _plan().to_json()
    mutate(document)  # type: ignore[operator]
    with pytest.raises(BadInput) as caught:
        plan_from_json(document)
    assert message in caught.value.message
    assert caught.value.exit_code == 2


def test_tx_hash_reads_a_plan_without_flags(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    plan = _plan()
    path = tmp_path / plan.file_name
    path.write_text(json.dumps(plan.to_json()))
    run = cli(capsys, "--json", "tx", "hash", "--file", str(path))
    assert run.code == 0, run.stderr
    assert run.json["safe_tx_hash"] == plan.safe_tx_hash.hex0x
    assert run.json["hash_matches"] is True


def test_tx_hash_says_which_values_only_the_file_gave(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """Security review L8: a plan's own chainId/safeVersion are its claims, not a check."""
    plan = _plan()
    path = tmp_path / plan.file_name
    path.write_text(json.dumps(plan.to_json()))
    claimed = cli(capsys, "--json", "tx", "hash", "--file", str(path))
    assert claimed.json["taken_from_file"] == ["chain-id", "safe-version"]
    checked = cli(
        capsys,
        "--json",
        "tx",
        "hash",
        "--file",
        str(path),
        "--chain-id",
        "31337",
        "--safe-version",
        "1.4.1",
    )
    assert checked.json["taken_from_file"] == []
    human = cli(capsys, "tx", "hash", "--file", str(path))
    assert "came from the file itself" in human.stdout
