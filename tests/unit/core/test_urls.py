"""RPC URLs are shown without the API keys they often carry."""

from __future__ import annotations

import pytest

from safeops.core.urls import redact_url


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("http://127.0.0.1:8545", "http://127.0.0.1:8545"),
        ("https://eth.example/v2/SECRETKEY", "https://eth.example/…"),
        ("https://user:SECRETPASS@eth.example/", "https://eth.example"),
        ("https://eth.example/?apikey=SECRETKEY", "https://eth.example/…"),
        ("not a url", "<malformed URL>"),
    ],
)
def test_redaction(url: str, shown: str) -> None:
    assert redact_url(url) == shown
    assert "SECRET" not in redact_url(url)
