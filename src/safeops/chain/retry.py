"""HTTP 429 and 5xx from an RPC: retried with backoff, honouring Retry-After, within a bounded
time; only then does the RPC count as down (failover, or a stop when it was the last one)."""

from __future__ import annotations

import time
from collections.abc import Callable
from email.utils import parsedate_to_datetime
from typing import Any

import requests

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
# Everything one request may spend waiting between retries: a rate limit or a proxy hiccup
# costs seconds, never the minute web3's own retries would.
RETRY_BUDGET_S = 8.0
FIRST_BACKOFF_S = 0.25
MAX_BACKOFF_S = 2.0
# Never re-posted: a send is looked up by its hash first (it may have been taken before the
# error), then broadcast again by the caller if no node knows it.
NOT_RETRIED = (b'"eth_sendRawTransaction"',)

Notice = Callable[[int], None]
"""Told the status of each retried answer, e.g. to warn once that an RPC rate-limits."""


def retry_warning(label: str, warn: Callable[[str], None]) -> Notice:
    """A notice that warns, naming the RPC by its redacted `label`."""
    return lambda status: warn(f"RPC {label} answered HTTP {status}: retried with backoff")


def retry_after_s(header: str | None, now: float) -> float | None:
    """Retry-After as seconds: a number of seconds or an HTTP date; None when absent or bad."""
    if header is None or not header.strip():
        return None
    text = header.strip()
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - now)


def retry_delay(attempt: int, retry_after: float | None, spent: float) -> float | None:
    """How long to wait before attempt `attempt + 1`, or None when the budget does not allow
    it: a server asking for more time than is left is given up on at once, not waited for."""
    delay = (
        retry_after if retry_after is not None else min(MAX_BACKOFF_S, FIRST_BACKOFF_S * 2**attempt)
    )
    return delay if spent + delay <= RETRY_BUDGET_S else None


class RetryingSession(requests.Session):
    """A requests session whose POSTs answered 429 or 5xx are sent again after a delay."""

    def __init__(
        self,
        notice: Notice | None = None,
        *,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__()
        self._notice = notice
        self._sleep = sleep
        self._clock = clock

    def request(self, method: str, url: str | bytes, *args: Any, **kwargs: Any) -> Any:
        started = self._clock()
        attempt = 0
        while True:
            response = super().request(method, url, *args, **kwargs)
            if response.status_code not in RETRY_STATUSES or _not_retried(kwargs.get("data")):
                return response
            wait = retry_after_s(response.headers.get("Retry-After"), time.time())
            delay = retry_delay(attempt, wait, self._clock() - started)
            if delay is None:
                return response  # the caller raises HTTPError: failover or stop
            if self._notice is not None:
                self._notice(response.status_code)
            response.close()
            self._sleep(delay)
            attempt += 1


def _not_retried(body: object) -> bool:
    return isinstance(body, bytes | str) and any(
        marker in (body.encode() if isinstance(body, str) else body) for marker in NOT_RETRIED
    )
