"""RPC URLs often carry API keys in their path or query: show only scheme, host and port."""

from __future__ import annotations

from urllib.parse import urlsplit


def redact_url(url: str) -> str:
    """`https://eth.example/v2/KEY?x=1` -> `https://eth.example/…`; credentials dropped too."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "<malformed URL>"
    if not parts.scheme or not parts.hostname:
        return "<malformed URL>"
    host = parts.hostname if parts.port is None else f"{parts.hostname}:{parts.port}"
    hidden = "/…" if (parts.path not in ("", "/") or parts.query or parts.fragment) else ""
    return f"{parts.scheme}://{host}{hidden}"
