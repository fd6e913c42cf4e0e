"""A JSON-RPC proxy for the benchmarks: an RPC far away (a delay per request), counting what
the tools and their forks ask, and how long a request was in flight."""

from __future__ import annotations

import json
import threading
import time
import urllib.request
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar

Counts = Counter[tuple[str, str]]
"""JSON-RPC requests by (client, method), the client "tool" or "fork"; HTTP round trips
are counted under the method ROUND_TRIPS (a batch is one round trip, several requests)."""
ROUND_TRIPS = "(round trips)"


@dataclass
class Traffic:
    """What passed through a proxy: requests by client and method, and when each HTTP request
    was in flight (the sequential round trips of a run are its busy time ÷ the delay)."""

    counts: Counts = field(default_factory=Counter)
    spans: list[tuple[float, float]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def clear(self) -> None:
        with self.lock:
            self.counts.clear()
            self.spans.clear()

    def busy_seconds(self) -> float:
        """How long at least one request was in flight: overlapping requests count once."""
        total, end = 0.0, float("-inf")
        for begin, finish in sorted(self.spans):
            if finish <= end:
                continue
            total += finish - max(begin, end)
            end = finish
        return total


class _Proxy(BaseHTTPRequestHandler):
    """Forward each JSON-RPC POST to the upstream node after `delay_s`, counting methods."""

    protocol_version = "HTTP/1.1"  # keep-alive, as clients expect of a node
    # Headers and body leave in two writes: with Nagle's algorithm, the body would wait for
    # the client's delayed ACK (~40 ms), a delay no real node adds.
    disable_nagle_algorithm = True
    upstream: ClassVar[str] = ""
    delay_s: ClassVar[float] = 0.0
    traffic: ClassVar[Traffic] = Traffic()

    def do_POST(self) -> None:  # the name http.server calls
        began = time.perf_counter()
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        payload = json.loads(body)
        client = _client(self.headers.get("User-Agent", ""))
        with self.traffic.lock:
            self.traffic.counts[(client, ROUND_TRIPS)] += 1
            for call in payload if isinstance(payload, list) else [payload]:
                self.traffic.counts[(client, str(call.get("method")))] += 1
        time.sleep(self.delay_s)
        request = urllib.request.Request(  # noqa: S310 - the devnet, on 127.0.0.1
            self.upstream, data=body, headers={"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            answer = response.read()
        try:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up on this request (a fork shutting down): nothing to say
        with self.traffic.lock:
            self.traffic.spans.append((began, time.perf_counter()))

    def log_message(self, format: str, *args: object) -> None:  # quiet
        return


def _client(user_agent: str) -> str:
    """The tool's own requests vs those of the anvil fork a rehearsal started (anvil fetches
    the origin's state lazily, as the rehearsal touches it)."""
    return "tool" if user_agent.lower().startswith(("python", "web3")) else "fork"


@contextmanager
def rpc_proxy(upstream: str, delay_s: float = 0.0) -> Iterator[tuple[str, Traffic]]:
    """A JSON-RPC proxy on 127.0.0.1 in front of `upstream` that counts what passes through
    it and can add `delay_s` to every request, like an RPC far away."""
    attributes = {"upstream": upstream, "delay_s": delay_s, "traffic": Traffic()}
    handler = type("Handler", (_Proxy,), attributes)
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", handler.traffic
    finally:
        server.shutdown()
        server.server_close()
