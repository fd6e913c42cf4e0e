"""Reading what the Safe Transaction Service says: Retry-After, pages, confirmations."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from safeops.errors import Refused
from safeops.proposals.service_client import ORIGIN, retry_after_seconds
from safeops.proposals.service_json import read_page

NOW = datetime(2026, 11, 21, 3, 0, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("header", "seconds"),
    [
        ("7", 7.0),
        (" 0 ", 0.0),
        ("Sat, 21 Nov 2026 03:00:12 GMT", 12.0),
        ("Sat, 21 Nov 2026 02:59:00 GMT", 0.0),  # already past: retry now
        (None, None),
        ("soon", None),
        ("-3", None),
        ("1.5", None),  # RFC 9110: delta-seconds are whole
    ],
)
def test_retry_after_in_both_forms(header: str | None, seconds: float | None) -> None:
    assert retry_after_seconds(header, NOW) == seconds


def test_origin_names_safeops_and_its_version_within_the_services_200_chars() -> None:
    from safeops import __version__

    assert f'{{"name": "safeops {__version__}"}}' == ORIGIN
    assert len(ORIGIN) <= 200


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ([], "not a page"),
        ({"results": []}, "without a count"),
        ({"results": [], "count": "3"}, "without a count"),
        ({"results": [], "count": 1, "next": 7}, "next link is not a URL"),
    ],
)
def test_malformed_pages_are_refused(document: object, message: str) -> None:
    with pytest.raises(Refused, match=message):
        read_page(document)
