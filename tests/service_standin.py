"""A local stand-in for the Safe Transaction Service: its endpoints, checks and errors, for tests.

It serves what safe-eth-py's `TransactionServiceApi` calls, with the Service's paths, JSON names,
status codes and error bodies (Django REST framework, camelCase):

- `POST /api/v{1,2}/safes/{safe}/multisig-transactions/` propose: 201; invalid -> 422
  `{"nonFieldErrors": [...]}` or `{"field": [...]}`; an unknown Safe -> 422.
- `GET  /api/v{1,2}/safes/{safe}/multisig-transactions/` list: `executed`, `trusted` (default
  true), `nonce` and `nonce__{gte,gt,lte,lt}`, `safe_tx_hash`, `ordering`, `limit`/`offset`;
  `{count, next, previous, results, countUniqueNonce}`.
- `GET  /api/v{1,2}/multisig-transactions/{hash}/` one transaction, 404 `{"detail": ...}`.
- `POST /api/v1/multisig-transactions/{hash}/confirmations/` 201; invalid -> 400
  `{"signature": [...]}`; unknown hash -> 404. `GET` lists them.
- `GET  /api/v1/about/`.

- `GET  /api/v1/safes/{safe}/` the Safe's info (api-kit's getPendingTransactions asks it).

Checks, in the Service's order (history/serializers.py): POST bodies must be JSON (DRF's 415);
`origin` at most 200 characters, kept as JSON when it parses (rendered back with json.dumps, as
the Service's get_origin does); DELEGATECALL refused unless `to` is trusted for it
(DISABLE_CREATION_MULTISIG_TRANSACTIONS_WITH_DELEGATE_CALL_OPERATION, on by default in the
Service); the contractTransactionHash recomputed from the fields for the Safe's version and
chain; the nonce not executed (here: not below the Safe's nonce, which is what the real check
amounts to once the indexer caught up); the sender an owner or delegate; each signature valid,
from an owner or delegate, not twice in one request, and the sender among the signers. A
confirmation's signature is 65 to 5,000 bytes (MAX_SIGNATURE_LENGTH). Signatures are parsed and
validated by safe-eth-py's SafeSignature, the Service's own code: EOA and eth_sign recovered;
contract (v 0, EIP-1271) and approved-hash (v 1) ones checked on chain when the stand-in has an
`rpc_url` (the Service always has a node), otherwise "not valid". A confirmation repeated by an
owner is ignored (the Service's get_or_create), one repeated within a request is refused. The
indexer's confirmations of on-chain approvals carry no signature (null, which the schema
allows): `approve_on_chain` adds one. v2 renders nonce, safeTxGas and baseGas as strings, v1 as
numbers, like the Service. 429 answers carry Retry-After, as DRF's throttling does.
"""

from __future__ import annotations

import json
import operator
import re
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from eth_utils.address import is_checksum_address
from safe_eth.safe.safe_signature import SafeSignature, SafeSignatureType
from safe_eth.util.util import to_0x_hex_str

from safeops.core.transactions.safe_tx import SafeTx, SafeVersion, safe_tx_hashes

ZERO = "0x" + "00" * 20
DEFAULT_LIMIT = 100
MAX_LIMIT = 200
_SAFE_TXS = re.compile(r"^/api/v(?P<version>[12])/safes/(?P<safe>[^/]+)/multisig-transactions/$")
_ONE_TX = re.compile(
    r"^/api/v(?P<version>[12])/multisig-transactions/(?P<hash>0x[0-9a-fA-F]{64})/$"
)
_CONFIRMATIONS = re.compile(
    r"^/api/v1/multisig-transactions/(?P<hash>0x[0-9a-fA-F]{64})/confirmations/$"
)
_SAFE_INFO = re.compile(r"^/api/v1/safes/(?P<safe>[^/]+)/$")
MAX_SIGNATURE_LENGTH = 5_000  # bytes; the Service's serializer names them "hexadecimal chars"
MAX_ORIGIN_LENGTH = 200
# Trusted for DELEGATECALL on the hosted Service: the canonical MultiSend and MultiSendCallOnly
# deployments (1.3.0 and 1.4.1) and SignMessageLib.
TRUSTED_FOR_DELEGATE_CALL = frozenset(
    {
        "0xA238CBeb142c10Ef7Ad8442C6D1f9E89e07e7761",  # MultiSend 1.3.0
        "0x40A2aCCbd92BCA938b02010E17A5b8929b49130D",  # MultiSendCallOnly 1.3.0
        "0x38869bf66a61cF6bDB996A6aE40D5853Fd43B526",  # MultiSend 1.4.1
        "0x9641d764fc13c8B624c04430C7356C1C7C8102e2",  # MultiSendCallOnly 1.4.1
        "0xA65387F16B013cf2Af4605Ad8aA5ec25a2cbA3a2",  # SignMessageLib 1.3.0
        "0xd53cd0aB83D845Ac265BE939c57F53AD838012c9",  # SignMessageLib 1.4.1
    }
)


@dataclass
class SafeInfo:
    """What the Service would read from the chain about one Safe."""

    owners: list[str]
    threshold: int
    nonce: int = 0
    version: str = "1.4.1"
    chain_id: int = 31337


@dataclass
class Recorded:
    """One request as received, for tests to assert on what the client sent."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: Any


@dataclass
class _Confirmation:
    owner: str
    signature: str | None  # None: an on-chain approval the indexer found
    signature_type: str
    submitted: str


@dataclass
class _Stored:
    safe: str
    safe_tx_hash: str
    tx: SafeTx
    proposer: str
    proposed_by_delegate: str | None
    origin: Any  # the parsed JSON when `origin` was JSON, else the string
    trusted: bool
    submitted: str
    confirmations: dict[str, _Confirmation] = field(default_factory=dict)
    executed_tx: str | None = None


class Invalid(Exception):
    """A validation error, rendered as the Service renders it."""

    def __init__(self, status: int, body: dict[str, Any]) -> None:
        super().__init__(body)
        self.status = status
        self.body = body


def _refuse(message: str, *, status: int = 422, key: str = "nonFieldErrors") -> Invalid:
    return Invalid(status, {key: [message]})


def _now() -> str:
    return datetime.now(UTC).isoformat().replace("+00:00", "Z")


class ServiceStandIn:
    """The fake Service: fill `safes` (and `delegates`), then point a client at `url`."""

    def __init__(self, api_key: str | None = None, rpc_url: str | None = None) -> None:
        self.api_key = api_key
        self.rpc_url = rpc_url
        """A node to check contract and approved-hash signatures with, as the Service does."""
        self.disable_delegate_call = True
        """DISABLE_CREATION_MULTISIG_TRANSACTIONS_WITH_DELEGATE_CALL_OPERATION"""
        self.trusted_for_delegate_call = set(TRUSTED_FOR_DELEGATE_CALL)
        self.next_base: str | None = None
        """When set, `next` links name this scheme and host (as behind a gateway)."""
        self.count_offset = 0
        """Added to listings' `count`: a Service whose pages and count disagree."""
        self.safes: dict[str, SafeInfo] = {}
        self.delegates: dict[str, str] = {}
        """Delegate -> the owner who delegated (the Service records that owner as proposer)."""
        self.requests: list[Recorded] = []
        self.transactions: dict[str, _Stored] = {}
        self._faults: list[int] = []
        self._tampered: dict[str, dict[str, Any]] = {}
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- life cycle -------------------------------------------------------------------------

    def start(self) -> ServiceStandIn:
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._server.daemon_threads = True
        # A short poll interval: shutdown() waits for the loop's next poll.
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = self._thread = None

    def __enter__(self) -> ServiceStandIn:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        assert self._server is not None, "start() the stand-in first"
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    # -- switches for tests -----------------------------------------------------------------

    def fail_next(self, status: int, times: int = 1, retry_after: str | None = None) -> None:
        """Answer the next `times` requests, whatever they are, with `status` (e.g. 500, 429).
        A 429 says `Retry-After: 1` unless `retry_after` says otherwise, like DRF's throttle."""
        if retry_after is None and status == 429:
            retry_after = "1"
        with self._lock:
            self._faults.extend([(status, retry_after)] * times)

    def approve_on_chain(self, safe_tx_hash: str, owner: str) -> None:
        """As the indexer records an owner's approveHash: a confirmation without a signature."""
        with self._lock:
            stored = self.transactions[safe_tx_hash.lower()]
            stored.confirmations.setdefault(
                owner, _Confirmation(owner, None, "APPROVED_HASH", _now())
            )

    def tamper(self, safe_tx_hash: str, field_name: str, value: Any) -> None:
        """Serve `field_name` (a Service JSON name, e.g. `data`) as `value` from now on."""
        with self._lock:
            self._tampered.setdefault(safe_tx_hash.lower(), {})[field_name] = value

    def mark_executed(self, safe_tx_hash: str, tx_hash: str = "0x" + "ee" * 32) -> None:
        """As if the indexer saw it executed: the Safe's nonce moves past it."""
        with self._lock:
            stored = self.transactions[safe_tx_hash.lower()]
            stored.executed_tx = tx_hash
            info = self.safes[stored.safe]
            info.nonce = max(info.nonce, stored.tx.nonce + 1)

    # -- endpoints --------------------------------------------------------------------------

    def handle(
        self, method: str, target: str, headers: dict[str, str], body: Any
    ) -> tuple[int, Any, dict[str, str]]:
        """(status, JSON body, extra response headers) for one request."""
        parts = urlsplit(target)
        query = parse_qs(parts.query)
        with self._lock:
            self.requests.append(Recorded(method, parts.path, query, headers, body))
            if self._faults:
                status, retry_after = self._faults.pop(0)
                extra = {"Retry-After": retry_after} if retry_after is not None else {}
                return (*_fault(status, retry_after), extra)
            if (
                self.api_key is not None
                and headers.get("authorization") != f"Bearer {self.api_key}"
            ):
                return 401, {"detail": "Authentication credentials were not provided."}, {}
            kind = headers.get("content-type", "").split(";")[0].strip()
            if method == "POST" and kind != "application/json":
                return 415, {"detail": f'Unsupported media type "{kind}" in request.'}, {}
            try:
                return (*self._route(method, parts.path, query, body), {})
            except Invalid as invalid:
                return invalid.status, invalid.body, {}

    def _route(
        self, method: str, path: str, query: dict[str, list[str]], body: Any
    ) -> tuple[int, Any]:
        if path == "/api/v1/about/" and method == "GET":
            return 200, {"name": "Safe Transaction Service (stand-in)", "version": "stand-in"}
        if (match := _SAFE_INFO.match(path)) and method == "GET":
            info = self.safes.get(match["safe"])
            if info is None:
                return 404, {"detail": "Not found."}
            return 200, {
                "address": match["safe"],
                "nonce": str(info.nonce),
                "threshold": info.threshold,
                "owners": info.owners,
                "version": info.version,
            }
        if match := _SAFE_TXS.match(path):
            safe, v2 = match["safe"], match["version"] == "2"
            if not is_checksum_address(safe):
                return 422, {
                    "code": 1,
                    "message": "Checksum address validation failed",
                    "arguments": [safe],
                }
            if method == "POST":
                self._propose(safe, body)
                return 201, None
            if method == "GET":
                return 200, self._list(safe, path, query, v2)
        elif match := _ONE_TX.match(path):
            stored = self.transactions.get(match["hash"].lower())
            if stored is None:
                return 404, {"detail": "Not found."}
            if method == "GET":
                return 200, self._render(stored, match["version"] == "2")
        elif match := _CONFIRMATIONS.match(path):
            safe_tx_hash = match["hash"].lower()
            if method == "POST":
                return 201, self._confirm(safe_tx_hash, body)
            if method == "GET":
                stored = self.transactions.get(safe_tx_hash)
                found = (
                    [_render_confirmation(c) for c in stored.confirmations.values()]
                    if stored
                    else []
                )
                return 200, {"count": len(found), "next": None, "previous": None, "results": found}
        else:
            return 404, {"detail": "Not found."}
        return 405, {"detail": f'Method "{method}" not allowed.'}

    def _propose(self, safe: str, body: Any) -> None:
        tx, claimed, sender, signature, origin = _proposal_fields(safe, body)
        if (
            self.disable_delegate_call
            and tx.operation == 1
            and tx.to not in self.trusted_for_delegate_call
        ):
            raise _refuse("Operation DELEGATE_CALL is not allowed")
        info = self.safes.get(safe)
        if info is None:
            raise _refuse(
                "Could not get Safe owners from blockchain, check contract exists on network"
            )
        computed = safe_tx_hashes(
            tx, info.chain_id, SafeVersion.parse(info.version)
        ).safe_tx_hash.hex0x
        if computed != claimed:
            raise _refuse(
                f"Contract-transaction-hash={computed} does not match provided "
                f"contract-tx-hash={claimed}"
            )
        for other in self.transactions.values():
            if other.safe == safe and other.tx.nonce == tx.nonce and other.executed_tx:
                raise _refuse(
                    f"Tx with nonce={tx.nonce} for safe={safe} already executed in "
                    f"tx-hash={other.executed_tx}"
                )
        if tx.nonce < info.nonce:
            raise _refuse(f"Tx with nonce={tx.nonce} for safe={safe} already executed")
        delegates = {d for d, owner in self.delegates.items() if owner in info.owners}
        allowed = set(info.owners) | delegates
        if sender not in allowed:
            raise _refuse(
                f"Sender={sender} is not an owner or delegate. "
                f"Current owners={info.owners}. Delegates={sorted(delegates)}"
            )
        signers = self._check_signatures(
            signature, tx, computed, allowed, delegates, info, "is not an owner or delegate"
        )
        if signers and sender not in [owner for owner, _, _ in signers]:
            raise _refuse(
                f"Signature does not match sender={sender}. "
                f"Calculated owners={[owner for owner, _, _ in signers]}"
            )
        stored = self.transactions.get(computed)
        if stored is None:
            by_delegate = sender not in info.owners
            stored = self.transactions[computed] = _Stored(
                safe=safe,
                safe_tx_hash=computed,
                tx=tx,
                proposer=self.delegates[sender] if by_delegate else sender,
                proposed_by_delegate=sender if by_delegate else None,
                origin=origin,
                trusted=bool(signers),
                submitted=_now(),
            )
        elif signers and not stored.trusted:
            stored.trusted, stored.origin = True, origin
        for owner, signature_type, raw in signers:
            if owner in info.owners:  # a delegate's signature proposes, it does not confirm
                stored.confirmations.setdefault(
                    owner, _Confirmation(owner, "0x" + raw.hex(), signature_type, _now())
                )

    def _confirm(self, safe_tx_hash: str, body: Any) -> dict[str, str]:
        signature = _hex_field(body, "signature", status=400, max_length=MAX_SIGNATURE_LENGTH)
        stored = self.transactions.get(safe_tx_hash)
        if stored is None:
            raise Invalid(
                404,
                {"detail": f"Multisig transaction with safe-tx-hash={safe_tx_hash} was not found"},
            )
        if stored.executed_tx:
            raise _refuse(
                f"Transaction with safe-tx-hash={safe_tx_hash} was already executed",
                status=400,
                key="signature",
            )
        info = self.safes[stored.safe]
        signers = self._check_signatures(
            signature,
            stored.tx,
            safe_tx_hash,
            set(info.owners),
            set(),
            info,
            "is not an owner",
            status=400,
            key="signature",
        )
        for owner, signature_type, raw in signers:
            stored.confirmations.setdefault(
                owner, _Confirmation(owner, "0x" + raw.hex(), signature_type, _now())
            )
        stored.trusted = stored.trusted or bool(signers)
        return {"signature": "0x" + signature.hex()}

    def _check_signatures(
        self,
        blob: bytes,
        tx: SafeTx,
        safe_tx_hash: str,
        allowed: set[str],
        delegates: set[str],
        info: SafeInfo,
        not_allowed: str,
        *,
        status: int = 422,
        key: str = "nonFieldErrors",
    ) -> list[tuple[str, str, bytes]]:
        """(signer, signature type, exported signature) each, refusing as the Service does,
        with its own parser (safe-eth-py's SafeSignature)."""
        hashes = safe_tx_hashes(tx, info.chain_id, SafeVersion.parse(info.version))
        preimage = b"\x19\x01" + hashes.domain_hash + hashes.message_hash
        parsed = SafeSignature.parse_signature(blob, bytes.fromhex(safe_tx_hash[2:]), preimage)
        signers: list[tuple[str, str, bytes]] = []
        for signature in parsed:
            owner = signature.owner
            if not self._is_valid(signature, tx.safe, info):
                raise _refuse(
                    f"Signature={to_0x_hex_str(signature.signature)} for owner={owner} "
                    "is not valid",
                    status=status,
                    key=key,
                )
            if owner in delegates and len(parsed) > 1:
                raise _refuse(
                    "Just one signature is expected if using delegates", status=status, key=key
                )
            if owner not in allowed:
                raise _refuse(
                    f"Signer={owner} {not_allowed}. Current owners={info.owners}",
                    status=status,
                    key=key,
                )
            if owner in [signer for signer, _, _ in signers]:
                raise _refuse(f"Signature for owner={owner} is duplicated", status=status, key=key)
            kind = signature.signature_type.name
            signers.append((owner, kind, bytes(signature.export_signature())))
        return signers

    def _is_valid(self, signature: SafeSignature, safe: str, info: SafeInfo) -> bool:
        """EOA and eth_sign recover offline; the others need the chain, as in the Service."""
        if signature.signature_type in (SafeSignatureType.EOA, SafeSignatureType.ETH_SIGN):
            return bool(signature.is_valid())
        if self.rpc_url is None:
            return False
        from safe_eth.eth import EthereumClient

        client = EthereumClient(self.rpc_url)  # type: ignore[arg-type]
        return bool(signature.is_valid(client, safe, info.version))

    def _list(self, safe: str, path: str, query: dict[str, list[str]], v2: bool) -> dict[str, Any]:
        found = [t for t in self.transactions.values() if t.safe == safe]
        executed = _boolean(query, "executed")
        if executed is not None:
            found = [t for t in found if bool(t.executed_tx) == executed]
        trusted = _boolean(query, "trusted")
        found = [t for t in found if t.trusted == (True if trusted is None else trusted)]
        for suffix, keep in (
            ("", operator.eq),
            ("__gte", operator.ge),
            ("__gt", operator.gt),
            ("__lte", operator.le),
            ("__lt", operator.lt),
        ):
            bound = _number(query, "nonce" + suffix)
            if bound is not None:
                found = [t for t in found if keep(t.tx.nonce, bound)]
        if wanted := _first(query, "safe_tx_hash"):
            found = [t for t in found if t.safe_tx_hash == wanted.lower()]
        found = _ordered(found, _first(query, "ordering") or "-nonce,-created")
        limit = min(_number(query, "limit") or DEFAULT_LIMIT, MAX_LIMIT)
        offset = _number(query, "offset") or 0
        page = found[offset : offset + limit]

        def link(at: int) -> str:
            pairs = {k: v[0] for k, v in query.items()}
            base = self.next_base or self.url
            return f"{base}{path}?{urlencode({**pairs, 'limit': limit, 'offset': at})}"

        return {
            "count": len(found) + self.count_offset,
            "next": link(offset + limit) if offset + limit < len(found) else None,
            "previous": link(max(offset - limit, 0)) if offset > 0 else None,
            "results": [self._render(t, v2) for t in page],
            "countUniqueNonce": len({t.tx.nonce for t in found}),
        }

    def _render(self, stored: _Stored, v2: bool) -> dict[str, Any]:
        tx, info = stored.tx, self.safes[stored.safe]
        number: Any = str if v2 else int  # v2 serves uint256 counters as strings
        document: dict[str, Any] = {
            "safe": stored.safe,
            "to": tx.to,
            "value": str(tx.value),
            "data": "0x" + tx.data.hex() if tx.data else None,
            "operation": tx.operation,
            "gasToken": tx.gas_token,
            "safeTxGas": number(tx.safe_tx_gas),
            "baseGas": number(tx.base_gas),
            "gasPrice": str(tx.gas_price),
            "refundReceiver": tx.refund_receiver,
            "nonce": number(tx.nonce),
            "executionDate": stored.submitted if stored.executed_tx else None,
            "submissionDate": stored.submitted,
            "modified": stored.submitted,
            "blockNumber": None,
            "transactionHash": stored.executed_tx,
            "safeTxHash": stored.safe_tx_hash,
            "proposer": stored.proposer,
            "proposedByDelegate": stored.proposed_by_delegate,
            "executor": None,
            "isExecuted": stored.executed_tx is not None,
            "isSuccessful": True if stored.executed_tx else None,
            "ethGasPrice": None,
            "maxFeePerGas": None,
            "maxPriorityFeePerGas": None,
            "gasUsed": None,
            "fee": None,
            "origin": stored.origin
            if isinstance(stored.origin, str)
            else json.dumps(stored.origin),
            "dataDecoded": None,
            "confirmationsRequired": info.threshold,
            "confirmations": [_render_confirmation(c) for c in stored.confirmations.values()],
            "trusted": stored.trusted,
            "signatures": None,
        }
        document.update(self._tampered.get(stored.safe_tx_hash, {}))
        return document


def _handler_for(standin: ServiceStandIn) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        # HTTP/1.0: one request per connection, so stop() never waits on an idle keep-alive.
        protocol_version = "HTTP/1.0"

        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            headers = {k.lower(): v for k, v in self.headers.items()}
            is_json = headers.get("content-type", "").startswith("application/json")
            try:
                body = json.loads(raw) if raw and is_json else raw.decode() or None
            except ValueError:
                status, answer, extra = 400, {"detail": "JSON parse error"}, {}
            else:
                status, answer, extra = standin.handle(self.command, self.path, headers, body)
            text = (
                answer
                if isinstance(answer, str)
                else json.dumps(answer)
                if answer is not None
                else ""
            )
            payload = text.encode()
            self.send_response(status)
            kind = "text/html" if isinstance(answer, str) else "application/json"
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(payload)))
            for name, value in extra.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(payload)

        do_GET = do_POST = do_DELETE = _serve  # noqa: N815

        def log_message(self, format: str, *args: Any) -> None:
            """Quiet: pytest shows the assertions, not an access log."""

    return Handler


def _fault(status: int, retry_after: str | None) -> tuple[int, Any]:
    if status == 429:
        wait = retry_after or "1"
        return 429, {"detail": f"Request was throttled. Expected available in {wait} seconds."}
    if status >= 500:
        return status, f"<h1>Server Error ({status})</h1>"
    return status, {"detail": f"injected {status}"}


def _proposal_fields(safe: str, body: Any) -> tuple[SafeTx, str, str, bytes, str | None]:
    """The propose body's fields, validated like the Service's serializer (422 per field)."""
    if not isinstance(body, dict):
        raise Invalid(422, {"nonFieldErrors": ["Invalid data. Expected a dictionary."]})
    errors: dict[str, list[str]] = {}

    def get(key: str, parse: Any, default: Any = ...) -> Any:
        raw = body.get(key)
        if raw is None:
            if default is ...:
                errors[key] = ["This field is required."]
            return default
        try:
            return parse(raw)
        except (TypeError, ValueError) as error:
            errors[key] = [str(error) or "Invalid value."]
            return default

    tx_fields = {
        "to": get("to", _address),
        "value": get("value", _uint),
        "data": get("data", _hex, b""),
        "operation": get("operation", _operation),
        "safe_tx_gas": get("safeTxGas", _uint),
        "base_gas": get("baseGas", _uint),
        "gas_price": get("gasPrice", _uint),
        "gas_token": get("gasToken", _address, ZERO),
        "refund_receiver": get("refundReceiver", _address, ZERO),
        "nonce": get("nonce", _uint),
    }
    claimed = get("contractTransactionHash", _hash)
    sender = get("sender", _address)
    signature = get("signature", _hex, b"")
    origin = get("origin", _origin, {})
    if signature and len(signature) < 65:
        errors["signature"] = ["Ensure this field has at least 65 hexadecimal chars."]
    if errors:
        raise Invalid(422, errors)
    return SafeTx(safe=safe, **tx_fields), claimed, sender, signature, origin


def _origin(raw: Any) -> Any:
    """CharField(max_length=200), then kept as JSON when it parses (validate_origin)."""
    if not isinstance(raw, str):
        raise ValueError("Not a valid string.")
    if len(raw) > MAX_ORIGIN_LENGTH:
        raise ValueError(f"Ensure this field has no more than {MAX_ORIGIN_LENGTH} characters.")
    if not raw:
        return {}
    try:
        return json.loads(raw)
    except ValueError:
        return raw


def _address(raw: Any) -> str:
    if not isinstance(raw, str) or not is_checksum_address(raw):
        raise ValueError(f"Address {raw} is not checksumed")
    return raw


def _uint(raw: Any) -> int:
    value = int(raw) if isinstance(raw, int | str) and not isinstance(raw, bool) else -1
    if not 0 <= value < 2**256:
        raise ValueError("A valid integer is required.")
    return value


def _operation(raw: Any) -> int:
    if _uint(raw) not in (0, 1):  # 2 (CREATE) exists in the enum but no Safe executes it
        raise ValueError(f'"{raw}" is not a valid choice.')
    return int(raw)


def _hex(raw: Any) -> bytes:
    if not isinstance(raw, str):
        raise ValueError("Not a valid hexadecimal value.")
    return bytes.fromhex(raw.removeprefix("0x"))


def _hash(raw: Any) -> str:
    value = _hex(raw)
    if len(value) != 32:
        raise ValueError(f"{raw} is not a valid sha3 hash")
    return "0x" + value.hex()


def _hex_field(body: Any, key: str, *, status: int, max_length: int | None = None) -> bytes:
    raw = body.get(key) if isinstance(body, dict) else None
    try:
        value = _hex(raw)
    except ValueError:
        raise Invalid(status, {key: ["Not a valid hexadecimal value."]}) from None
    if len(value) < 65:
        raise Invalid(status, {key: ["Ensure this field has at least 65 hexadecimal chars."]})
    if max_length is not None and len(value) > max_length:
        message = f"Ensure this field has no more than {max_length} hexadecimal chars"
        raise Invalid(status, {key: [message + " (not counting 0x)."]})
    return value


def _render_confirmation(confirmation: _Confirmation) -> dict[str, Any]:
    return {
        "owner": confirmation.owner,
        "submissionDate": confirmation.submitted,
        "transactionHash": None,
        "signature": confirmation.signature,
        "signatureType": confirmation.signature_type,
    }


def _first(query: dict[str, list[str]], name: str) -> str | None:
    values = query.get(name)
    return values[0] if values else None


def _boolean(query: dict[str, list[str]], name: str) -> bool | None:
    raw = _first(query, name)
    if raw is None or raw == "":
        return None
    if raw.lower() in ("true", "1"):
        return True
    if raw.lower() in ("false", "0"):
        return False
    raise Invalid(400, {name: ["Select a valid choice."]})


def _number(query: dict[str, list[str]], name: str) -> int | None:
    raw = _first(query, name)
    if raw is None or raw == "":
        return None
    if not raw.isdigit():
        raise Invalid(400, {name: ["Enter a number."]})
    return int(raw)


def _ordered(found: list[_Stored], ordering: str) -> list[_Stored]:
    for term in reversed(ordering.split(",")):
        name = term.strip().lstrip("-")
        if name == "nonce":
            found = sorted(found, key=lambda t: t.tx.nonce, reverse=term.strip().startswith("-"))
        elif name in ("created", "modified"):
            found = sorted(found, key=lambda t: t.submitted, reverse=term.strip().startswith("-"))
    return found
