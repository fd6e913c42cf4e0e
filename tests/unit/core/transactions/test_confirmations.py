"""Mixed confirmations: each one read, then counted or skipped with its reason, never blocking."""

from __future__ import annotations

import pytest
from eth_account import Account
from eth_account.messages import encode_defunct

from safeops.core.policy import SignatureKinds
from safeops.core.transactions.confirmations import (
    ChainFacts,
    Claim,
    Kind,
    Skipped,
    classify,
    needs_chain,
    pack,
    read_confirmation,
    read_confirmations,
)
from safeops.core.transactions.signatures import SECP256K1_N
from safeops.errors import Refused

HASH = bytes.fromhex("cc" * 32)
ALICE = Account.from_key("0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a")
BOB = Account.from_key("0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6")
CAROL = Account.from_key("0x47e179ec197488593b187f80a00eb0da91f1b9d0b13f8733639f19c30a34926a")
EVE = Account.from_key("0x" + "42" * 32)
NESTED = "0x9965507D1a55bcC2695C58ba16FB37d819B0A4dc"  # a contract owner (a nested Safe)
OWNERS = (ALICE.address, BOB.address, CAROL.address, NESTED)
DEFAULTS = SignatureKinds()
NO_FACTS = ChainFacts(block=7)


def eip712(account: object) -> bytes:
    return bytes(account.unsafe_sign_hash(HASH).signature)  # type: ignore[attr-defined]


def eth_sign(account: object) -> bytes:
    signed = account.sign_message(encode_defunct(primitive=HASH))  # type: ignore[attr-defined]
    raw = bytes(signed.signature)
    return raw[:64] + bytes([raw[64] + 4])


def approved(owner: str) -> bytes:
    return bytes(12) + bytes.fromhex(owner[2:]) + bytes(32) + b"\x01"


def contract(owner: str, data: bytes) -> bytes:
    """As the Service stores it: r = owner, s = 65, v = 0, then the length-prefixed data."""
    static = bytes(12) + bytes.fromhex(owner[2:]) + (65).to_bytes(32, "big") + b"\x00"
    return static + len(data).to_bytes(32, "big") + data


def hexed(raw: bytes) -> str:
    return "0x" + raw.hex()


def test_each_kind_is_read() -> None:
    claims, skipped = read_confirmations(
        {
            ALICE.address: hexed(eip712(ALICE)),
            BOB.address: hexed(eth_sign(BOB)),
            CAROL.address: hexed(approved(CAROL.address)),
            NESTED: hexed(contract(NESTED, b"\xaa" * 65)),
        },
        HASH,
    )
    assert skipped == []
    assert [(c.owner, c.kind) for c in claims] == [
        (ALICE.address, Kind.EIP712),
        (BOB.address, Kind.ETH_SIGN),
        (CAROL.address, Kind.APPROVED_HASH),
        (NESTED, Kind.CONTRACT),
    ]
    assert claims[3].data == b"\xaa" * 65
    assert claims[1].signature[64] in (31, 32)


@pytest.mark.parametrize("recovery_id", [0, 1])
def test_v_0_and_1_from_devices_are_normalised_to_27_28(recovery_id: int) -> None:
    """Ledger-style signatures carry the bare recovery id; the Safe wants 27/28."""
    signature = eip712(ALICE)
    if signature[64] - 27 != recovery_id:
        signature = eip712(BOB)
        account = BOB
    else:
        account = ALICE
    device = signature[:64] + bytes([signature[64] - 27])
    claim = read_confirmation(account.address, hexed(device), HASH)
    assert isinstance(claim, Claim)
    assert (claim.owner, claim.kind, claim.signature) == (account.address, Kind.EIP712, signature)


def test_high_s_is_normalised() -> None:
    normal = eip712(ALICE)
    s = int.from_bytes(normal[32:64], "big")
    twin = normal[:32] + (SECP256K1_N - s).to_bytes(32, "big") + bytes([55 - normal[64]])
    claim = read_confirmation(ALICE.address, hexed(twin), HASH)
    assert isinstance(claim, Claim)
    assert claim.signature == normal


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        (None, "listed without a signature"),
        ("0xzz", "not 0x-hex"),
        ("abcd", "not 0x-hex"),
        ("0x" + "11" * 64, "64 bytes: too short"),
        (hexed(b"\x00" * 64 + b"\x02"), "v = 2: a signature type safeops does not verify"),
        (hexed(eip712(ALICE) + b"\x00"), "1 bytes follow the signature"),
        (hexed(approved(ALICE.address)[:64] + b"\x00"), "offset points outside it"),
        (hexed(contract(ALICE.address, b"xy")[:-1]), "data length does not match"),
        (
            hexed(bytes(12) + bytes.fromhex(ALICE.address[2:]) + b"\x01" * 32 + b"\x01"),
            "s is not 0",
        ),
        (hexed(b"\x00" * 64 + b"\x1b"), "out of range"),
    ],
)
def test_unreadable_confirmations_are_skipped_with_a_reason(text: str | None, reason: str) -> None:
    read = read_confirmation(ALICE.address, text, HASH)
    assert isinstance(read, Skipped)
    assert read.owner == ALICE.address
    assert reason in read.reason


def _classify(
    confirmations: dict[str, bytes], kinds: SignatureKinds = DEFAULTS, facts: ChainFacts = NO_FACTS
) -> tuple[list[str], dict[str, str]]:
    claims, unreadable = read_confirmations({o: hexed(s) for o, s in confirmations.items()}, HASH)
    result = classify(claims, OWNERS, kinds, facts, unreadable)
    return list(result.owners), {s.owner: s.reason for s in result.skipped}


def test_a_mixed_team_the_policy_limits() -> None:
    """One eth_sign, one approved hash not made on chain, two EIP-712: the two count."""
    team = {
        ALICE.address: eip712(ALICE),
        BOB.address: eip712(BOB),
        CAROL.address: eth_sign(CAROL),
        NESTED: approved(NESTED),
    }
    counted, skipped = _classify(team)
    assert counted == sorted([ALICE.address, BOB.address], key=lambda a: int(a, 16))
    assert skipped == {
        CAROL.address: "eth_sign signature: the policy does not count them (signatures.eth_sign)",
        NESTED: "approved hash: no approveHash of this safeTxHash on chain at block 7",
    }
    everything = SignatureKinds(eth_sign=True)
    counted, skipped = _classify(team, everything, ChainFacts(7, approved=frozenset({NESTED})))
    assert set(counted) == set(OWNERS[:3]) | {NESTED}
    assert skipped == {}


def test_the_executors_own_approval_needs_no_approve_hash() -> None:
    counted, _ = _classify({ALICE.address: approved(ALICE.address)}, facts=ChainFacts(7))
    assert counted == []
    counted, _ = _classify(
        {ALICE.address: approved(ALICE.address)}, facts=ChainFacts(7, executor=ALICE.address)
    )
    assert counted == [ALICE.address]


def test_the_policy_can_refuse_approvals_and_contracts() -> None:
    facts = ChainFacts(
        9, approved=frozenset({CAROL.address}), valid_contract_signatures=frozenset({NESTED})
    )
    strict = SignatureKinds(approved_hash=False, contract=False)
    counted, skipped = _classify(
        {CAROL.address: approved(CAROL.address), NESTED: contract(NESTED, b"\x01" * 65)},
        strict,
        facts,
    )
    assert counted == []
    assert skipped[CAROL.address].endswith("(signatures.approved_hash)")
    assert skipped[NESTED].endswith("(signatures.contract)")
    counted, skipped = _classify({NESTED: contract(NESTED, b"\x01" * 65)}, facts=ChainFacts(9))
    assert (
        skipped[NESTED] == "contract signature: the owner's isValidSignature refused it at block 9"
    )


def test_strangers_duplicates_and_misfiled_signatures_never_count() -> None:
    claims, _ = read_confirmations(
        {
            EVE.address: hexed(eip712(EVE)),
            ALICE.address: hexed(eip712(ALICE)),
            "0x" + "00" * 20: hexed(eip712(ALICE)),
        },
        HASH,
    )
    twice = [
        *claims,
        Claim(ALICE.address, ALICE.address, Kind.APPROVED_HASH, approved(ALICE.address)),
    ]
    result = classify(twice, OWNERS, DEFAULTS, ChainFacts(1, approved=frozenset({ALICE.address})))
    assert result.owners == (ALICE.address,)
    assert [s.to_json() for s in result.skipped] == [
        {"owner": EVE.address, "reason": "not an owner now"},
        {
            "owner": "0x" + "00" * 20,
            "reason": f"it is {ALICE.address}'s signature, not this owner's",
        },
        {"owner": ALICE.address, "reason": "a second confirmation by this owner"},
    ]
    with pytest.raises(
        Refused, match=r"1 distinct owner signature\(s\), the threshold is 2 \(skipped "
    ):
        result.signatures_for(2)
    assert result.signatures_for(1) == eip712(ALICE)


def test_needs_chain_lists_only_current_owners_claims() -> None:
    claims, _ = read_confirmations(
        {
            CAROL.address: hexed(approved(CAROL.address)),
            EVE.address: hexed(approved(EVE.address)),
            NESTED: hexed(contract(NESTED, b"\x05")),
            ALICE.address: hexed(eip712(ALICE)),
        },
        HASH,
    )
    approvals, contracts = needs_chain(claims, OWNERS)
    assert [c.owner for c in approvals] == [CAROL.address]
    assert [c.owner for c in contracts] == [NESTED]


def test_contract_data_follows_the_static_parts_with_its_offset_in_s() -> None:
    """Sorted by owner; each contract signature's s points at its length word."""
    first = Claim(NESTED, NESTED, Kind.CONTRACT, b"", b"\x11" * 3)
    low = "0x" + "00" * 19 + "01"
    second = Claim(low, low, Kind.CONTRACT, b"", b"\x22" * 2)
    alice = Claim(ALICE.address, ALICE.address, Kind.EIP712, eip712(ALICE))
    packed = pack([first, alice, second])
    owners = sorted([NESTED, low, ALICE.address], key=lambda a: int(a, 16))
    assert owners[0] == low
    statics = [packed[i * 65 : (i + 1) * 65] for i in range(3)]
    offsets = {o: int.from_bytes(s[32:64], "big") for o, s in zip(owners, statics, strict=True)}
    assert offsets[low] == 195
    assert packed[195:227] == (2).to_bytes(32, "big")
    assert packed[227:229] == b"\x22" * 2
    assert offsets[NESTED] == 229
    assert packed[229:261] == (3).to_bytes(32, "big")
    assert packed[261:] == b"\x11" * 3
    assert statics[owners.index(ALICE.address)] == eip712(ALICE)
