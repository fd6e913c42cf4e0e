// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";
import {ReentrancyGuard} from "@openzeppelin/contracts/utils/ReentrancyGuard.sol";

/// @notice Demo treasury vault owned by the admin Safe; a guardian can pause, the owner can rescue funds.
contract DemoVault is Ownable, Pausable, ReentrancyGuard {
    using SafeERC20 for IERC20;

    address public immutable guardian;

    event Deposited(address indexed token, address indexed from, uint256 amount);
    event EmergencyWithdrawal(address indexed token, address indexed to, uint256 amount);

    error NotAuthorized();
    error ZeroAddress();
    error EthTransferFailed();

    constructor(address owner_, address guardian_) Ownable(owner_) {
        guardian = guardian_;
    }

    receive() external payable {}

    function pause() external {
        if (msg.sender != owner() && msg.sender != guardian) revert NotAuthorized();
        _pause();
    }

    function unpause() external onlyOwner {
        _unpause();
    }

    function deposit(address token, uint256 amount) external whenNotPaused nonReentrant {
        IERC20(token).safeTransferFrom(msg.sender, address(this), amount);
        emit Deposited(token, msg.sender, amount);
    }

    /// @dev Deliberately not gated by whenNotPaused: rescuing funds must work while paused.
    function emergencyWithdraw(address token, address to, uint256 amount)
        external
        onlyOwner
        nonReentrant
    {
        if (to == address(0)) revert ZeroAddress();
        if (token == address(0)) {
            (bool ok,) = to.call{value: amount}("");
            if (!ok) revert EthTransferFailed();
        } else {
            IERC20(token).safeTransfer(to, amount);
        }
        emit EmergencyWithdrawal(token, to, amount);
    }
}
