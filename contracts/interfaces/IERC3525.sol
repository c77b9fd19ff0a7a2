// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IERC721} from "@openzeppelin/contracts/token/ERC721/IERC721.sol";

/// @title ERC-3525 semi-fungible token, as specified by EIP-3525
/// @dev The ERC-165 identifier of this interface is 0xd5358140. The EIP marks the value functions
/// payable; here they are not, so no ether can ever be locked in the voucher (selectors are the same).
interface IERC3525 is IERC721 {
    /// @notice Emitted when value moves from one token to another; a zero id means mint or burn.
    /// @param _fromTokenId the source token, or 0 on mint
    /// @param _toTokenId the target token, or 0 on burn
    /// @param _value the value moved
    event TransferValue(uint256 indexed _fromTokenId, uint256 indexed _toTokenId, uint256 _value);
    /// @notice Emitted when the value allowance of an operator over a token is set or spent.
    /// @param _tokenId the token
    /// @param _operator the spender
    /// @param _value the allowance now
    event ApprovalValue(uint256 indexed _tokenId, address indexed _operator, uint256 _value);
    /// @notice Emitted when the slot of a token changes; minting is a change from slot 0, burning to slot 0.
    /// @param _tokenId the token
    /// @param _oldSlot the slot before
    /// @param _newSlot the slot after
    event SlotChanged(uint256 indexed _tokenId, uint256 indexed _oldSlot, uint256 indexed _newSlot);

    /// @notice Number of decimals the token uses for value.
    /// @return decimals the decimals
    function valueDecimals() external view returns (uint8 decimals);

    /// @notice The value of a token.
    /// @param _tokenId the token
    /// @return value its value
    function balanceOf(uint256 _tokenId) external view returns (uint256 value);

    /// @notice The slot of a token.
    /// @param _tokenId the token
    /// @return slot its slot
    function slotOf(uint256 _tokenId) external view returns (uint256 slot);

    /// @notice Allows an operator to transfer up to `_value` out of a token. The owner, an
    /// operator for all its tokens, or the token's approved address may call it.
    /// @param _tokenId the token
    /// @param _operator the spender
    /// @param _value the allowance
    function approve(uint256 _tokenId, address _operator, uint256 _value) external;

    /// @notice The value an operator may still transfer out of a token.
    /// @param _tokenId the token
    /// @param _operator the spender
    /// @return remaining the allowance
    function allowance(uint256 _tokenId, address _operator) external view returns (uint256 remaining);

    /// @notice Moves value from one token to another of the same slot.
    /// @param _fromTokenId the source token
    /// @param _toTokenId the target token
    /// @param _value the value to move
    function transferFrom(uint256 _fromTokenId, uint256 _toTokenId, uint256 _value) external;

    /// @notice Moves value from a token into a new token owned by `_to`.
    /// @param _fromTokenId the source token
    /// @param _to the receiver
    /// @param _value the value to move
    /// @return newTokenId the id of the token created for `_to`
    function transferFrom(uint256 _fromTokenId, address _to, uint256 _value) external returns (uint256 newTokenId);
}

/// @title ERC-3525 metadata: where wallets and explorers read what a contract, a slot and a token are
/// @dev The ERC-165 identifier of this interface is 0xe1600902.
interface IERC3525Metadata {
    /// @notice Metadata of the contract, as a URI.
    /// @return uri a `data:` URI of JSON
    function contractURI() external view returns (string memory uri);

    /// @notice Metadata of a slot, as a URI.
    /// @param _slot the slot
    /// @return uri a `data:` URI of JSON
    function slotURI(uint256 _slot) external view returns (string memory uri);
}

/// @title Receiver hook of ERC-3525 value transfers to contracts
/// @dev The ERC-165 identifier of this interface is 0x009ce20b.
interface IERC3525Receiver {
    /// @notice Returns `IERC3525Receiver.onERC3525Received.selector` to accept the value.
    /// @param _operator the caller of the transfer
    /// @param _fromTokenId the source token
    /// @param _toTokenId the target token
    /// @param _value the value received
    /// @param _data extra data
    /// @return selector `IERC3525Receiver.onERC3525Received.selector` to accept
    function onERC3525Received(address _operator, uint256 _fromTokenId, uint256 _toTokenId, uint256 _value, bytes calldata _data)
        external
        returns (bytes4 selector);
}
