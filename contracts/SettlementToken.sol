// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Context} from "@openzeppelin/contracts/utils/Context.sol";
import {ERC2771Context} from "@openzeppelin/contracts/metatx/ERC2771Context.sol";
import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {ERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Permit.sol";
import {IERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Permit.sol";
import {IConsortium} from "./interfaces/IConsortium.sol";
import {ISettlementToken} from "./interfaces/ISettlementToken.sol";
import {Roles} from "./libraries/Roles.sol";

/// @title SettlementToken
/// @notice On-chain cash of TierCredit: a deposit token with EIP-2612 permit, minted by financiers
/// against deposits and burned on withdrawal, held only by active members.
contract SettlementToken is ISettlementToken, ERC20Permit, ERC2771Context {
    IConsortium private immutable _consortium;

    constructor(IConsortium consortium) ERC20("TierCredit Settlement Token", "TCST") ERC20Permit("TierCredit Settlement Token") ERC2771Context(consortium.trustedForwarder()) {
        _consortium = consortium;
    }

    /// @inheritdoc ISettlementToken
    function mint(address to, uint256 amount, bytes32 depositRef) external {
        _consortium.requireActiveRole(_msgSender(), Roles.FINANCIER);
        _mint(to, amount);
        emit Deposited(_msgSender(), to, amount, depositRef);
    }

    /// @inheritdoc ISettlementToken
    function burn(uint256 amount, bytes32 withdrawalRef) external {
        _burn(_msgSender(), amount);
        emit Withdrawn(_msgSender(), amount, withdrawalRef);
    }

    /// @notice Cash has cents and micro-units: 6 decimals, as the voucher's value.
    function decimals() public pure override returns (uint8) {
        return 6;
    }

    /// @inheritdoc ERC20Permit
    function nonces(address owner) public view override(ERC20Permit, IERC20Permit) returns (uint256) {
        return super.nonces(owner);
    }

    /// @notice Moves cash on behalf of `from`; the spender must itself be an active member.
    function transferFrom(address from, address to, uint256 value) public override(ERC20, IERC20) returns (bool) {
        _consortium.requireActive(_msgSender());
        return super.transferFrom(from, to, value);
    }

    /// @dev Every holder, sender and receiver must be an active member while the platform is live.
    /// A platform contract takes cash only by pulling it itself (a repayment): cash pushed or
    /// minted to it would have no claimant and be stranded there.
    function _update(address from, address to, uint256 value) internal override {
        if (from == address(0)) {
            _requireReceiver(to, _consortium.activeRoleBits(to));
        } else if (to == address(0)) {
            _consortium.requireActive(from);
        } else {
            // The call itself checks that the sender is active; only the receiver's roles are needed.
            // slither-disable-next-line unused-return
            (, uint8 toBits) = _consortium.activeRoleBitsPair(from, to);
            _requireReceiver(to, toBits);
        }
        super._update(from, to, value);
    }

    /// @dev An approval (and a permit) is a member action: the owner must be active and the platform
    /// live. Allowance spent inside a transfer (`emitEvent` false) is checked by the transfer.
    function _approve(address owner, address spender, uint256 value, bool emitEvent) internal override {
        if (emitEvent) _consortium.requireActive(owner);
        super._approve(owner, spender, value, emitEvent);
    }

    function _requireReceiver(address to, uint8 toBits) private view {
        if (toBits & Roles.PLATFORM_BIT != 0 && msg.sender != to) revert ERC20InvalidReceiver(to);
    }

    // --- ERC-2771: a member's request relayed by the trusted forwarder acts as the member ---------

    function _msgSender() internal view override(Context, ERC2771Context) returns (address) {
        return ERC2771Context._msgSender();
    }

    function _msgData() internal view override(Context, ERC2771Context) returns (bytes calldata) {
        return ERC2771Context._msgData();
    }

    function _contextSuffixLength() internal view override(Context, ERC2771Context) returns (uint256) {
        return ERC2771Context._contextSuffixLength();
    }
}
