"""A JSON-RPC proxy on 127.0.0.1 in front of a node that can drop, delay or falsify answers."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from enum import Enum
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import requests

MAX_DELAY_S = 10.0  # a test cannot make the proxy hold a request longer than this
UPSTREAM_TIMEOUT_S = 10.0

# (method, params, result) -> the result to send instead
Falsifier = Callable[[str, list[Any], Any], Any]


class Mode(Enum):
    FORWARD = "forward"
    DROP = "drop"  # accept, read the request, close the connection without an answer
    DELAY = "delay"  # sleep `delay_s`, then forward
    NO_BATCH = "no-batch"  # answer a batch with one error object, as nodes without batches do
    STATUS = "status"  # answer HTTP `status` (after forwarding, if `forward_first`)


@dataclass
class Behaviour:
    """What the proxy does now; a test changes it between requests."""

    mode: Mode = Mode.FORWARD
    only: frozenset[str] | None = None  # the methods `mode` applies to; None: every method
    delay_s: float = 0.0
    falsify: Falsifier | None = None
    status: int = 502
    status_times: int = 1  # how many answers get `status`; then the proxy forwards again
    forward_first: bool = True  # the upstream sees the request (a node that took a send)
    retry_after: str | None = None
    methods: list[str] = field(default_factory=list)  # every method asked, in order
    # Every HTTP request (a batch is one): who sent it ("tool", or "fork" for an anvil fork
    # fetching the origin's state) and its methods.
    posts: list[tuple[str, list[str]]] = field(default_factory=list)
    calls: list[tuple[str, str, list[Any]]] = field(default_factory=list)  # client, method, params

    def sent_by(self, client: str) -> list[str]:
        """The methods `client` asked, in order."""
        return [method for who, methods in self.posts if who == client for method in methods]

    statuses: list[tuple[str, int]] = field(default_factory=list)  # (method, status) answered


def _answer(upstream: str, request: dict[str, Any], behaviour: Behaviour) -> dict[str, Any]:
    answer: dict[str, Any] = requests.post(
        upstream, json=request, timeout=UPSTREAM_TIMEOUT_S
    ).json()
    if behaviour.falsify is not None and "result" in answer:
        params = request.get("params") or []
        answer["result"] = behaviour.falsify(request["method"], params, answer["result"])
    return answer


def _handler(upstream: str, behaviour: Behaviour) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))))
            calls = body if isinstance(body, list) else [body]
            methods = [str(call.get("method")) for call in calls]
            behaviour.methods.extend(methods)
            agent = self.headers.get("User-Agent", "").lower()
            client = "tool" if agent.startswith("python") else "fork"
            behaviour.posts.append((client, methods))
            behaviour.calls += [
                (client, c.get("method"), list(c.get("params") or [])) for c in calls
            ]
            only = behaviour.only
            mode = behaviour.mode if only is None or set(methods) & only else Mode.FORWARD
            if mode is Mode.DROP:
                self.close_connection = True
                return  # no status line at all: the client sees the connection closed
            if mode is Mode.DELAY:
                time.sleep(min(behaviour.delay_s, MAX_DELAY_S))
            if mode is Mode.STATUS and behaviour.status_times > 0:
                behaviour.status_times -= 1
                if behaviour.forward_first:
                    for call in calls:
                        _answer(upstream, call, behaviour)
                behaviour.statuses.extend((method, behaviour.status) for method in methods)
                self.send_response(behaviour.status)
                if behaviour.retry_after is not None:
                    self.send_header("Retry-After", behaviour.retry_after)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            if mode is Mode.NO_BATCH and isinstance(body, list):
                refusal = {"code": -32600, "message": "batch requests are not supported"}
                payload = json.dumps({"jsonrpc": "2.0", "id": None, "error": refusal}).encode()
            else:
                answers = [_answer(upstream, call, behaviour) for call in calls]
                payload = json.dumps(answers if isinstance(body, list) else answers[0]).encode()
            try:
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up waiting (a DELAY longer than its timeout)

        def log_message(self, format: str, *args: Any) -> None:
            return  # quiet: pytest shows stderr of failing tests

    return Handler


@dataclass
class RpcProxy:
    """A running proxy; `url` carries a fake API key in its path, which must never be shown."""

    server: ThreadingHTTPServer
    behaviour: Behaviour

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host!s}:{port}/v2/PROXY-API-KEY"

    @property
    def label(self) -> str:
        """The URL as safeops prints it."""
        host, port = self.server.server_address[:2]
        return f"http://{host!s}:{port}/…"


@contextmanager
def rpc_proxy(upstream: str) -> Iterator[RpcProxy]:
    """Start a proxy to `upstream` on a free port of 127.0.0.1; stop it on exit."""
    behaviour = Behaviour()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(upstream, behaviour))
    server.daemon_threads = True  # a delayed request never keeps the test process alive
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.daemon = True
    thread.start()
    try:
        yield RpcProxy(server, behaviour)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
