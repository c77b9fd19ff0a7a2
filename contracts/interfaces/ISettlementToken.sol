// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Permit.sol";

/// @title TierCredit settlement token: on-chain cash, a deposit token of the financiers
/// @notice Financiers mint against deposits and members burn on withdrawal. Only active members
/// (and the platform's own contracts, which are members) hold, send or receive it.
interface ISettlementToken is IERC20, IERC20Permit {
    /// @notice Emitted when `financier` mints `amount` to `to` against a deposit anchored by `depositRef`.
    event Deposited(address indexed financier, address indexed to, uint256 amount, bytes32 depositRef);
    /// @notice Emitted when `account` burns `amount` to withdraw it off-chain.
    event Withdrawn(address indexed account, uint256 amount, bytes32 withdrawalRef);

    /// @notice An active financier mints `amount` to active member `to` against a deposit.
    function mint(address to, uint256 amount, bytes32 depositRef) external;

    /// @notice The caller burns `amount` of its own balance to withdraw it off-chain.
    function burn(uint256 amount, bytes32 withdrawalRef) external;
}
