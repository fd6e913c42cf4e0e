"""Output.warn: a yellow line on stderr, and `rpc_warnings` in the JSON only when there are any."""

from __future__ import annotations

import json

import pytest

from safeops.cli.console import Output
from safeops.errors import RpcDisagreement


def test_json_result_carries_the_warnings(capsys: pytest.CaptureFixture[str]) -> None:
    output = Output(json_mode=True)
    output.warn("primary RPC https://a.example/… failed: falling over")
    output.result({"ok": True}, lambda _: None)
    captured = capsys.readouterr()
    assert json.loads(captured.out) == {
        "ok": True,
        "rpc_warnings": ["primary RPC https://a.example/… failed: falling over"],
    }
    assert captured.err == "warning: primary RPC https://a.example/… failed: falling over\n"
    assert output.audit_details["rpc_warnings"] == [
        "primary RPC https://a.example/… failed: falling over"
    ]


def test_no_warnings_no_key(capsys: pytest.CaptureFixture[str]) -> None:
    Output(json_mode=True).result({"ok": True}, lambda _: None)
    assert json.loads(capsys.readouterr().out) == {"ok": True}


def test_an_error_document_carries_them_too(capsys: pytest.CaptureFixture[str]) -> None:
    output = Output(json_mode=True)
    output.warn("RPC [b] skipped")  # rich markup in a message is printed, not interpreted
    output.error(RpcDisagreement("RPCs a and b disagree"))
    captured = capsys.readouterr()
    assert json.loads(captured.out)["rpc_warnings"] == ["RPC [b] skipped"]
    assert captured.err.splitlines()[0] == "warning: RPC [b] skipped"


def test_people_see_the_warning_too(capsys: pytest.CaptureFixture[str]) -> None:
    output = Output()
    output.warn("only https://b.example/… answers")
    output.result({}, lambda console: console.print("done"))
    captured = capsys.readouterr()
    assert captured.out == "done\n"
    assert captured.err == "warning: only https://b.example/… answers\n"
