"""HTTP to the Safe Transaction Service: safe-eth-py's session and auth, our retries and origin.

safe-eth-py's `TransactionServiceApi` drops status codes, `Retry-After`, `next` and `count`, and
posts every proposal with `origin: "Safe-CLI"`. Requests here go through its session (same
headers, API key and timeouts) but keep what the Service says: 429/503 wait as long as it asks,
within a bound; 5xx and transport errors back off; 4xx are final.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any, TypeVar

import requests
from safe_eth.safe.api.transaction_service_api import TransactionServiceApi
from safe_eth.util.http import HTTP_TRANSPORT_EXCEPTIONS

from safeops import __version__
from safeops.errors import EnvironmentProblem, Refused

T = TypeVar("T")

# Shown by Safe{Wallet} and the Service as who made the proposal. The Service keeps `origin` as
# JSON when it parses (at most 200 characters), which is how Safe apps name themselves.
ORIGIN = json.dumps({"name": f"safeops {__version__}"})
MAX_ORIGIN_LENGTH = 200
# Total seconds a run may spend waiting on Retry-After: an emergency must not stall behind a
# throttled Service, and a longer wait is reported so the operator can decide.
MAX_RETRY_WAIT_S = 30.0
API_KEY_HINT = (
    "Set SAFE_TRANSACTION_SERVICE_API_KEY to a valid key (https://developer.safe.global)."
)


class ServiceUnavailable(EnvironmentProblem):
    """The Safe Transaction Service cannot be reached or keeps failing (5xx, 429)."""

    default_hint = "Retry later, or check the service URL in the policy and your network."


class ServiceRejected(Refused):
    """The Safe Transaction Service refused a request (4xx); nothing was stored."""

    def __init__(self, message: str, *, status: int, hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.status = status


class HttpStatus(Exception):
    """A non-2xx answer, with its status code and how long the Service asks to wait."""

    def __init__(self, status: int, text: str, retry_after: float | None = None) -> None:
        super().__init__(status)
        self.status = status
        self.text = text
        self.retry_after = retry_after


def retry_after_seconds(value: str | None, now: datetime | None = None) -> float | None:
    """`Retry-After` as seconds: delta-seconds or an HTTP date; None when absent or unreadable."""
    if value is None:
        return None
    text = value.strip()
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        return None
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def _checked(response: requests.Response) -> requests.Response:
    if not response.ok:
        wait = retry_after_seconds(response.headers.get("Retry-After"))
        raise HttpStatus(response.status_code, response.text[:4000], wait)
    return response


class Client(TransactionServiceApi):
    """safe-eth-py's client, whose errors carry no status code: ours raise with it."""

    def _get_request(self, url: str) -> requests.Response:
        return _checked(super()._get_request(url))

    def _post_request(self, url: str, payload: dict[Any, Any]) -> requests.Response:
        return _checked(super()._post_request(url, payload))

    def get_json(self, path: str) -> Any:
        return self._get_request(path).json()

    def post_json(self, path: str, payload: dict[str, Any]) -> None:
        self._post_request(path, payload)


class Retrying:
    """Calls retried on 429, 5xx, timeouts and refused connections: `tries` in all, backing
    off from `first_delay` (doubling), or as long as `Retry-After` says on 429/503 while the
    total stays within MAX_RETRY_WAIT_S. Retrying a post is safe: the Service files
    transactions and confirmations by hash and owner, so a repeat adds nothing."""

    def __init__(
        self, display_url: str, tries: int, first_delay: float, sleep: Callable[[float], None]
    ) -> None:
        self.display_url = display_url
        self.tries = tries
        self.first_delay = first_delay
        self._sleep = sleep

    def call(self, what: str, request: Callable[[], T]) -> T:
        last, waited = "", 0.0
        for attempt in range(self.tries):
            try:
                return request()
            except HttpStatus as error:
                if error.status != 429 and error.status < 500:
                    raise self._rejected(what, error) from None
                last = f"HTTP {error.status}"
                wait = self._wait(attempt, error)
            except HTTP_TRANSPORT_EXCEPTIONS as error:
                # The exception's own text holds the full URL, which may carry a key: not shown.
                last = transport_reason(error)
                wait = self.first_delay * 2.0**attempt
            if attempt + 1 == self.tries:
                break
            if waited + wait > MAX_RETRY_WAIT_S:
                raise ServiceUnavailable(
                    f"the Safe Transaction Service at {self.display_url} failed to {what} "
                    f"({last}) and asks to wait {wait:g} s more, beyond the "
                    f"{MAX_RETRY_WAIT_S:g} s safeops waits"
                ) from None
            self._sleep(wait)
            waited += wait
        raise ServiceUnavailable(
            f"the Safe Transaction Service at {self.display_url} failed to {what} "
            f"after {self.tries} tries ({last})"
        ) from None

    def _wait(self, attempt: int, error: HttpStatus) -> float:
        if error.status in (429, 503) and error.retry_after is not None:
            return float(error.retry_after)
        return self.first_delay * 2.0**attempt

    def _rejected(self, what: str, error: HttpStatus) -> ServiceRejected:
        from safeops.proposals.service_json import reason

        if error.status in (401, 403):
            hint = API_KEY_HINT
        elif error.status == 404:
            hint = "Check the service URL in the policy and the Safe's address."
        else:
            hint = "Nothing was stored. Review the plan, the Safe's owners and its nonce."
        return ServiceRejected(
            f"the Safe Transaction Service at {self.display_url} refused to {what} "
            f"(HTTP {error.status}): {reason(error.text)}",
            status=error.status,
            hint=hint,
        )


def transport_reason(error: BaseException) -> str:
    if isinstance(error, json.JSONDecodeError):
        return "its answer is not JSON"
    if isinstance(error, requests.Timeout):
        return "timed out"
    if isinstance(error, requests.ConnectionError):
        return "connection failed"
    return type(error).__name__
