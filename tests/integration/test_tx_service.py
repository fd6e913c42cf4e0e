"""The `tx-service` store through safe-eth-py's client, against the local Service stand-in."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest
import requests
from eth_account import Account
from eth_account.messages import encode_defunct
from eth_account.signers.local import LocalAccount
from eth_typing import Hash32

from safeops.core.plan import Plan, Postcondition
from safeops.core.transactions.batch import Call, build_safe_tx
from safeops.core.transactions.safe_tx import SafeTxHash, SafeVersion, safe_tx_hashes
from safeops.errors import BadInput, ExitCode, Refused
from safeops.proposals import tx_service
from safeops.proposals.tx_service import ServiceRejected, ServiceStore, ServiceUnavailable
from tests.service_standin import SafeInfo, ServiceStandIn

pytestmark = pytest.mark.integration

# anvil's well-known, public dev accounts
ALICE = Account.from_key("0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d")
BOB = Account.from_key("0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a")
CAROL = Account.from_key("0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6")
DAVE = Account.from_key("0x47e179ec197488593b187f80a00eb0da91f1b9d0b13f8733639f19c30a34926a")
SAFE = "0xe690d772bCc82DA64dbE2d0Dc83BBfcB3B2c1590"
ROUTER = "0x2279B7A0a67DB372996a5FaB50D91eAA73d2eBe6"
PAUSE = bytes.fromhex("8456cb59")
V141 = SafeVersion.parse("1.4.1")
CHAIN = 31337


def _plan(nonce: int = 7, data: bytes = PAUSE) -> Plan:
    calls = (Call(ROUTER, data, description="pause router"),)
    return Plan(
        action="pause",
        arguments={"targets": ["router"]},
        safe_name="guardian",
        chain_id=CHAIN,
        safe_version=V141,
        tx=build_safe_tx(SAFE, calls, nonce, V141),
        calls=calls,
        postconditions=(Postcondition("router is paused", ROUTER, "paused()(bool)", (), True),),
        policy_digest="ab" * 32,
        created_at="2026-11-21T05:00:00Z",
    )


def _sign(account: LocalAccount, plan: Plan) -> str:
    digest = Hash32(plan.safe_tx_hash.raw)
    return "0x" + bytes(account.unsafe_sign_hash(digest).signature).hex()


def _eth_sign(account: LocalAccount, plan: Plan) -> str:
    """eth_sign style: the hash signed as a personal message, v raised by 4."""
    personal = account.sign_message(encode_defunct(primitive=plan.safe_tx_hash.raw))
    signature = bytes(personal.signature)
    return "0x" + (signature[:64] + bytes([signature[64] + 4])).hex()


def _put(store: ServiceStore, plan: Plan, *signers: LocalAccount) -> None:
    """Propose `plan` signed by `signers`, the first of them its proposer."""
    store.put(plan, {s.address: _sign(s, plan) for s in signers}, signers[0].address)


def _raw(
    standin: ServiceStandIn, method: str, path: str, body: Any = None, data: str | None = None
) -> tuple[int, Any]:
    """A request the client would never send (wrong hash, duplicate): the stand-in's answer."""
    response = requests.request(method, standin.url + path, json=body, data=data, timeout=5)
    return response.status_code, response.json() if response.content else None


@pytest.fixture
def standin() -> Iterator[ServiceStandIn]:
    with ServiceStandIn() as service:
        service.safes[SAFE] = SafeInfo([ALICE.address, BOB.address], threshold=2, nonce=7)
        yield service


@pytest.fixture
def sleeps() -> list[float]:
    return []


@pytest.fixture
def store(standin: ServiceStandIn, sleeps: list[float]) -> ServiceStore:
    return ServiceStore(SAFE, CHAIN, url=standin.url, sleep=sleeps.append, timeout=5)


def test_propose_get_confirm_and_list_pending(store: ServiceStore) -> None:
    plan = _plan()
    _put(store, plan, ALICE)
    got = store.get(plan.safe_tx_hash)
    assert got is not None
    assert got.tx == plan.tx
    assert got.safe_tx_hash == plan.safe_tx_hash
    assert dict(got.signatures) == {ALICE.address: _sign(ALICE, plan)}
    assert (got.proposer, got.pending) == (ALICE.address, True)

    store.add_signature(plan, BOB.address, _sign(BOB, plan))
    got = store.get(plan.safe_tx_hash)
    assert got is not None
    assert dict(got.signatures) == {
        ALICE.address: _sign(ALICE, plan),
        BOB.address: _sign(BOB, plan),
    }
    assert [(p.nonce, p.safe_tx_hash) for p in store.pending(7)] == [(7, plan.safe_tx_hash)]
    assert store.pending(8) == []


def test_pending_is_by_nonce_without_executed_ones(
    standin: ServiceStandIn, store: ServiceStore
) -> None:
    later, earlier = _plan(8), _plan(7)
    for plan in (later, earlier):
        _put(store, plan, BOB)
    assert [p.nonce for p in store.pending()] == [7, 8]
    standin.mark_executed(earlier.safe_tx_hash.hex0x)
    assert [p.safe_tx_hash for p in store.pending(8)] == [later.safe_tx_hash]
    executed = store.get(earlier.safe_tx_hash)
    assert executed is not None
    assert (executed.pending, executed.executed_tx) == (False, "0x" + "ee" * 32)
    assert [p.nonce for p in store.all()] == [7, 8]
    rival = _plan(8, data=bytes.fromhex("3f4ba83a"))  # unpause at the same nonce: a conflict
    _put(store, rival, ALICE)
    assert sorted(p.safe_tx_hash for p in store.pending(8)) == sorted(
        [later.safe_tx_hash, rival.safe_tx_hash]
    )
    listed = [r for r in standin.requests if r.method == "GET" and "safes" in r.path]
    assert listed[0].query["executed"] == ["false"]
    assert listed[0].path == f"/api/v2/safes/{SAFE}/multisig-transactions/"


def test_put_again_adds_only_the_missing_signatures(
    standin: ServiceStandIn, store: ServiceStore
) -> None:
    plan = _plan()
    _put(store, plan, ALICE)
    _put(store, plan, ALICE)
    posts = [r for r in standin.requests if r.method == "POST"]
    assert len(posts) == 1, "proposing the same transaction again must post nothing"
    _put(store, plan, ALICE, BOB)
    got = store.get(plan.safe_tx_hash)
    assert got is not None
    assert set(got.signatures) == {ALICE.address, BOB.address}
    confirmations = [r for r in standin.requests if r.path.endswith("/confirmations/")]
    assert [r.body for r in confirmations] == [{"signature": _sign(BOB, plan)}]


def test_the_proposer_signs_the_proposal_the_others_confirm(
    standin: ServiceStandIn, store: ServiceStore
) -> None:
    plan = _plan()
    _put(store, plan, BOB, ALICE)  # BOB proposes, though ALICE's address is lower
    (propose,) = [
        r
        for r in standin.requests
        if r.path.endswith("/multisig-transactions/") and r.method == "POST"
    ]
    assert propose.body["sender"] == BOB.address
    assert propose.body["signature"] == _sign(BOB, plan)
    assert propose.body["contractTransactionHash"] == plan.safe_tx_hash.hex0x
    got = store.get(plan.safe_tx_hash)
    assert got is not None
    assert got.proposer == BOB.address
    assert set(got.signatures) == {ALICE.address, BOB.address}


def test_a_hash_for_another_safe_version_is_refused(
    standin: ServiceStandIn, store: ServiceStore
) -> None:
    standin.safes[SAFE].version = "1.1.1"  # no chain id in its domain: another safeTxHash
    with pytest.raises(ServiceRejected, match="does not match provided contract-tx-hash") as caught:
        _put(store, _plan(), ALICE)
    assert (caught.value.status, caught.value.exit_code) == (422, ExitCode.REFUSED)
    assert "\n" not in caught.value.message
    assert standin.transactions == {}


def test_the_standin_refuses_a_wrong_contract_transaction_hash(standin: ServiceStandIn) -> None:
    plan = _plan()
    body = {
        **{k: v for k, v in plan.to_json().items() if k in ("to", "value", "data", "operation")},
        "safeTxGas": 0,
        "baseGas": 0,
        "gasPrice": 0,
        "nonce": 7,
        "contractTransactionHash": "0x" + "12" * 32,
        "sender": ALICE.address,
        "signature": _sign(ALICE, plan),
    }
    status, answer = _raw(standin, "POST", f"/api/v2/safes/{SAFE}/multisig-transactions/", body)
    assert status == 422
    (message,) = answer["nonFieldErrors"]
    assert message == (
        f"Contract-transaction-hash={plan.safe_tx_hash} does not match provided "
        f"contract-tx-hash=0x{'12' * 32}"
    )
    status, answer = _raw(
        standin, "POST", f"/api/v2/safes/{SAFE.lower()}/multisig-transactions/", body
    )
    assert (status, answer["message"]) == (422, "Checksum address validation failed")


def test_a_non_owner_signature_is_refused(standin: ServiceStandIn, store: ServiceStore) -> None:
    plan = _plan()
    with pytest.raises(
        ServiceRejected, match=f"Sender={CAROL.address} is not an owner or delegate"
    ):
        _put(store, plan, CAROL)
    _put(store, plan, ALICE)
    with pytest.raises(ServiceRejected, match=f"Signer={CAROL.address} is not an owner") as caught:
        store.add_signature(plan, CAROL.address, _sign(CAROL, plan))
    assert caught.value.status == 400
    got = store.get(plan.safe_tx_hash)
    assert got is not None
    assert list(got.signatures) == [ALICE.address]


def test_a_nonce_below_the_safes_is_refused(standin: ServiceStandIn, store: ServiceStore) -> None:
    standin.safes[SAFE].nonce = 8
    with pytest.raises(ServiceRejected, match=f"Tx with nonce=7 for safe={SAFE} already executed"):
        _put(store, _plan(7), ALICE)
    _put(store, _plan(8), ALICE)
    assert [p.nonce for p in store.pending()] == [8]


def test_a_signature_that_is_not_its_owners_is_refused_before_posting(
    standin: ServiceStandIn, store: ServiceStore
) -> None:
    plan = _plan()
    with pytest.raises(Refused, match=f"given for {BOB.address} is {ALICE.address}'s"):
        store.put(plan, {BOB.address: _sign(ALICE, plan)}, BOB.address)
    assert [r.method for r in standin.requests] == []
    with pytest.raises(BadInput, match="needs its proposer's signature"):
        store.put(plan, {}, None)


def test_5xx_and_429_are_retried_with_backoff(
    standin: ServiceStandIn, store: ServiceStore, sleeps: list[float]
) -> None:
    plan = _plan()
    standin.fail_next(500, times=2)
    _put(store, plan, ALICE)
    assert sleeps == [0.2, 0.4]
    assert plan.safe_tx_hash.hex0x in standin.transactions
    sleeps.clear()
    standin.fail_next(429)  # Retry-After: 1, as DRF's throttle says
    standin.fail_next(503, retry_after="3")
    standin.fail_next(429, retry_after="")  # unreadable: back off instead
    got = store.get(plan.safe_tx_hash)
    assert got is not None
    assert sleeps == [1.0, 3.0, 0.8]


def test_retry_after_beyond_the_bound_fails_at_once(
    standin: ServiceStandIn, store: ServiceStore, sleeps: list[float]
) -> None:
    """An emergency does not sit behind a Service that asks for a minute: it says so."""
    standin.fail_next(429, retry_after="60")
    with pytest.raises(ServiceUnavailable, match=r"asks to wait 60 s more, beyond the 30 s"):
        store.pending()
    assert (sleeps, len(standin.requests)) == ([], 1)
    standin.fail_next(503, times=4, retry_after="12")
    with pytest.raises(ServiceUnavailable, match=r"\(HTTP 503\) and asks to wait 12 s more"):
        store.pending()
    assert sleeps == [12.0, 12.0]  # 24 s waited; 12 more would pass 30


def test_four_failures_in_a_row_are_service_unavailable(
    standin: ServiceStandIn, store: ServiceStore, sleeps: list[float]
) -> None:
    standin.fail_next(500, times=4)
    with pytest.raises(ServiceUnavailable, match=r"after 4 tries \(HTTP 500\)") as caught:
        store.pending(7)
    assert caught.value.exit_code == ExitCode.ENVIRONMENT
    assert int(caught.value.exit_code) == 3
    assert sleeps == [0.2, 0.4, 0.8]
    assert len(standin.requests) == 4
    assert caught.value.__cause__ is None
    assert caught.value.__suppress_context__


def test_a_4xx_is_final(standin: ServiceStandIn, store: ServiceStore, sleeps: list[float]) -> None:
    standin.fail_next(400)
    with pytest.raises(ServiceRejected, match=r"\(HTTP 400\): injected 400"):
        store.pending()
    assert (len(standin.requests), sleeps) == (1, [])


def test_an_unreachable_service_is_service_unavailable(sleeps: list[float]) -> None:
    with ServiceStandIn() as stopped:
        url = stopped.url
    store = ServiceStore(SAFE, CHAIN, url=url, sleep=sleeps.append, timeout=2)
    with pytest.raises(ServiceUnavailable, match=r"connection failed") as caught:
        store.get(SafeTxHash(bytes(32)))
    assert caught.value.exit_code == ExitCode.ENVIRONMENT
    assert len(sleeps) == 3


def test_a_tampered_transaction_is_returned_as_served(
    standin: ServiceStandIn, store: ServiceStore
) -> None:
    plan = _plan()
    _put(store, plan, ALICE)
    standin.tamper(plan.safe_tx_hash.hex0x, "data", "0x" + "ab" * 4)
    standin.tamper(plan.safe_tx_hash.hex0x, "operation", 1)
    got = store.get(plan.safe_tx_hash)
    assert got is not None
    assert (got.tx.data, got.tx.operation) == (bytes.fromhex("ab" * 4), 1)
    assert replace(got.tx, data=plan.tx.data, operation=0) == plan.tx
    assert got.safe_tx_hash == plan.safe_tx_hash
    recomputed = safe_tx_hashes(got.tx, CHAIN, V141).safe_tx_hash
    assert recomputed != got.safe_tx_hash, "the workflow's recomputation must catch it"
    (listed,) = store.pending()
    assert listed.tx.data == bytes.fromhex("ab" * 4)


def test_a_malformed_transaction_is_refused(standin: ServiceStandIn, store: ServiceStore) -> None:
    plan = _plan()
    _put(store, plan, ALICE)
    standin.tamper(plan.safe_tx_hash.hex0x, "to", ROUTER.lower())
    with pytest.raises(Refused, match=r"malformed transaction .*checksum"):
        store.get(plan.safe_tx_hash)


def test_unknown_hashes_and_bad_input(store: ServiceStore) -> None:
    assert store.get(SafeTxHash(bytes(32))) is None
    with pytest.raises(BadInput, match="not a safeTxHash"):
        SafeTxHash.parse("0x1234/../../about")
    never_proposed = _plan(99)
    with pytest.raises(ServiceRejected, match="was not found") as caught:
        store.add_signature(never_proposed, ALICE.address, _sign(ALICE, never_proposed))
    assert caught.value.status == 404


def test_the_default_url_comes_from_the_chain(sleeps: list[float]) -> None:
    with pytest.raises(BadInput, match="no default URL for chain 31337") as caught:
        ServiceStore(SAFE, CHAIN)
    assert "tx-service:" in caught.value.hint
    mainnet = ServiceStore(SAFE, 1)
    assert mainnet.display_url == "https://api.safe.global/…"
    assert mainnet._client.base_url == "https://api.safe.global/tx-service/eth"  # no request made


def test_the_api_key_is_sent_as_a_bearer_token(sleeps: list[float]) -> None:
    with ServiceStandIn(api_key="k-123") as standin:
        standin.safes[SAFE] = SafeInfo([ALICE.address], threshold=1, nonce=7)
        keyless = ServiceStore(SAFE, CHAIN, url=standin.url, sleep=sleeps.append)
        with pytest.raises(ServiceRejected, match="HTTP 401") as caught:
            keyless.pending()
        assert "SAFE_TRANSACTION_SERVICE_API_KEY" in caught.value.hint
        keyed = ServiceStore(SAFE, CHAIN, url=standin.url, api_key="k-123", sleep=sleeps.append)
        _put(keyed, _plan(), ALICE)
        assert [p.nonce for p in keyed.pending()] == [7]
        assert {r.headers.get("authorization") for r in standin.requests[1:]} == {"Bearer k-123"}
        assert "k-123" not in repr(keyed)


def test_repeated_confirmations(standin: ServiceStandIn, store: ServiceStore) -> None:
    plan = _plan()
    _put(store, plan, ALICE)
    store.add_signature(plan, BOB.address, _sign(BOB, plan))
    store.add_signature(plan, BOB.address, _sign(BOB, plan))  # ignored, as there
    got = store.get(plan.safe_tx_hash)
    assert got is not None
    assert list(got.signatures) == [ALICE.address, BOB.address]
    twice = {"signature": _sign(BOB, plan) + _sign(BOB, plan)[2:]}
    path = f"/api/v1/multisig-transactions/{plan.safe_tx_hash}/confirmations/"
    status, answer = _raw(standin, "POST", path, twice)
    assert (status, answer) == (
        400,
        {"signature": [f"Signature for owner={BOB.address} is duplicated"]},
    )


def test_eth_sign_is_accepted_approved_hashes_need_the_chain(
    standin: ServiceStandIn, store: ServiceStore
) -> None:
    plan = _plan()
    _put(store, plan, ALICE)
    store.add_signature(plan, BOB.address, _eth_sign(BOB, plan))
    got = store.get(plan.safe_tx_hash)
    assert got is not None
    assert got.signatures[BOB.address] == _eth_sign(BOB, plan)
    assert standin.transactions[plan.safe_tx_hash.hex0x].confirmations[
        BOB.address
    ].signature_type == ("ETH_SIGN")
    # v = 1: "approved on chain by BOB", which only the chain can confirm
    approved = "0x" + "00" * 12 + BOB.address[2:].lower() + "00" * 32 + "01"
    path = f"/api/v1/multisig-transactions/{plan.safe_tx_hash}/confirmations/"
    status, answer = _raw(standin, "POST", path, {"signature": approved})
    assert status == 400
    assert answer["signature"][0].endswith(f"for owner={BOB.address} is not valid")


def test_a_delegate_proposes_for_its_owner(standin: ServiceStandIn, store: ServiceStore) -> None:
    standin.delegates[DAVE.address] = ALICE.address
    plan = _plan()
    _put(store, plan, DAVE)
    got = store.get(plan.safe_tx_hash)
    assert got is not None
    assert (got.proposer, dict(got.signatures)) == (ALICE.address, {})
    assert [p.safe_tx_hash for p in store.pending()] == [plan.safe_tx_hash]  # trusted: listed


def test_listing_follows_pages(
    standin: ServiceStandIn, store: ServiceStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tx_service, "PAGE_SIZE", 2)
    plans = [_plan(n) for n in range(7, 12)]
    for plan in plans:
        _put(store, plan, ALICE)
    assert [p.safe_tx_hash for p in store.pending(7)] == [p.safe_tx_hash for p in plans]
    listed = [r for r in standin.requests if r.query.get("nonce__gte")]
    assert [r.query.get("offset") for r in listed] == [None, ["2"], ["4"]]
    assert {r.path for r in listed} == {f"/api/v2/safes/{SAFE}/multisig-transactions/"}


def test_next_links_elsewhere_only_lend_their_query(
    standin: ServiceStandIn, store: ServiceStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A `next` on another host (a gateway, or a hostile Service) is never fetched: the API
    key would go with it. Its query is asked of the configured URL and path."""
    monkeypatch.setattr(tx_service, "PAGE_SIZE", 2)
    for nonce in range(7, 10):
        _put(store, _plan(nonce), ALICE)
    standin.next_base = "https://elsewhere.invalid/tx-service"
    assert [p.nonce for p in store.pending(7)] == [7, 8, 9]
    listed = [r for r in standin.requests if r.query.get("nonce__gte")]
    assert [r.query.get("offset") for r in listed] == [None, ["2"]]


def test_a_listing_short_of_its_count_is_refused(
    standin: ServiceStandIn, store: ServiceStore
) -> None:
    _put(store, _plan(), ALICE)
    standin.count_offset = 1
    with pytest.raises(Refused, match=f"1 of the 2 transactions it counts for {SAFE}"):
        store.pending()


def test_v1_serves_numbers_v2_strings(standin: ServiceStandIn, store: ServiceStore) -> None:
    plan = _plan()
    _put(store, plan, ALICE)
    _, v1 = _raw(standin, "GET", f"/api/v1/multisig-transactions/{plan.safe_tx_hash}/")
    _, v2 = _raw(standin, "GET", f"/api/v2/multisig-transactions/{plan.safe_tx_hash}/")
    assert (v1["nonce"], v1["safeTxGas"], v2["nonce"], v2["safeTxGas"]) == (7, 0, "7", "0")
    assert v2["confirmations"][0]["signatureType"] == "EOA"
    status, answer = _raw(standin, "GET", f"/api/v2/multisig-transactions/0x{'00' * 32}/")
    assert (status, answer) == (404, {"detail": "Not found."})


def test_proposals_name_safeops_as_their_origin(
    standin: ServiceStandIn, store: ServiceStore
) -> None:
    """safe-eth-py says "Safe-CLI"; the Service keeps origin as JSON and serves it back."""
    from safeops import __version__

    plan = _plan()
    _put(store, plan, ALICE)
    (propose,) = [r for r in standin.requests if r.method == "POST"]
    assert json.loads(propose.body["origin"]) == {"name": f"safeops {__version__}"}
    _, served = _raw(standin, "GET", f"/api/v2/multisig-transactions/{plan.safe_tx_hash}/")
    assert json.loads(served["origin"]) == {"name": f"safeops {__version__}"}
    long = {**propose.body, "origin": "x" * 201, "nonce": 8}
    status, answer = _raw(standin, "POST", propose.path, long)
    assert (status, answer) == (
        422,
        {"origin": ["Ensure this field has no more than 200 characters."]},
    )
    with pytest.raises(BadInput, match="at most 200"):
        ServiceStore(SAFE, CHAIN, url=standin.url, origin="y" * 201)


def test_delegatecall_to_untrusted_contracts_is_refused_unless_the_service_allows_it(
    standin: ServiceStandIn, store: ServiceStore
) -> None:
    bybit = replace(_plan(), tx=replace(_plan().tx, operation=1))  # hashes follow the tx
    with pytest.raises(ServiceRejected, match="Operation DELEGATE_CALL is not allowed") as caught:
        _put(store, bybit, ALICE)
    assert caught.value.status == 422
    multisend = "0x9641d764fc13c8B624c04430C7356C1C7C8102e2"  # MultiSendCallOnly 1.4.1
    _put(store, replace(bybit, tx=replace(bybit.tx, to=multisend, nonce=8)), ALICE)
    standin.disable_delegate_call = False
    _put(store, bybit, ALICE)
    assert len(standin.transactions) == 2


def test_a_confirmation_longer_than_the_service_keeps_is_refused(
    standin: ServiceStandIn, store: ServiceStore
) -> None:
    plan = _plan()
    _put(store, plan, ALICE)
    path = f"/api/v1/multisig-transactions/{plan.safe_tx_hash}/confirmations/"
    status, answer = _raw(standin, "POST", path, {"signature": "0x" + "11" * 5001})
    assert (status, answer) == (
        400,
        {
            "signature": [
                "Ensure this field has no more than 5000 hexadecimal chars (not counting 0x)."
            ]
        },
    )
    status, answer = _raw(standin, "POST", path, None, data="signature=0x11")
    assert status == 415


def test_null_signatures_are_an_on_chain_approval_or_an_error_for_that_one_only(
    standin: ServiceStandIn, store: ServiceStore
) -> None:
    """The Service's schema allows a null signature: the indexer's record of an approveHash.
    It becomes the v = 1 form, to be checked on chain; any other null is named, not a crash."""
    plan = _plan()
    _put(store, plan, ALICE)
    standin.approve_on_chain(plan.safe_tx_hash.hex0x, BOB.address)
    got = store.get(plan.safe_tx_hash)
    assert got is not None
    assert dict(got.signatures) == {
        ALICE.address: _sign(ALICE, plan),
        BOB.address: "0x" + "00" * 12 + BOB.address[2:].lower() + "00" * 32 + "01",
    }
    served = standin._render(standin.transactions[plan.safe_tx_hash.hex0x], True)["confirmations"]
    assert (served[1]["signature"], served[1]["signatureType"]) == (None, "APPROVED_HASH")
    broken = [*served[:1], {**served[1], "owner": CAROL.address, "signatureType": "EOA"}]
    standin.tamper(plan.safe_tx_hash.hex0x, "confirmations", broken)
    got = store.get(plan.safe_tx_hash)
    assert got is not None
    assert list(got.signatures) == [ALICE.address]
    assert got.unreadable == {
        CAROL.address: "the Service lists this confirmation without a signature"
    }
