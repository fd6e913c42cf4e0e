// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @notice A Safe transaction guard for tests only: it lets everything through, or, when
/// built with `blockAll`, refuses every transaction. It exists so that safeops can test that
/// it notices a guard being set and simulates with the Safe's real guard in place.
contract TestGuard {
    bool public immutable blockAll;

    error BlockedByGuard();

    constructor(bool blockAll_) {
        blockAll = blockAll_;
    }

    function checkTransaction(
        address, uint256, bytes memory, uint8, uint256, uint256, uint256, address,
        address payable, bytes memory, address
    ) external view {
        if (blockAll) revert BlockedByGuard();
    }

    function checkAfterExecution(bytes32, bool) external pure {}

    function supportsInterface(bytes4 interfaceId) external pure returns (bool) {
        return interfaceId == (this.checkTransaction.selector ^ this.checkAfterExecution.selector)
            || interfaceId == 0x01ffc9a7; // IERC165
    }
}
