// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";

/// @notice Generic pausable protocol component (the demo's "router" and "lending pool").
contract PausableService is AccessControl, Pausable {
    bytes32 public constant PAUSER_ROLE = keccak256("PAUSER_ROLE");
    bytes32 public constant UNPAUSER_ROLE = keccak256("UNPAUSER_ROLE");

    string public name;
    uint256 public counter;

    constructor(string memory name_, address admin, address[] memory pausers) {
        name = name_;
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _grantRole(UNPAUSER_ROLE, admin);
        _grantRole(PAUSER_ROLE, admin);
        for (uint256 i = 0; i < pausers.length; i++) {
            _grantRole(PAUSER_ROLE, pausers[i]);
        }
    }

    function pause() external onlyRole(PAUSER_ROLE) {
        _pause();
    }

    function unpause() external onlyRole(UNPAUSER_ROLE) {
        _unpause();
    }

    /// @dev Something that stops working while paused; returns the incremented counter.
    function ping() external whenNotPaused returns (uint256) {
        counter += 1;
        return counter;
    }
}
