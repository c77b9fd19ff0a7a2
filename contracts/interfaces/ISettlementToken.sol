// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Permit.sol";

/// @title TierCredit settlement token: on-chain cash, a deposit token of the financiers
/// @notice Financiers mint against deposits and members burn on withdrawal. Only active members
/// (and the platform's own contracts, which are members) hold, send or receive it.
interface ISettlementToken is IERC20, IERC20Permit {
    /// @notice Emitted when a financier mints cash against a deposit.
    /// @param financier the financier
    /// @param to the member credited
    /// @param amount the amount minted
    /// @param depositRef anchors the off-chain deposit
    event Deposited(address indexed financier, address indexed to, uint256 amount, bytes32 depositRef);
    /// @notice Emitted when a member burns cash to withdraw it off-chain.
    /// @param account the member
    /// @param amount the amount burned
    /// @param withdrawalRef anchors the off-chain withdrawal
    event Withdrawn(address indexed account, uint256 amount, bytes32 withdrawalRef);

    /// @notice An active financier mints cash to an active member against a deposit; never to a platform contract.
    /// @param to the member credited
    /// @param amount the amount
    /// @param depositRef anchors the off-chain deposit
    function mint(address to, uint256 amount, bytes32 depositRef) external;

    /// @notice The caller burns part of its own balance to withdraw it off-chain.
    /// @param amount the amount
    /// @param withdrawalRef anchors the off-chain withdrawal
    function burn(uint256 amount, bytes32 withdrawalRef) external;
}
