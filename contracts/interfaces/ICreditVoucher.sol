// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IERC3525} from "./IERC3525.sol";

/// @title TierCredit credit voucher: a tokenized receivable split tier after tier
/// @notice Slot = one credit (obligor, face value, maturity, source invoice). Each token is a
/// fragment of a credit with an owner, a value, its parent fragment, the invoice that justified
/// its hop and its tier depth, so the path of any fragment back to the root is on-chain.
interface ICreditVoucher is IERC3525 {
    /// @dev Two storage slots: (obligor, maturity, certificateId, frozen) and (faceValue, sourceInvoiceId, issuedAt).
    struct Credit {
        address obligor;
        uint40 maturity;
        uint48 certificateId;
        bool frozen;
        uint96 faceValue;
        uint48 sourceInvoiceId;
        uint40 issuedAt;
    }

    /// @dev Two storage slots: (owner, value) and the lineage. A root fragment stores only the
    /// first; its lineage is its credit's (creditId = its own id, source invoice, depth 0).
    struct Fragment {
        address owner;
        uint96 value;
        uint64 creditId;
        uint64 parentId;
        uint48 invoiceId;
        uint8 depth;
        bool frozen;
        bool locked;
    }

    /// @notice Emitted when `obligor` issues credit `creditId`, whose root fragment is token `creditId`.
    event CreditIssued(
        uint256 indexed creditId,
        address indexed obligor,
        address indexed supplier,
        uint256 faceValue,
        uint256 maturity,
        uint256 invoiceId,
        uint256 certificateId
    );
    /// @notice Emitted when a holder pays its supplier: `value` moved from `fromTokenId` to the new
    /// fragment `toTokenId` at tier `depth`, justified by `invoiceId`.
    event TradeTransferred(uint256 indexed fromTokenId, uint256 indexed toTokenId, uint256 indexed invoiceId, uint256 value, uint8 depth);
    /// @notice Emitted when an auditor or the operator freezes or unfreezes a fragment.
    event FragmentFrozen(uint256 indexed tokenId, bool frozen, bytes32 reasonHash);
    /// @notice Emitted when an auditor or the operator freezes or unfreezes a whole credit.
    event CreditFrozen(uint256 indexed creditId, bool frozen, bytes32 reasonHash);
    /// @notice Emitted when the financing contract locks or releases a fragment.
    event FragmentLocked(uint256 indexed tokenId, bool locked);
    /// @notice Emitted once, when the operator links the financing and settlement contracts.
    event PlatformLinked(address indexed financing, address indexed settlement);

    /// @notice No token has this id.
    error VoucherNonexistentToken(uint256 tokenId);
    /// @notice `caller` may not move value out of `tokenId`.
    error VoucherUnauthorized(address caller, uint256 tokenId);
    /// @notice Only a core enterprise issues, and only against invoices it owes.
    error VoucherNotObligor(address caller, uint256 invoiceId);
    /// @notice Maturity outside (now, now + maximum tenor].
    error VoucherInvalidMaturity(uint256 maturity, uint256 maxMaturity);
    /// @notice The invoice cited for a hop is owed to another seller than the receiver.
    error VoucherInvoiceSellerMismatch(uint256 invoiceId, address seller, address receiver);
    /// @notice `caller` is allowed less value of `tokenId` than it tries to move.
    error VoucherInsufficientAllowance(address caller, uint256 tokenId, uint256 allowance, uint256 requested);
    /// @notice Value of zero, or more than the source holds or a voucher can store.
    error VoucherInsufficientValue(uint256 tokenId, uint256 requested, uint256 available);
    /// @notice The obligor requires a quality certificate and none was given.
    error VoucherCertificateRequired(address obligor, uint256 invoiceId);
    /// @notice The tier depth would pass the platform's maximum.
    error VoucherTierDepthExceeded(uint256 tokenId, uint256 depth, uint256 maxDepth);
    /// @notice The credit has matured: its value no longer moves, it is redeemed.
    error VoucherMatured(uint256 creditId, uint256 maturity);
    /// @notice The credit has not matured yet.
    error VoucherNotMatured(uint256 creditId, uint256 maturity);
    /// @notice The fragment, its credit or its quality certificate is frozen.
    error VoucherFrozen(uint256 tokenId);
    /// @notice The fragment is locked by a financing request.
    error VoucherLocked(uint256 tokenId);
    /// @notice The fragment is not locked.
    error VoucherNotLocked(uint256 tokenId);
    /// @notice Between two suppliers value moves only by split-transfer citing an invoice.
    error VoucherTradeReferenceRequired(address from, address to);
    /// @notice The two tokens belong to different credits.
    error VoucherSlotMismatch(uint256 fromTokenId, uint256 toTokenId);
    /// @notice The receiver is the zero address or a contract that refused the token.
    error VoucherInvalidReceiver(address receiver);
    /// @notice `caller` is neither an auditor nor the operator.
    error VoucherNotSupervisor(address caller);
    /// @notice Only the linked financing or settlement contract may do this.
    error VoucherNotPlatform(address caller);
    /// @notice The platform contracts are already linked.
    error VoucherAlreadyLinked();
    /// @notice The freeze flag already has this value.
    error VoucherFreezeUnchanged(uint256 id, bool frozen);

    /// @notice The obligor issues a credit against a confirmed invoice it owes; mints the root
    /// fragment to the invoice's seller, within quota and maximum tenor.
    /// @param certificateId a quality certificate for the invoice's goods, or 0 if the obligor does not require one
    /// @return creditId the new credit's id, which is also the slot and the root fragment's token id
    function issue(uint256 invoiceId, uint256 faceValue, uint256 maturity, uint256 certificateId)
        external
        returns (uint256 creditId);

    /// @notice The holder pays its supplier `to` with `value` out of `fromTokenId`, citing a confirmed
    /// invoice where the holder is the buyer and `to` the seller; the invoice is drawn down.
    /// @return newTokenId the fragment created for `to`, one tier deeper
    function splitTransfer(uint256 fromTokenId, address to, uint256 value, uint256 invoiceId)
        external
        returns (uint256 newTokenId);

    /// @notice Freezes or unfreezes a fragment. Auditors and the operator only.
    function setFragmentFrozen(uint256 tokenId, bool frozen, bytes32 reasonHash) external;

    /// @notice Freezes or unfreezes every fragment of a credit. Auditors and the operator only.
    function setCreditFrozen(uint256 creditId, bool frozen, bytes32 reasonHash) external;

    /// @notice Locks `value` of `tokenId` for a financing request, splitting it off unless it is the
    /// whole value. Financing contract only.
    /// @return lockedTokenId the locked fragment
    function lock(uint256 tokenId, uint256 value, address holder) external returns (uint256 lockedTokenId);

    /// @notice Releases a lock without moving the fragment. Financing contract only.
    function unlock(uint256 tokenId) external;

    /// @notice Delivers a locked fragment to `to` and releases the lock. Financing contract only.
    function deliverLocked(uint256 tokenId, address to) external;

    /// @notice Burns a matured fragment for redemption. Settlement contract only.
    /// @return holder the fragment's owner, who is paid
    /// @return value the fragment's value
    /// @return creditId the fragment's credit
    function burnForRedemption(uint256 tokenId) external returns (address holder, uint256 value, uint256 creditId);

    /// @notice Links the financing and settlement contracts, once. Operator only.
    function linkPlatform(address financing, address settlement) external;

    /// @notice The credit `creditId`; reverts with `VoucherNonexistentToken` if none.
    function credit(uint256 creditId) external view returns (Credit memory);

    /// @notice The fragment `tokenId`, including burned ones; reverts if it never existed.
    function fragment(uint256 tokenId) external view returns (Fragment memory);

    /// @notice Whether value may move out of `tokenId` now: not frozen, not locked, not matured.
    function isTransferable(uint256 tokenId) external view returns (bool);

    /// @notice Number of tokens minted so far; ids run from 1.
    function tokenCount() external view returns (uint256);
}
