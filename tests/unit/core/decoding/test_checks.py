"""Danger checks: delegatecall allow-list, sensitive Safe functions, refunds, malformed data."""

from __future__ import annotations

import pytest
from eth_abi.abi import encode
from eth_utils.abi import function_signature_to_4byte_selector

from safeops.core.decoding.checks import ALL_CODES, Finding, check_transaction
from safeops.core.decoding.decode import decode_call, encode_multisend
from safeops.core.transactions.safe_tx import SafeTx

SAFE = "0x5aFE3855358E112B5647B952709E6165e1c1eEEe"
OTHER_SAFE = "0x4444444444444444444444444444444444444444"
TOKEN = "0xdAC17F958D2ee523a2206206994597C13D831ec7"
ATTACKER = "0x96221423681A6d52E184D440a8eFCEbB105C7242"
OWNER = "0x1111111111111111111111111111111111111111"
PAUSABLE_A = "0x2222222222222222222222222222222222222222"
PAUSABLE_B = "0x3333333333333333333333333333333333333333"
MULTISEND_CALL_ONLY = "0x9641d764fc13c8B624c04430C7356C1C7C8102e2"
ZKSYNC_MULTISEND_CALL_ONLY = "0x0408EF011960d02349d50286D20531229BCef773"
FULL_MULTISEND = "0x38869bf66a61cF6bDB996A6aE40D5853Fd43B526"
SAFE_MIGRATION = "0x526643F69b81B008F46d95CD5ced5eC0edFFDaC6"
SIGN_MESSAGE_LIB = "0xd53cd0aB83D845Ac265BE939c57F53AD838012c9"
PAUSE = function_signature_to_4byte_selector("pause()")
OWNER_AND_THRESHOLD = ["OWNER_CHANGE", "THRESHOLD_CHANGE"]


def calldata(signature: str, *args: object) -> bytes:
    types = signature.split("(", 1)[1].removesuffix(")")
    body = encode(types.split(","), list(args)) if types else b""
    return function_signature_to_4byte_selector(signature) + body


def check(tx: SafeTx, chain_id: int | None = 1) -> list[Finding]:
    return check_transaction(tx, decode_call(tx.to, tx.value, tx.data, tx.operation), chain_id)


def summary(findings: list[Finding]) -> list[tuple[str, str]]:
    return [(finding.path, finding.code) for finding in findings]


def pause_batch(to: str = MULTISEND_CALL_ONLY) -> SafeTx:
    data = encode_multisend([(0, PAUSABLE_A, 0, PAUSE), (0, PAUSABLE_B, 0, PAUSE)])
    return SafeTx(safe=SAFE, to=to, data=data, operation=1, nonce=7)


@pytest.mark.parametrize("chain_id", [1, 8453, None])
def test_multisend_call_only_batch_of_pauses_has_no_findings(chain_id: int | None) -> None:
    assert check(pause_batch(), chain_id) == []


def test_plain_call_has_no_findings() -> None:
    assert check(SafeTx(safe=SAFE, to=PAUSABLE_A, data=PAUSE)) == []


def test_bybit_shaped_delegatecall_is_flagged_and_shows_the_transfer() -> None:
    data = calldata("transfer(address,uint256)", ATTACKER, 10**18)
    tx = SafeTx(safe=SAFE, to=ATTACKER, data=data, operation=1)
    decoded = decode_call(tx.to, tx.value, tx.data, tx.operation)
    findings = check_transaction(tx, decoded, 1)
    assert decoded.signature == "transfer(address,uint256)"
    assert summary(findings) == [("call", "UNTRUSTED_DELEGATECALL")]
    assert findings[0].message == (
        f"delegatecall to {ATTACKER} (transfer(to={ATTACKER}, value=1000000000000000000)) "
        "targets no trusted Safe library (MultiSendCallOnly, SignMessageLib or SafeMigration): "
        "that code runs as the Safe and can rewrite its owners, modules and implementation"
    )


def test_owner_added_inside_a_batch_is_flagged_at_its_path() -> None:
    add_owner = calldata("addOwnerWithThreshold(address,uint256)", ATTACKER, 1)
    data = encode_multisend([(0, PAUSABLE_A, 0, PAUSE), (0, SAFE, 0, add_owner)])
    findings = check(SafeTx(safe=SAFE, to=MULTISEND_CALL_ONLY, data=data, operation=1))
    assert summary(findings) == [
        ("call.batch[1]", "OWNER_CHANGE"),
        ("call.batch[1]", "THRESHOLD_CHANGE"),
    ]
    head = (
        f"addOwnerWithThreshold(owner={ATTACKER}, _threshold=1) on this Safe {SAFE} "
        "in batch item call.batch[1]"
    )
    assert findings[0].message == f"{head}: adds a Safe owner"
    assert findings[1].message == f"{head}: sets the signing threshold"


def test_gas_refund_fields_give_one_finding_naming_them() -> None:
    tx = SafeTx(safe=SAFE, to=PAUSABLE_A, data=PAUSE, gas_price=5, refund_receiver=ATTACKER)
    findings = check(tx)
    assert summary(findings) == [("call", "GAS_REFUND")]
    assert findings[0].message.startswith(
        f"gas refund fields are set (gasPrice=5, refundReceiver={ATTACKER}): "
    )


def test_gas_token_alone_is_a_gas_refund() -> None:
    findings = check(SafeTx(safe=SAFE, to=PAUSABLE_A, data=PAUSE, gas_token=TOKEN))
    assert summary(findings) == [("call", "GAS_REFUND")]
    assert f"(gasToken={TOKEN})" in findings[0].message


def test_base_gas_is_flagged() -> None:
    findings = check(SafeTx(safe=SAFE, to=PAUSABLE_A, data=PAUSE, base_gas=21_000))
    assert summary(findings) == [("call", "BASE_GAS_SET")]
    assert findings[0].message.startswith("baseGas is 21000, not 0")


def test_full_multisend_delegatecall_is_never_trusted() -> None:
    findings = check(pause_batch(FULL_MULTISEND), 1)
    assert summary(findings) == [("call", "UNTRUSTED_DELEGATECALL")]
    assert "is the full MultiSend 1.4.1, which is never trusted" in findings[0].message
    assert "use MultiSendCallOnly" in findings[0].message


def test_zksync_multisend_call_only_is_trusted_on_zksync_only() -> None:
    tx = pause_batch(ZKSYNC_MULTISEND_CALL_ONLY)
    assert check(tx, 324) == []
    on_mainnet = check(tx, 1)
    assert summary(on_mainnet) == [("call", "UNTRUSTED_DELEGATECALL")]
    message = on_mainnet[0].message
    assert "that address is MultiSendCallOnly 1.4.1 (zksync) where the Safe" in message
    assert "but they do not list it on chain 1" in on_mainnet[0].message
    offline = check(tx, None)
    assert summary(offline) == [("call", "UNTRUSTED_DELEGATECALL")]
    assert "but the chain is unknown" in offline[0].message


def test_delegatecall_inside_a_batch_is_flagged() -> None:
    inner = calldata("transfer(address,uint256)", ATTACKER, 1)
    data = encode_multisend([(0, PAUSABLE_A, 0, PAUSE), (1, ATTACKER, 0, inner)])
    findings = check(SafeTx(safe=SAFE, to=FULL_MULTISEND, data=data, operation=1))
    assert summary(findings) == [
        ("call", "UNTRUSTED_DELEGATECALL"),
        ("call.batch[1]", "UNTRUSTED_DELEGATECALL"),
    ]
    assert f"delegatecall to {ATTACKER} in batch item call.batch[1]" in findings[1].message


def test_trusted_delegatecall_inside_a_batch_is_not_flagged() -> None:
    inner = encode_multisend([(0, PAUSABLE_B, 0, PAUSE)])
    data = encode_multisend([(1, MULTISEND_CALL_ONLY, 0, inner)])
    assert check(SafeTx(safe=SAFE, to=MULTISEND_CALL_ONLY, data=data, operation=1)) == []


@pytest.mark.parametrize(
    ("signature", "args", "codes"),
    [
        ("removeOwner(address,address,uint256)", (OWNER, ATTACKER, 1), OWNER_AND_THRESHOLD),
        ("swapOwner(address,address,address)", (OWNER, PAUSABLE_A, ATTACKER), ["OWNER_CHANGE"]),
        ("changeThreshold(uint256)", (1,), ["THRESHOLD_CHANGE"]),
        ("enableModule(address)", (ATTACKER,), ["MODULE_CHANGE"]),
        ("disableModule(address,address)", (OWNER, ATTACKER), ["MODULE_CHANGE"]),
        ("setGuard(address)", (ATTACKER,), ["GUARD_CHANGE"]),
        ("setModuleGuard(address)", (ATTACKER,), ["GUARD_CHANGE"]),
        ("setFallbackHandler(address)", (ATTACKER,), ["FALLBACK_HANDLER_CHANGE"]),
        ("changeMasterCopy(address)", (ATTACKER,), ["SINGLETON_CHANGE"]),
        ("approveHash(bytes32)", (b"\x01" * 32,), ["HASH_APPROVAL"]),
        ("upgradeTo(address)", (ATTACKER,), ["UPGRADE_CALL"]),
        ("upgradeToAndCall(address,bytes)", (ATTACKER, b"\x00" * 100), ["UPGRADE_CALL"]),
        ("setImplementation(address)", (ATTACKER,), ["UPGRADE_CALL"]),
        ("transferOwnership(address)", (ATTACKER,), ["OWNERSHIP_TRANSFER"]),
        ("renounceOwnership()", (), ["OWNERSHIP_TRANSFER"]),
    ],
)
def test_sensitive_functions_are_flagged_wherever_they_go(
    signature: str, args: tuple[object, ...], codes: list[str]
) -> None:
    data = calldata(signature, *args)
    for to in (SAFE, OTHER_SAFE, PAUSABLE_A):
        assert [f.code for f in check(SafeTx(safe=SAFE, to=to, data=data))] == codes
        batch = encode_multisend([(0, PAUSABLE_A, 0, PAUSE), (0, to, 0, data)])
        nested = encode_multisend([(0, PAUSABLE_B, 0, PAUSE), (1, MULTISEND_CALL_ONLY, 0, batch)])
        tx = SafeTx(safe=SAFE, to=MULTISEND_CALL_ONLY, data=nested, operation=1)
        assert summary(check(tx)) == [("call.batch[1].batch[1]", code) for code in codes]


def test_sensitive_call_on_another_contract_names_it() -> None:
    findings = check(SafeTx(safe=SAFE, to=OTHER_SAFE, data=calldata("setGuard(address)", OWNER)))
    assert findings[0].message == (
        f"setGuard(guard={OWNER}) on {OTHER_SAFE}: "
        "replaces the guard that vets every Safe transaction"
    )


def test_long_bytes_arguments_are_cut_in_messages() -> None:
    data = calldata("upgradeToAndCall(address,bytes)", ATTACKER, b"\xaa" * 200)
    (finding,) = check(SafeTx(safe=SAFE, to=PAUSABLE_A, data=data))
    assert f"data=0x{'aa' * 32}... (200 bytes)) on {PAUSABLE_A}" in finding.message


@pytest.mark.parametrize(
    ("signature", "codes"),
    [
        ("migrateSingleton()", ["SINGLETON_CHANGE"]),
        ("migrateL2Singleton()", ["SINGLETON_CHANGE"]),
        ("migrateWithFallbackHandler()", ["FALLBACK_HANDLER_CHANGE", "SINGLETON_CHANGE"]),
        ("migrateL2WithFallbackHandler()", ["FALLBACK_HANDLER_CHANGE", "SINGLETON_CHANGE"]),
    ],
)
def test_safe_migration_is_trusted_but_flags_the_singleton_change(
    signature: str, codes: list[str]
) -> None:
    tx = SafeTx(safe=SAFE, to=SAFE_MIGRATION, data=calldata(signature), operation=1)
    findings = check(tx)
    assert [f.code for f in findings] == codes
    assert findings[0].message.startswith(
        f"{signature} via delegatecall to {SAFE_MIGRATION} (SafeMigration 1.4.1): "
    )


def test_sign_message_lib_flags_the_message_signature() -> None:
    data = calldata("signMessage(bytes)", b"permit")
    findings = check(SafeTx(safe=SAFE, to=SIGN_MESSAGE_LIB, data=data, operation=1))
    assert summary(findings) == [("call", "MESSAGE_SIGNATURE")]


def test_malformed_calldata_is_flagged_at_its_path() -> None:
    truncated = calldata("transfer(address,uint256)", ATTACKER, 1)[:20]
    data = encode_multisend([(0, PAUSABLE_A, 0, PAUSE), (0, TOKEN, 0, truncated)])
    findings = check(SafeTx(safe=SAFE, to=MULTISEND_CALL_ONLY, data=data, operation=1))
    assert summary(findings) == [("call.batch[1]", "MALFORMED_CALLDATA")]
    assert findings[0].message.startswith(
        f"calldata to {TOKEN} in batch item call.batch[1] is malformed: arguments of "
        "transfer(address,uint256) do not decode"
    )


def test_truncated_batch_is_malformed_and_earlier_items_still_checked() -> None:
    add_owner = calldata("addOwnerWithThreshold(address,uint256)", ATTACKER, 1)
    data = encode_multisend([(0, SAFE, 0, add_owner)])
    payload = decode_call(SAFE, 0, data, 0).args[0].value
    assert isinstance(payload, str)
    broken = function_signature_to_4byte_selector("multiSend(bytes)") + encode(
        ["bytes"], [bytes.fromhex(payload[2:]) + b"\x01" * 30]
    )
    tx = SafeTx(safe=SAFE, to=MULTISEND_CALL_ONLY, data=broken, operation=1)
    assert summary(check(tx)) == [
        ("call", "MALFORMED_CALLDATA"),
        ("call.batch[0]", "OWNER_CHANGE"),
        ("call.batch[0]", "THRESHOLD_CHANGE"),
    ]


def test_findings_are_ordered_by_path_then_code() -> None:
    data = encode_multisend(
        [
            (0, SAFE, 0, calldata("setGuard(address)", ATTACKER)),
            (1, ATTACKER, 0, calldata("removeOwner(address,address,uint256)", OWNER, OWNER, 1)),
            (0, SAFE, 0, calldata("enableModule(address)", ATTACKER)),
        ]
    )
    tx = SafeTx(safe=SAFE, to=FULL_MULTISEND, data=data, operation=1, gas_price=1, base_gas=1)
    assert summary(check(tx)) == [
        ("call", "BASE_GAS_SET"),
        ("call", "GAS_REFUND"),
        ("call", "UNTRUSTED_DELEGATECALL"),
        ("call.batch[0]", "GUARD_CHANGE"),
        ("call.batch[1]", "OWNER_CHANGE"),
        ("call.batch[1]", "THRESHOLD_CHANGE"),
        ("call.batch[1]", "UNTRUSTED_DELEGATECALL"),
        ("call.batch[2]", "MODULE_CHANGE"),
    ]


def test_every_message_is_one_line_and_every_code_is_known() -> None:
    data = encode_multisend(
        [
            (1, ATTACKER, 0, b"\x01\x02"),
            (0, SAFE, 0, calldata("upgradeToAndCall(address,bytes)", ATTACKER, b"\n" * 300)),
        ]
    )
    tx = SafeTx(safe=SAFE, to=FULL_MULTISEND, data=data, operation=1, gas_token=TOKEN)
    findings = check(tx, None)
    assert len(findings) == 5
    for finding in findings:
        assert finding.code in ALL_CODES
        assert "\n" not in finding.message


def test_decoded_call_of_another_transaction_is_refused() -> None:
    tx = pause_batch()
    other = decode_call(PAUSABLE_A, 0, PAUSE, 0)
    with pytest.raises(ValueError, match="not the transaction's own call"):
        check_transaction(tx, other, 1)


def test_proxy_admin_upgrades_and_role_grants_are_flagged() -> None:
    """A WazirX-style upgrade goes through a ProxyAdmin, not the proxy itself."""
    from safeops.core.decoding.checks import check_transaction
    from safeops.core.decoding.decode import decode_call, encode_multisend
    from safeops.core.decoding.selectors import encode_call
    from safeops.core.transactions.safe_tx import SafeTx

    admin = "0x2279B7A0a67DB372996a5FaB50D91eAA73d2eBe6"
    proxy = "0x8A791620dd6260079BF849Dc5567aDC3F2FdC318"
    evil = "0x976EA74026E726554dB657fA54763abd0C3a0aa9"
    batch = encode_multisend(
        [
            (0, admin, 0, encode_call("upgrade(address,address)", proxy, evil)),
            (0, proxy, 0, encode_call("grantRole(bytes32,address)", b"\x00" * 32, evil)),
        ]
    )
    safe = "0xe690d772bCc82DA64dbE2d0Dc83BBfcB3B2c1590"
    tx = SafeTx(safe=safe, to="0x9641d764fc13c8B624c04430C7356C1C7C8102e2", data=batch, operation=1)
    findings = check_transaction(tx, decode_call(tx.to, 0, tx.data, 1), 1)
    assert [(f.code, f.path) for f in findings] == [
        ("UPGRADE_CALL", "call.batch[0]"),
        ("ROLE_GRANT", "call.batch[1]"),
    ]
