"""What `audit verify` proves beyond the chain: a cut tail or a deleted log against a witness,
the signatures of entries a key took part in; the intent entry before any command acts; the
syslog mirror."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from safeops.audit.log import AuditLog
from safeops.audit.signatures import sign_entry
from safeops.audit.witness import Witness, head_of
from safeops.cli.audit_trail import write_outcome
from safeops.cli.console import Output
from safeops.devnet.deploy import DEV_KEYS
from safeops.errors import BadInput
from safeops.keys.signer import JustInTimeSigner
from tests.helpers import cli


def _log(tmp_path: Path, count: int = 4) -> AuditLog:
    log = AuditLog(tmp_path / "audit.jsonl")
    for index in range(count):
        log.append("plan pause", "ok", safe="guardian", index=index)
    return log


def _oncall() -> JustInTimeSigner:
    from eth_account import Account

    key = DEV_KEYS["oncall"]
    address = str(Account.from_key(key).address)
    return JustInTimeSigner("oncall", address, "test", lambda: bytes.fromhex(key[2:]))


def test_a_cut_tail_or_a_rewrite_fails_against_the_witness(tmp_path: Path) -> None:
    log = _log(tmp_path)
    witness = head_of(log.entries())
    assert witness is not None
    assert log.verify(witness).ok
    log.append("execute", "ok")  # entries after the witness are new, not a problem
    assert log.verify(witness).ok
    lines = log.path.read_text().splitlines()
    log.path.write_text("\n".join(lines[:2]) + "\n")
    assert log.verify().ok  # the chain alone cannot see a cut tail
    assert log.verify(witness).problem == (
        f"the log holds 2 entries, the witness {witness} says there were 4: its last 2 were removed"
    )
    rewritten = AuditLog(tmp_path / "other.jsonl")
    for _ in range(5):
        rewritten.append("plan pause", "ok")
    problem = rewritten.verify(witness).problem
    assert problem is not None
    assert problem.endswith(f"the witness says {witness.head}: the log was rewritten")


def test_an_empty_or_missing_log_proves_nothing(tmp_path: Path) -> None:
    missing = AuditLog(tmp_path / "audit.jsonl")
    assert missing.verify().problem == f"there is no audit log at {missing.path}"
    missing.path.write_text("")
    assert missing.verify().problem == f"the audit log {missing.path} is empty"


def test_witness_text_is_checked() -> None:
    assert str(Witness.parse(f" 3:{'AB' * 32} ")) == f"3:{'ab' * 32}"
    for bad in ("3", f"0:{'ab' * 32}", f"x:{'ab' * 32}", "3:abc"):
        with pytest.raises(BadInput, match="not an audit witness"):
            Witness.parse(bad)


def test_cli_head_then_verify_head(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    log = _log(tmp_path)
    monkeypatch.setenv("SAFEOPS_AUDIT_LOG", str(log.path))
    head = cli(capsys, "--json", "audit", "head")
    assert (head.code, head.json["count"]) == (0, 4)
    assert head.json["witness"] == f"4:{log.entries()[-1]['hash']}"
    ok = cli(capsys, "--json", "audit", "verify", "--head", head.json["witness"])
    assert (ok.code, ok.json["ok"], ok.json["witness"]) == (0, True, head.json["witness"])
    log.path.unlink()
    gone = cli(capsys, "--json", "audit", "verify", "--head", head.json["witness"])
    assert gone.code == 1
    assert f"there is no audit log at {log.path}" in gone.stderr
    log.path.write_text("")
    assert cli(capsys, "--json", "audit", "verify").code == 1


def test_a_signed_entry_verifies_and_a_forged_one_does_not(tmp_path: Path) -> None:
    output = Output()
    output.audit("execute", safe_tx_hash="0x" + "11" * 32)
    output.keys_used.append(_oncall())
    path = tmp_path / "audit.jsonl"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SAFEOPS_AUDIT_LOG", str(path))
        write_outcome(output, "ok")
    log = AuditLog(path)
    (entry,) = log.entries()
    assert entry["signed_by"] == [_oncall().address]
    assert [s["address"] for s in entry["signatures"]] == [_oncall().address]
    assert log.verify().ok
    # Someone without the key changes what the entry says and re-chains it: the hash holds,
    # the signature does not.
    from safeops.audit.chain import entry_hash

    entry["outcome"] = "exit 1"
    entry["hash"] = entry_hash(entry)
    path.write_text(json.dumps(entry) + "\n")
    assert log.verify().problem == (
        f"line 1: a signature does not match its entry (claimed by {_oncall().address})"
    )
    # Dropping the signature does not help: the entry names the key that took part.
    del entry["signatures"]
    path.write_text(json.dumps(entry) + "\n")
    assert log.verify().problem == (
        f"line 1: not signed by {_oncall().address}, whose key took part"
    )


def test_a_signature_over_another_body_is_refused(tmp_path: Path) -> None:
    log = AuditLog(tmp_path / "audit.jsonl")
    from safeops.audit.log import body

    fields = body("sign", "ok", {"safe_tx_hash": "0x" + "22" * 32})
    fields["signed_by"] = [_oncall().address]
    other = {**fields, "details": {"safe_tx_hash": "0x" + "33" * 32}}
    log.append_signed(fields, [sign_entry(other, _oncall())])
    assert log.verify().problem is not None


def test_no_command_acts_when_the_audit_log_cannot_take_its_intent(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    monkeypatch.setenv("SAFEOPS_AUDIT_LOG", str(blocker / "audit.jsonl"))
    result = cli(capsys, "--json", "keys", "import", "--signer", "alice", "--to", "floppy")
    assert result.code == 3  # not the 2 the command itself would give: it never ran
    assert result.json["error"]["message"] == (
        f"cannot write the audit log {blocker / 'audit.jsonl'}: File exists"
    )
    assert "Nothing was signed or sent" in result.stderr
    assert "warning" not in result.stderr  # no second complaint about the closing entry


@pytest.fixture
def syslog(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[socket.socket]:
    """A datagram socket playing /dev/log."""
    address = tmp_path / "log.sock"
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as server:
        server.bind(str(address))
        server.settimeout(5)
        monkeypatch.setenv("SAFEOPS_AUDIT_SYSLOG", str(address))
        yield server


def test_each_entry_hash_is_mirrored_to_syslog(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    syslog: socket.socket,
) -> None:
    path = tmp_path / "audit.jsonl"
    monkeypatch.setenv("SAFEOPS_AUDIT_LOG", str(path))
    assert cli(capsys, "keys", "import", "--signer", "alice", "--to", "floppy").code == 2
    received = [syslog.recv(4096).decode() for _ in range(2)]
    entries = AuditLog(path).entries()
    assert received == [
        f"<86>safeops-audit: log={path} seq={e['seq']} hash={e['hash']} action=keys import "
        f"outcome={e['outcome']}"
        for e in entries
    ]
