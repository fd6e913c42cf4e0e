"""Drift between the policy's expectation and a Safe's live state."""

from __future__ import annotations

from dataclasses import replace

from safeops.core.policy import SafeExpect
from safeops.core.safe_state import (
    FALLBACK_HANDLER_SLOT,
    GUARD_SLOT,
    SafeState,
    find_drift,
)

A, B, C, D = (f"0x{str(i) * 40}" for i in range(1, 5))
ZERO = "0x" + "0" * 40
HANDLER = "0xfd0732Dc9E303f09fCEf3a7388Ad10A83459Ec99"
SINGLETON = "0x29fcB43b46531BcA003ddC8FCB67FFE91900C762"

LIVE = SafeState(
    address=D,
    block=10,
    version="1.4.1",
    owners=(A, B, C),
    threshold=2,
    nonce=0,
    singleton=SINGLETON,
    modules=(),
    guard=ZERO,
    fallback_handler=HANDLER,
    module_guard=ZERO,
)
EXPECT = SafeExpect(
    version="1.4.1",
    threshold=2,
    owners=("a", "b", "c"),
    owner_addresses=(A, B, C),
    modules=(),
    guard=ZERO,
    fallback_handler=HANDLER,
    singleton=SINGLETON,
)


def test_slots_are_the_safe_contracts_constants() -> None:
    assert hex(GUARD_SLOT) == "0x4a204f620c8c5ccdca3fd54d003badd85ba500436a431f0cbda4f558c93c34c8"
    assert hex(FALLBACK_HANDLER_SLOT) == (
        "0x6c9a6c4a39284e37ed1cf53d337577d14212a4870fb976a4366c693b939918d5"
    )


def test_no_drift() -> None:
    assert find_drift("admin", EXPECT, LIVE) == []


def test_owner_order_is_not_drift() -> None:
    assert find_drift("admin", EXPECT, replace(LIVE, owners=(C, A, B))) == []


def test_each_kind_of_drift_is_named() -> None:
    live = replace(
        LIVE,
        threshold=1,
        owners=(A, B, D),
        modules=(D,),
        guard=D,
        fallback_handler=ZERO,
        singleton=D,
        version="1.3.0",
    )
    drift = find_drift("admin", EXPECT, live)
    messages = [(d.check, d.message) for d in drift]
    assert messages == [
        ("version", "the Safe runs another version"),
        ("threshold", "the threshold changed"),
        ("owners", f"unexpected owner {D}"),
        ("owners", f"missing owner {C}"),
        ("singleton", "the singleton changed"),
        ("guard", "the guard changed"),
        ("fallback_handler", "the fallback handler changed"),
        ("modules", f"unexpected module {D}"),
    ]
    assert drift[1].expected == "2"
    assert drift[1].actual == "1"


def test_unpinned_fields_are_not_checked() -> None:
    loose = SafeExpect(
        version="1.4.1", threshold=2, owners=("a", "b", "c"), owner_addresses=(A, B, C)
    )
    assert find_drift("admin", loose, replace(LIVE, guard=D, modules=(D,))) == []


def test_l2_suffix_is_the_same_version() -> None:
    assert find_drift("admin", EXPECT, replace(LIVE, version="1.4.1+L2")) == []
