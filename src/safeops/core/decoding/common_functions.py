"""Common functions named without a policy: Pausable, ERC-20, Ownable, AccessControl, Safe.

`tx hash` has no policy to name the functions a transaction calls; a reviewer must still read
`pause()`, not "unknown function 0x8456cb59". Each row is (signature, kind, argument names),
the names as the reference contracts (OpenZeppelin 5, Safe 1.4.1) declare them. The danger
checks match on these signatures too (`core/decoding/checks.py`), so naming a function never
hides it.
"""

from __future__ import annotations

COMMON_FUNCTIONS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    # Pausable
    ("pause()", "pausable", ()),
    ("unpause()", "pausable", ()),
    # ERC-20 (transfer, approve and transferFrom are in core/decoding/decode.py already) and the
    # allowance helpers of OpenZeppelin 4
    ("increaseAllowance(address,uint256)", "erc20", ("spender", "addedValue")),
    ("decreaseAllowance(address,uint256)", "erc20", ("spender", "subtractedValue")),
    # Ownable2Step: the pending owner takes ownership
    ("acceptOwnership()", "ownership", ()),
    # AccessControl (grantRole is in core/decoding/decode.py already)
    ("revokeRole(bytes32,address)", "role", ("role", "account")),
    ("renounceRole(bytes32,address)", "role", ("role", "callerConfirmation")),
    # The Safe's own entry points: a Safe that calls another Safe (nested Safes), a module
    ("execTransaction(address,uint256,bytes,uint8,uint256,uint256,uint256,address,address,bytes)",
     "safe",
     ("to", "value", "data", "operation", "safeTxGas", "baseGas", "gasPrice", "gasToken",
      "refundReceiver", "signatures")),
    ("execTransactionFromModule(address,uint256,bytes,uint8)", "safe",
     ("to", "value", "data", "operation")),
    ("execTransactionFromModuleReturnData(address,uint256,bytes,uint8)", "safe",
     ("to", "value", "data", "operation")),
    ("setup(address[],uint256,address,bytes,address,address,uint256,address)", "safe",
     ("_owners", "_threshold", "to", "data", "fallbackHandler", "paymentToken", "payment",
      "paymentReceiver")),
    ("simulateAndRevert(address,bytes)", "safe", ("targetContract", "calldataPayload")),
)  # fmt: skip
