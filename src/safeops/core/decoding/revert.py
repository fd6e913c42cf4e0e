"""Turn revert data into a sentence: Error(string) with Safe's GS codes, Panic, custom errors."""

from __future__ import annotations

from collections.abc import Iterable

from safeops.core.decoding.selectors import parse_signature
from safeops.core.hexes import hex0x

ERROR_SELECTOR = bytes.fromhex("08c379a0")  # Error(string)
PANIC_SELECTOR = bytes.fromhex("4e487b71")  # Panic(uint256)

# The Safe's revert codes that a reviewer meets when simulating (safe-smart-account docs).
SAFE_ERROR_CODES = {
    "GS010": "not enough gas to execute the Safe transaction",
    "GS011": "could not pay gas costs with ether",
    "GS012": "could not pay gas costs with token",
    "GS013": "an inner call failed (with safeTxGas and gasPrice 0 the whole transaction reverts)",
    "GS020": "signatures data too short",
    "GS021": "invalid contract signature location: inside static part",
    "GS022": "invalid contract signature location: length not present",
    "GS023": "invalid contract signature location: data not complete",
    "GS024": "invalid contract signature provided",
    "GS025": "hash has not been approved by that owner",
    "GS026": "invalid owner provided, or signatures not sorted by owner",
    "GS031": "method can only be called from this contract",
    "GS100": "modules have already been initialised",
    "GS101": "invalid module address",
    "GS102": "module has already been added",
    "GS104": "method can only be called from an enabled module",
    "GS200": "owners have already been set up",
    "GS201": "threshold cannot exceed owner count",
    "GS202": "threshold needs to be greater than 0",
    "GS203": "invalid owner address",
    "GS204": "address is already an owner",
    "GS205": "only owners can approve a hash",
    "GS300": "guard does not implement IERC165",
    "GS301": "module guard does not implement IERC165",
}

PANIC_CODES = {
    0x01: "assertion failed",
    0x11: "arithmetic overflow or underflow",
    0x12: "division by zero",
    0x21: "invalid enum value",
    0x31: "pop on an empty array",
    0x32: "array index out of bounds",
    0x41: "out of memory",
    0x51: "call to an uninitialised function",
}

# Errors the demo protocol and common OpenZeppelin 5 contracts raise; policies add their own.
COMMON_ERRORS = (
    "EnforcedPause()",
    "ExpectedPause()",
    "AccessControlUnauthorizedAccount(address,bytes32)",
    "AccessControlBadConfirmation()",
    "OwnableUnauthorizedAccount(address)",
    "OwnableInvalidOwner(address)",
    "ReentrancyGuardReentrantCall()",
    "SafeERC20FailedOperation(address)",
    "ERC20InsufficientBalance(address,uint256,uint256)",
    "NotAuthorized()",
    "ZeroAddress()",
    "EthTransferFailed()",
)


def decode_revert(data: bytes, known_errors: Iterable[str] = COMMON_ERRORS) -> str:
    """A one-line description of revert `data`; never raises."""
    from eth_abi.abi import decode
    from eth_abi.exceptions import DecodingError

    if not data:
        return "reverted without a reason"
    selector, body = data[:4], data[4:]
    try:
        if selector == ERROR_SELECTOR:
            (message,) = decode(["string"], body)
            meaning = SAFE_ERROR_CODES.get(message)
            return f"{message}: {meaning}" if meaning else str(message)
        if selector == PANIC_SELECTOR:
            (code,) = decode(["uint256"], body)
            return f"panic 0x{code:02x}: {PANIC_CODES.get(code, 'unknown panic code')}"
        for signature in known_errors:
            parsed = parse_signature(signature)
            if parsed.selector == selector:
                values = decode(list(parsed.inputs), body)
                shown = ", ".join(_show(v) for v in values)
                return f"{parsed.name}({shown})"
    except (DecodingError, ValueError, OverflowError):
        return f"undecodable revert data 0x{data.hex()}"
    return f"unknown custom error 0x{selector.hex()} ({len(data)} bytes)"


def _show(value: object) -> str:
    if isinstance(value, bytes):
        return hex0x(value)
    return str(value)
