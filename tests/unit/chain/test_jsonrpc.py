"""A JSON-RPC node reads the proxy environment once, for its URL, not before every request."""

from __future__ import annotations

import pytest
import requests

from safeops.chain.jsonrpc import JsonRpcNode


def test_the_proxy_of_the_environment_is_read_once_for_the_node(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.internal:3128")
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    node = JsonRpcNode("https://rpc.example.org/v1/KEY", requests.Session())
    assert node.session.trust_env is False
    assert node.session.proxies["https"] == "http://proxy.internal:3128"
    # Read once: a later change of the environment is not looked up per request.
    monkeypatch.setenv("HTTPS_PROXY", "http://elsewhere.internal:8080")
    settings = node.session.merge_environment_settings(node.url, {}, None, None, None)
    assert settings["proxies"]["https"] == "http://proxy.internal:3128"


def test_no_proxy_still_exempts_a_node(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTP_PROXY", "http://proxy.internal:3128")
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    node = JsonRpcNode("http://127.0.0.1:8545", requests.Session())
    assert "http" not in node.session.proxies


def test_a_ca_bundle_of_the_environment_is_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", "/etc/ssl/corporate.pem")
    node = JsonRpcNode("https://rpc.example.org", requests.Session())
    assert node.session.verify == "/etc/ssl/corporate.pem"
