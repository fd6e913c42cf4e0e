// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";

/// @notice Address allow-list (e.g. approved bridge relayers) that a Safe can prune in an emergency.
contract AllowList is AccessControl {
    bytes32 public constant LIST_ADMIN_ROLE = keccak256("LIST_ADMIN_ROLE");

    mapping(address => bool) private _allowed;

    event AllowedSet(address indexed account, bool allowed);

    error ZeroAddress();

    constructor(address admin, address[] memory initial) {
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _grantRole(LIST_ADMIN_ROLE, admin);
        for (uint256 i = 0; i < initial.length; i++) {
            _set(initial[i], true);
        }
    }

    function setAllowed(address account, bool allowed) external onlyRole(LIST_ADMIN_ROLE) {
        _set(account, allowed);
    }

    function revokeMany(address[] calldata accounts) external onlyRole(LIST_ADMIN_ROLE) {
        for (uint256 i = 0; i < accounts.length; i++) {
            _set(accounts[i], false);
        }
    }

    function isAllowed(address account) external view returns (bool) {
        return _allowed[account];
    }

    function _set(address account, bool allowed) private {
        if (account == address(0)) revert ZeroAddress();
        _allowed[account] = allowed;
        emit AllowedSet(account, allowed);
    }
}
