// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ERC2771Context} from "@openzeppelin/contracts/metatx/ERC2771Context.sol";
import {IERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Permit.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ReentrancyGuard} from "@openzeppelin/contracts/utils/ReentrancyGuard.sol";
import {IConsortium} from "./interfaces/IConsortium.sol";
import {ICreditVoucher} from "./interfaces/ICreditVoucher.sol";
import {ISettlement} from "./interfaces/ISettlement.sol";
import {ISettlementToken} from "./interfaces/ISettlementToken.sol";

// Time rules here are days or months apart (tenor, maturity, expiry, grace); the seconds of leeway a
// block producer has over `block.timestamp` cannot change an outcome that matters.
// slither-disable-start timestamp
/// @title Settlement
/// @notice Repayment in parts by the obligor; pull redemption by holders from maturity, or a
/// bounded batch pushed by anyone; pro rata while a credit is only partly funded, the rest
/// claimable as late repayments arrive. Costs never grow with the number of holders.
contract Settlement is ISettlement, ReentrancyGuard, ERC2771Context {
    using SafeERC20 for ISettlementToken;

    uint256 public constant MAX_BATCH = 50;

    IConsortium private immutable _consortium;
    ICreditVoucher private immutable _voucher;
    ISettlementToken private immutable _cash;
    mapping(uint256 creditId => CreditAccount) private _accounts;
    mapping(uint256 tokenId => Claim) private _claims;

    constructor(IConsortium consortium, ICreditVoucher voucher, ISettlementToken cash) ERC2771Context(consortium.trustedForwarder()) {
        _consortium = consortium;
        _voucher = voucher;
        _cash = cash;
    }

    /// @inheritdoc ISettlement
    function repay(uint256 creditId, uint256 amount) external nonReentrant {
        _repay(creditId, amount);
    }

    /// @inheritdoc ISettlement
    function repayWithPermit(uint256 creditId, uint256 amount, uint256 deadline, uint8 v, bytes32 r, bytes32 s)
        external
        nonReentrant
    {
        // A permit someone else already submitted must not block the repayment: the allowance it
        // set is what `_repay` spends, and a missing one fails there with the token's own error.
        try IERC20Permit(address(_cash)).permit(_msgSender(), address(this), amount, deadline, v, r, s) {} catch {}
        _repay(creditId, amount);
    }

    /// @inheritdoc ISettlement
    function redeem(uint256 tokenId) external nonReentrant returns (uint256 paid) {
        address holder = _voucher.ownerOf(tokenId);
        if (holder != _msgSender()) revert SettlementNotHolder(tokenId, _msgSender());
        return _redeem(tokenId);
    }

    /// @inheritdoc ISettlement
    /// @dev The voucher is this platform's own contract and batches are bounded by MAX_BATCH; a
    /// fragment the voucher refuses to burn (redeemed already, frozen, locked, not matured, holder
    /// suspended) is skipped with the refusal's own error as the reason, and the rest is paid.
    /// Its calls cannot re-enter: the voucher, the consortium and the token are the platform's own.
    // slither-disable-next-line calls-loop,reentrancy-benign,reentrancy-events,reentrancy-no-eth
    function redeemBatch(uint256[] calldata tokenIds) external nonReentrant returns (uint256 paid) {
        uint256 size = tokenIds.length;
        if (size == 0 || size > MAX_BATCH) revert SettlementInvalidBatch(size, MAX_BATCH);
        // Checked first: paused, every entry would be skipped instead of the batch refused.
        _consortium.requireActive(_msgSender());
        for (uint256 i = 0; i < size; ++i) {
            uint256 tokenId = tokenIds[i];
            try _voucher.burnForRedemption(tokenId) returns (
                address holder, uint256 value, uint256 creditId, address obligor, bool heldAsFinancier
            ) {
                paid += _recordClaim(tokenId, holder, value, creditId, obligor, heldAsFinancier);
            } catch (bytes memory reason) {
                emit RedemptionSkipped(tokenId, reason);
            }
        }
    }

    /// @inheritdoc ISettlement
    function claim(uint256 tokenId) external nonReentrant returns (uint256 paid) {
        _consortium.requireActive(_msgSender());
        Claim storage c = _claims[tokenId];
        if (c.claimant == address(0)) revert SettlementNoClaim(tokenId);
        // A claim is the rest of a redemption: a freeze stops it as it stops `redeem`.
        if (_voucher.isFrozen(tokenId)) revert ICreditVoucher.VoucherFrozen(tokenId);
        paid = _pay(tokenId, c);
        if (paid == 0) revert SettlementNothingOwed(tokenId);
    }

    /// @inheritdoc ISettlement
    function writeOff(uint256 tokenId, bytes32 reasonHash) external returns (uint256 amount) {
        _consortium.requireActive(_msgSender());
        Claim storage c = _claims[tokenId];
        if (c.claimant == address(0)) revert SettlementNoClaim(tokenId);
        if (c.claimant != _msgSender()) revert SettlementNotClaimant(tokenId, _msgSender());
        amount = uint256(c.value) - c.paid;
        if (!c.heldAsFinancier || c.writtenOff || amount == 0) revert SettlementNothingToWriteOff(tokenId);
        c.writtenOff = true;
        emit ClaimWrittenOff(tokenId, _msgSender(), amount, reasonHash);
        _consortium.decreaseExposure(_msgSender(), _voucher.credit(c.creditId).obligor, amount);
    }

    /// @inheritdoc ISettlement
    function markOverdue(uint256 creditId) external {
        _consortium.requireActive(_msgSender());
        ICreditVoucher.Credit memory cr = _voucher.credit(creditId);
        CreditAccount storage acct = _accounts[creditId];
        uint256 overdueAt = uint256(cr.maturity) + uint256(cr.gracePeriodDays) * 1 days;
        if (block.timestamp <= overdueAt || acct.repaid >= cr.faceValue || acct.overdue) {
            revert SettlementNotOverdue(creditId, overdueAt, acct.repaid, cr.faceValue);
        }
        acct.overdue = true;
        emit CreditOverdue(creditId, acct.repaid, cr.faceValue);
    }

    /// @inheritdoc ISettlement
    function account(uint256 creditId) external view returns (CreditAccount memory) {
        return _accounts[creditId];
    }

    /// @inheritdoc ISettlement
    function claimOf(uint256 tokenId) external view returns (Claim memory) {
        return _claims[tokenId];
    }

    /// @inheritdoc ISettlement
    function owed(uint256 tokenId) external view returns (uint256) {
        Claim storage c = _claims[tokenId];
        if (c.claimant == address(0)) return 0;
        return _entitlement(c, _voucher.credit(c.creditId).faceValue) - c.paid;
    }

    /// @inheritdoc ISettlement
    function maxBatch() external pure returns (uint256) {
        return MAX_BATCH;
    }

    function _repay(uint256 creditId, uint256 amount) private {
        ICreditVoucher.Credit memory cr = _voucher.credit(creditId);
        if (cr.obligor != _msgSender()) revert SettlementNotObligor(creditId, _msgSender());
        CreditAccount storage acct = _accounts[creditId];
        uint256 outstandingValue = cr.faceValue - acct.repaid;
        if (amount == 0 || amount > outstandingValue) revert SettlementInvalidRepayment(creditId, amount, outstandingValue);
        uint256 total = acct.repaid + amount;
        acct.repaid = uint96(total);
        emit CreditRepaid(creditId, _msgSender(), amount, total);
        if (acct.overdue && total == cr.faceValue) {
            acct.overdue = false;
            emit CreditOverdueCleared(creditId, total);
        }
        _consortium.restoreQuota(_msgSender(), amount);
        _cash.safeTransferFrom(_msgSender(), address(this), amount);
    }

    /// @dev Burns the fragment, records the holder's claim to its value and pays what is funded.
    /// The voucher is this platform's own contract, fixed at construction, and batches are bounded
    /// by MAX_BATCH, so its calls neither re-enter nor run out of gas in `redeemBatch`.
    // slither-disable-next-line reentrancy-benign,calls-loop
    function _redeem(uint256 tokenId) private returns (uint256 paid) {
        (address holder, uint256 value, uint256 creditId, address obligor, bool heldAsFinancier) =
            _voucher.burnForRedemption(tokenId);
        return _recordClaim(tokenId, holder, value, creditId, obligor, heldAsFinancier);
    }

    /// @dev Records the holder's claim to a burned fragment's value and pays what is funded.
    function _recordClaim(
        uint256 tokenId,
        address holder,
        uint256 value,
        uint256 creditId,
        address obligor,
        bool heldAsFinancier
    ) private returns (uint256 paid) {
        Claim storage c = _claims[tokenId];
        c.claimant = holder;
        c.value = uint96(value);
        c.creditId = uint64(creditId);
        if (heldAsFinancier) c.heldAsFinancier = true;
        emit FragmentRedeemed(tokenId, creditId, holder, value, heldAsFinancier);
        return _payTo(tokenId, c, obligor, _voucher.credit(creditId).faceValue);
    }

    function _pay(uint256 tokenId, Claim storage c) private returns (uint256) {
        ICreditVoucher.Credit memory cr = _voucher.credit(c.creditId);
        return _payTo(tokenId, c, cr.obligor, cr.faceValue);
    }

    /// @dev Pays the claim up to its entitlement: never more than the obligor paid in.
    /// What is paid to a financier on value that counted as its exposure leaves that exposure.
    // slither-disable-next-line calls-loop
    function _payTo(uint256 tokenId, Claim storage c, address obligor, uint256 faceValue) private returns (uint256 amount) {
        uint256 entitled = _entitlement(c, faceValue);
        amount = entitled - c.paid;
        if (amount == 0) return 0;
        c.paid = uint96(entitled);
        _accounts[c.creditId].paidOut += uint96(amount);
        address claimant = c.claimant;
        emit ClaimPaid(tokenId, claimant, amount, entitled);
        if (c.heldAsFinancier && !c.writtenOff) _consortium.decreaseExposure(claimant, obligor, amount);
        _cash.safeTransfer(claimant, amount);
    }

    /// @dev `value * repaid / faceValue`, rounded down: the claim's pro-rata share of what was repaid.
    function _entitlement(Claim storage c, uint256 faceValue) private view returns (uint256) {
        return (uint256(c.value) * _accounts[c.creditId].repaid) / faceValue;
    }
}
// slither-disable-end timestamp
