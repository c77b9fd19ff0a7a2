// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ERC3525} from "@solvprotocol/erc-3525/ERC3525.sol";

/// @title ReferenceERC3525
/// @notice The reference ERC-3525 implementation (Solv, `@solvprotocol/erc-3525`) with an open
/// mint, deployed only beside CreditVoucher to compare gas on the same chain. Test use only.
contract ReferenceERC3525 is ERC3525 {
    constructor() ERC3525("Reference ERC-3525", "REF3525", 6) {}

    /// @notice Mints a new token of `value` in `slot` to `to`; anyone may call it.
    /// @return tokenId the new token's id
    function mint(address to, uint256 slot, uint256 value) external returns (uint256 tokenId) {
        return _mint(to, slot, value);
    }
}
