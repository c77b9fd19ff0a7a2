// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Address} from "@openzeppelin/contracts/utils/Address.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";

/// @title TestWallet
/// @notice A minimal contract wallet (what a multisig is to the platform): one owner has it call
/// other contracts from the wallet's own address. It cannot sign an EIP-712 forward request, so
/// the platform hands its requests out as calls to execute. It signs in (Sign-In with Ethereum)
/// by EIP-1271: a signature is the wallet's when its owner made it. Test use only.
contract TestWallet {
    /// @dev What EIP-1271 answers for a valid signature: the selector of isValidSignature.
    bytes4 private constant _EIP1271_MAGIC_VALUE = 0x1626ba7e;

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

    /// @notice EIP-1271: whether `signature` over `hash` is the wallet's (its owner's signature).
    /// @return magicValue 0x1626ba7e when it is, 0xffffffff otherwise (never a revert).
    function isValidSignature(bytes32 hash, bytes calldata signature)
        external
        view
        returns (bytes4 magicValue)
    {
        (address signer, ECDSA.RecoverError failure, bytes32 failureArgument) =
            ECDSA.tryRecover(hash, signature);
        bool recovered = failure == ECDSA.RecoverError.NoError && failureArgument == bytes32(0);
        return recovered && signer == _owner ? _EIP1271_MAGIC_VALUE : bytes4(0xffffffff);
    }

    /// @notice The one account that may have the wallet execute calls.
    function owner() external view returns (address) {
        return _owner;
    }
}
