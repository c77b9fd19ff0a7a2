// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Address} from "@openzeppelin/contracts/utils/Address.sol";

/// @title TestWallet
/// @notice A minimal contract wallet (what a multisig is to the platform): one owner has it call
/// other contracts from the wallet's own address. It cannot sign an EIP-712 forward request, so
/// the platform hands its requests out as calls to execute. Test use only.
contract TestWallet {
    address private immutable _owner;

    /// @notice `caller` is not the wallet's owner.
    error TestWalletUnauthorized(address caller);

    /// @notice A wallet needs an owner; the zero address can sign nothing.
    error TestWalletZeroOwner();

    constructor(address owner_) {
        if (owner_ == address(0)) revert TestWalletZeroOwner();
        _owner = owner_;
    }

    /// @notice Calls `to` with `data` from this wallet; a revert is passed on as it is.
    /// @return result What the call returned.
    function execute(address to, bytes calldata data) external returns (bytes memory result) {
        if (msg.sender != _owner) revert TestWalletUnauthorized(msg.sender);
        return Address.functionCall(to, data);
    }

    /// @notice The one account that may have the wallet execute calls.
    function owner() external view returns (address) {
        return _owner;
    }
}
