// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IERC721} from "@openzeppelin/contracts/token/ERC721/IERC721.sol";

/// @title ERC-3525 semi-fungible token, as specified by EIP-3525
/// @dev The ERC-165 identifier of this interface is 0xd5358140. The EIP marks the value functions
/// payable; here they are not, so no ether can ever be locked in the voucher (selectors are the same).
interface IERC3525 is IERC721 {
    /// @notice Emitted when value moves from one token to another; a zero id means mint or burn.
    event TransferValue(uint256 indexed _fromTokenId, uint256 indexed _toTokenId, uint256 _value);
    /// @notice Emitted when the value allowance of `_operator` over `_tokenId` is set.
    event ApprovalValue(uint256 indexed _tokenId, address indexed _operator, uint256 _value);
    /// @notice Emitted when the slot of a token changes; minting is a change from slot 0.
    event SlotChanged(uint256 indexed _tokenId, uint256 indexed _oldSlot, uint256 indexed _newSlot);

    /// @notice Number of decimals the token uses for value.
    function valueDecimals() external view returns (uint8);

    /// @notice The value of a token.
    function balanceOf(uint256 _tokenId) external view returns (uint256);

    /// @notice The slot of a token.
    function slotOf(uint256 _tokenId) external view returns (uint256);

    /// @notice Allows `_operator` to transfer up to `_value` out of `_tokenId`.
    function approve(uint256 _tokenId, address _operator, uint256 _value) external;

    /// @notice The value `_operator` may still transfer out of `_tokenId`.
    function allowance(uint256 _tokenId, address _operator) external view returns (uint256);

    /// @notice Moves `_value` from `_fromTokenId` to `_toTokenId` of the same slot.
    function transferFrom(uint256 _fromTokenId, uint256 _toTokenId, uint256 _value) external;

    /// @notice Moves `_value` from `_fromTokenId` into a new token owned by `_to`.
    /// @return newTokenId the id of the token created for `_to`
    function transferFrom(uint256 _fromTokenId, address _to, uint256 _value) external returns (uint256 newTokenId);
}

/// @title Receiver hook of ERC-3525 value transfers to contracts
/// @dev The ERC-165 identifier of this interface is 0x009ce20b.
interface IERC3525Receiver {
    /// @notice Returns `IERC3525Receiver.onERC3525Received.selector` to accept the value.
    function onERC3525Received(address _operator, uint256 _fromTokenId, uint256 _toTokenId, uint256 _value, bytes calldata _data)
        external
        returns (bytes4);
}
