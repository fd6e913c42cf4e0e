"""JSON-RPC over HTTP without web3: one keep-alive session per node, single requests and batches.

web3.py costs ~0.8 s to import (it loads eth_account, eth_keyfile and py_ecc's BLS pairing
tables), for nothing safeops needs from it: every request safeops makes is plain JSON-RPC.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import requests

Call = tuple[str, Sequence[Any]]
"""A JSON-RPC method and its params."""

# Requests per HTTP POST of a batch: hosted RPCs cap batches (often at 100 or 1,000) and some
# bill a large one as a burst; longer lists go as several POSTs.
BATCH_LIMIT = 100
_HEADERS = {"Content-Type": "application/json"}
# Statuses with which a node says it takes no batch at all: the calls then go one by one.
_NO_BATCH_STATUSES = frozenset({400, 404, 405, 413, 415, 501})


class NodeError(Exception):
    """The node answered the request with a JSON-RPC error (it was reached; it refused)."""

    def __init__(self, method: str, error: Any) -> None:
        details = error if isinstance(error, dict) else {"message": str(error)}
        self.method = method
        self.code = details.get("code")
        self.message = str(details.get("message", "error"))
        data = details.get("data")
        # Revert data comes as 0x-hex (geth, anvil) or nested in an object (some providers).
        self.data = data.get("data") if isinstance(data, dict) else data
        super().__init__(f"{method}: {self.message}")


@dataclass(frozen=True)
class Reply:
    """One answer of a batch: a result, or the node's error for that request."""

    method: str
    result: Any = None
    error: NodeError | None = None

    def value(self) -> Any:
        if self.error is not None:
            raise self.error
        return self.result


def settle_environment(session: requests.Session, url: str) -> None:
    """Read the proxy and CA-bundle settings of the environment for `url` once, as requests
    itself would, instead of before every request: requests walks the whole environment per
    request (about 1 ms of CPU each, hundreds in a run, several chains at once under one GIL).
    Also drops ~/.netrc credentials, which no RPC of a policy should be sent."""
    if not session.trust_env:
        return  # settled already (a session shared by the nodes of one URL)
    settings = session.merge_environment_settings(url, {}, None, None, None)
    session.proxies.update(settings["proxies"])
    session.verify = settings["verify"]
    session.trust_env = False


class JsonRpcNode:
    """A JSON-RPC endpoint reached over one `requests` session (keep-alive, any retry policy
    the session carries). Transport failures raise `requests` exceptions; error answers
    raise `NodeError`. The URL may embed an API key: it is never part of a message."""

    def __init__(
        self,
        url: str,
        session: requests.Session | None = None,
        timeout: float | tuple[float, float] = 10.0,
    ) -> None:
        if session is None:
            import requests

            session = requests.Session()
        settle_environment(session, url)
        self.url = url
        self.session = session
        self.timeout = timeout
        self._ids = itertools.count(1)

    def __repr__(self) -> str:
        return "JsonRpcNode(…)"  # the URL may hold an API key

    def _post(self, body: dict[str, Any] | list[dict[str, Any]]) -> Any:
        # The body as bytes (`data=`), as web3 sends it: a session's retry policy reads it to
        # tell a send, never re-posted, from a read (chain/retry.py).
        data = json.dumps(body, separators=(",", ":")).encode()
        response = self.session.post(self.url, data=data, headers=_HEADERS, timeout=self.timeout)
        if response.status_code in _NO_BATCH_STATUSES and isinstance(body, list):
            return None  # the caller falls back to one request at a time
        response.raise_for_status()
        return response.json()

    def make_request(self, method: str, params: Sequence[Any] = ()) -> dict[str, Any]:
        """The raw answer object ({"result": …} or {"error": …}), for callers that read the
        error itself (a revert's data, a fork's refusal)."""
        body = {"jsonrpc": "2.0", "id": next(self._ids), "method": method, "params": list(params)}
        answer = self._post(body)
        if not isinstance(answer, dict):
            raise NodeError(method, {"message": "the answer is not a JSON-RPC object"})
        return answer

    def request(self, method: str, params: Sequence[Any] = ()) -> Any:
        """The result of one request; NodeError when the node answers with an error."""
        answer = self.make_request(method, params)
        if "error" in answer and answer["error"] is not None:
            raise NodeError(method, answer["error"])
        return answer.get("result")

    def batch(self, calls: Sequence[Call]) -> list[Reply]:
        """Every call, in order, in as few HTTP round trips as the node allows: one POST per
        BATCH_LIMIT calls. A node that takes no batches gets them one by one."""
        replies: list[Reply] = []
        for start in range(0, len(calls), BATCH_LIMIT):
            replies += self._batch(calls[start : start + BATCH_LIMIT])
        return replies

    def _batch(self, calls: Sequence[Call]) -> list[Reply]:
        if len(calls) == 1:
            return [self._one(*calls[0])]
        ids = [next(self._ids) for _ in calls]
        body = [
            {"jsonrpc": "2.0", "id": id_, "method": method, "params": list(params)}
            for id_, (method, params) in zip(ids, calls, strict=True)
        ]
        answers = self._post(body)
        if not isinstance(answers, list):
            # No batches here (an error object, or a status saying so): one by one instead.
            return [self._one(method, params) for method, params in calls]
        by_id = {a.get("id"): a for a in answers if isinstance(a, dict)}
        replies = []
        for id_, (method, _params) in zip(ids, calls, strict=True):
            answer = by_id.get(id_)
            if answer is None:
                replies.append(Reply(method, error=NodeError(method, "no answer in the batch")))
            elif answer.get("error") is not None:
                replies.append(Reply(method, error=NodeError(method, answer["error"])))
            else:
                replies.append(Reply(method, answer.get("result")))
        return replies

    def _one(self, method: str, params: Sequence[Any]) -> Reply:
        try:
            return Reply(method, self.request(method, params))
        except NodeError as error:
            return Reply(method, error=error)


def block_tag(block: int | str) -> str:
    """A block number as JSON-RPC takes it (`0x1f`), or a tag (`latest`) as it is."""
    return hex(block) if isinstance(block, int) else block


def quantity(value: Any) -> int:
    """A JSON-RPC quantity (`0x…`) as an int."""
    if isinstance(value, int):
        return value
    if not isinstance(value, str) or not value.startswith("0x"):
        raise ValueError(f"not a JSON-RPC quantity: {value!r}")
    return int(value, 16)


def data_bytes(value: Any) -> bytes:
    """JSON-RPC data (`0x…`) as bytes."""
    if not isinstance(value, str) or not value.startswith("0x"):
        raise ValueError("not JSON-RPC data")
    return bytes.fromhex(value[2:])
