// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @title ReferenceERC20
/// @notice A plain OpenZeppelin 5 ERC-20 with an open mint, deployed only to compare the gas of a
/// bare `transfer` with the voucher's transfers on the same chain. Test use only.
contract ReferenceERC20 is ERC20 {
    constructor() ERC20("Reference ERC-20", "REF20") {}

    /// @notice Mints `amount` to `to`; anyone may call it.
    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    /// @notice Six decimals, as SettlementToken and the voucher's value.
    function decimals() public pure override returns (uint8) {
        return 6;
    }
}
