"""HTTP 429 and 5xx retried with backoff within a budget, Retry-After honoured, sends never
re-posted: on a requests session with a scripted adapter, the clock and sleep injected."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

import pytest
import requests
from requests.adapters import BaseAdapter

from safeops.chain import retry
from safeops.chain.retry import RetryingSession, retry_after_s, retry_delay

URL = "http://127.0.0.1:1/rpc"


class Scripted(BaseAdapter):
    """Answers each request with the next (status, headers) of its script."""

    def __init__(self, script: list[tuple[int, dict[str, str]]]) -> None:
        super().__init__()
        self.script: Iterator[tuple[int, dict[str, str]]] = iter(script)
        self.calls = 0

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        self.calls += 1
        status, headers = next(self.script)
        response = requests.Response()
        response.status_code = status
        response.headers.update(headers)
        response._content = json.dumps({"jsonrpc": "2.0", "id": 1, "result": "0x1"}).encode()
        response.request = request
        response.url = str(request.url)
        return response

    def close(self) -> None:
        return None


class Clock:
    def __init__(self) -> None:
        self.now = 0.0
        self.slept: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def _session(
    script: list[tuple[int, dict[str, str]]],
) -> tuple[RetryingSession, Scripted, Clock, list[int]]:
    clock = Clock()
    notices: list[int] = []
    session = RetryingSession(notices.append, sleep=clock.sleep, clock=lambda: clock.now)
    adapter = Scripted(script)
    session.mount("http://", adapter)
    return session, adapter, clock, notices


def _post(session: RetryingSession, method: str = "eth_blockNumber") -> requests.Response:
    body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": method, "params": []}).encode()
    return session.post(URL, data=body)


def test_one_429_is_retried_after_the_backoff() -> None:
    session, adapter, clock, notices = _session([(429, {}), (200, {})])
    assert _post(session).status_code == 200
    assert (adapter.calls, clock.slept, notices) == (2, [0.25], [429])


def test_retry_after_is_honoured() -> None:
    session, _adapter, clock, _ = _session([(503, {"Retry-After": "2"}), (200, {})])
    assert _post(session).status_code == 200
    assert clock.slept == [2.0]


def test_the_budget_bounds_the_retries_then_the_error_reaches_the_caller() -> None:
    session, _adapter, clock, _ = _session([(502, {})] * 20)
    answer = _post(session)
    assert answer.status_code == 502
    assert sum(clock.slept) <= retry.RETRY_BUDGET_S
    assert clock.slept == [0.25, 0.5, 1.0, 2.0, 2.0, 2.0]  # 7.75 s: 2 s more would pass 8 s
    with pytest.raises(requests.HTTPError):
        answer.raise_for_status()


def test_a_retry_after_beyond_the_budget_is_not_waited_for() -> None:
    session, adapter, clock, _ = _session([(429, {"Retry-After": "60"}), (200, {})])
    assert _post(session).status_code == 429
    assert (adapter.calls, clock.slept) == (1, [])


def test_a_send_is_never_re_posted() -> None:
    """The node may have taken it before the 502: the caller looks its hash up instead."""
    session, adapter, _clock, _ = _session([(502, {}), (200, {})])
    assert _post(session, "eth_sendRawTransaction").status_code == 502
    assert adapter.calls == 1


def test_other_errors_are_not_retried() -> None:
    session, adapter, _, _ = _session([(401, {}), (200, {})])
    assert _post(session).status_code == 401
    assert adapter.calls == 1


def test_retry_after_as_seconds_or_a_date() -> None:
    now = datetime(2026, 11, 21, 12, 0, 0, tzinfo=UTC)
    later = format_datetime(now + timedelta(seconds=3), usegmt=True)
    assert retry_after_s("5", now.timestamp()) == 5.0
    assert retry_after_s(later, now.timestamp()) == 3.0
    assert retry_after_s("soon", now.timestamp()) is None
    assert retry_after_s(None, now.timestamp()) is None
    assert retry_delay(0, None, 0.0) == 0.25
    assert retry_delay(3, None, 0.0) == 2.0
    assert retry_delay(0, 1.0, 7.5) is None
