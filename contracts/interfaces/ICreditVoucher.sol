// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IERC721Metadata} from "@openzeppelin/contracts/token/ERC721/extensions/IERC721Metadata.sol";
import {IERC3525, IERC3525Metadata} from "./IERC3525.sol";

/// @title TierCredit credit voucher: a tokenized receivable split tier after tier
/// @notice Slot = one credit (obligor, face value, maturity, source invoice). Each token is a
/// fragment of a credit with an owner, a value, its parent fragment, the invoice that justified
/// its hop and its tier depth, so the path of any fragment back to the root is on-chain. Value
/// only ever moves to the same or a deeper tier, and from one existing fragment to another only
/// into a fragment split from it, so a fragment's parents are the real chain of custody.
interface ICreditVoucher is IERC3525, IERC3525Metadata, IERC721Metadata {
    /// @dev Two storage slots: (obligor, maturity, certificateId, frozen) and (faceValue,
    /// sourceInvoiceId, issuedAt, gracePeriodDays, qualityFreezeLifted). `gracePeriodDays` is the
    /// platform's grace period when the credit was issued: a later change does not move it.
    struct Credit {
        address obligor;
        uint40 maturity;
        uint48 certificateId;
        bool frozen;
        uint96 faceValue;
        uint48 sourceInvoiceId;
        uint40 issuedAt;
        uint32 gracePeriodDays;
        bool qualityFreezeLifted;
    }

    /// @dev Two storage slots: (owner, value) and the lineage. A root fragment's lineage fields
    /// are its credit's (creditId = its own id, source invoice, depth 0). `heldAsFinancier`: the
    /// owner held the financier role when it acquired the fragment, so its value counts toward the
    /// owner's exposure to the obligor whatever roles the owner holds later.
    struct Fragment {
        address owner;
        uint96 value;
        uint64 creditId;
        uint64 parentId;
        uint48 invoiceId;
        uint8 depth;
        bool frozen;
        bool locked;
        bool heldAsFinancier;
    }

    /// @notice Emitted when an obligor issues a credit; its root fragment is token `creditId`.
    /// @param creditId the new credit (slot and root token id)
    /// @param obligor the core enterprise that owes it
    /// @param supplier the invoice's seller, who receives the root fragment
    /// @param faceValue the credit's face value
    /// @param maturity when the obligor pays, as a Unix time
    /// @param invoiceId the confirmed invoice it is issued against
    /// @param certificateId the quality certificate of the goods, or 0
    /// @param gracePeriodDays the grace period in force now, which the credit keeps
    event CreditIssued(
        uint256 indexed creditId,
        address indexed obligor,
        address indexed supplier,
        uint256 faceValue,
        uint256 maturity,
        uint256 invoiceId,
        uint256 certificateId,
        uint256 gracePeriodDays
    );
    /// @notice Emitted when a holder pays its supplier with part of a fragment.
    /// @param fromTokenId the holder's fragment
    /// @param toTokenId the new fragment of the supplier
    /// @param invoiceId the invoice that justified the hop
    /// @param value the value moved
    /// @param depth the new fragment's tier
    event TradeTransferred(uint256 indexed fromTokenId, uint256 indexed toTokenId, uint256 indexed invoiceId, uint256 value, uint8 depth);
    /// @notice Emitted when an auditor or the operator freezes or unfreezes a fragment.
    /// @param tokenId the fragment
    /// @param frozen the new flag
    /// @param reasonHash anchors the stated reason
    event FragmentFrozen(uint256 indexed tokenId, bool frozen, bytes32 reasonHash);
    /// @notice Emitted when an auditor or the operator freezes or unfreezes a whole credit.
    /// @param creditId the credit
    /// @param frozen the new flag
    /// @param reasonHash anchors the stated reason
    event CreditFrozen(uint256 indexed creditId, bool frozen, bytes32 reasonHash);
    /// @notice Emitted when an auditor or the operator lifts the freeze a certificate gone bad put on a credit.
    /// @param creditId the credit
    /// @param supervisor the auditor or operator
    /// @param reasonHash anchors the stated reason
    event QualityFreezeLifted(uint256 indexed creditId, address indexed supervisor, bytes32 reasonHash);
    /// @notice Emitted when the financing contract locks or releases a fragment.
    /// @param tokenId the fragment
    /// @param locked the new flag
    event FragmentLocked(uint256 indexed tokenId, bool locked);
    /// @notice Emitted once, when the operator links the financing and settlement contracts.
    /// @param financing the financing contract
    /// @param settlement the settlement contract
    event PlatformLinked(address indexed financing, address indexed settlement);

    /// @notice No token has this id.
    /// @param tokenId the id
    error VoucherNonexistentToken(uint256 tokenId);
    /// @notice The caller may not move value out of this token.
    /// @param caller the caller, or the claimed owner
    /// @param tokenId the token
    error VoucherUnauthorized(address caller, uint256 tokenId);
    /// @notice Maturity outside (now, now + maximum tenor].
    /// @param maturity the maturity asked for
    /// @param maxMaturity the latest maturity allowed now
    error VoucherInvalidMaturity(uint256 maturity, uint256 maxMaturity);
    /// @notice The invoice cited for a hop is owed to another seller than the receiver.
    /// @param invoiceId the invoice
    /// @param seller its seller
    /// @param receiver the receiver of the hop
    error VoucherInvoiceSellerMismatch(uint256 invoiceId, address seller, address receiver);
    /// @notice The caller is allowed less value of the token than it tries to move.
    /// @param caller the spender
    /// @param tokenId the token
    /// @param allowance its allowance
    /// @param requested the value it tries to move
    error VoucherInsufficientAllowance(address caller, uint256 tokenId, uint256 allowance, uint256 requested);
    /// @notice Value of zero, or more than the source holds or a voucher can store.
    /// @param tokenId the source token (0 for an issue)
    /// @param requested the value asked for
    /// @param available the most that can be moved or stored
    error VoucherInsufficientValue(uint256 tokenId, uint256 requested, uint256 available);
    /// @notice The obligor requires a quality certificate and none was given.
    /// @param obligor the core enterprise
    /// @param invoiceId the invoice
    error VoucherCertificateRequired(address obligor, uint256 invoiceId);
    /// @notice The tier depth would pass the platform's maximum.
    /// @param tokenId the source token
    /// @param depth the depth the hop would reach
    /// @param maxDepth the platform's maximum
    error VoucherTierDepthExceeded(uint256 tokenId, uint256 depth, uint256 maxDepth);
    /// @notice The credit has matured: its value no longer moves, it is redeemed.
    /// @param creditId the credit
    /// @param maturity its maturity
    error VoucherMatured(uint256 creditId, uint256 maturity);
    /// @notice The credit has not matured yet.
    /// @param creditId the credit
    /// @param maturity its maturity
    error VoucherNotMatured(uint256 creditId, uint256 maturity);
    /// @notice The fragment, its credit or its quality certificate is frozen.
    /// @param tokenId the fragment
    error VoucherFrozen(uint256 tokenId);
    /// @notice The fragment is locked by a financing request.
    /// @param tokenId the fragment
    error VoucherLocked(uint256 tokenId);
    /// @notice The fragment is not locked.
    /// @param tokenId the fragment
    error VoucherNotLocked(uint256 tokenId);
    /// @notice Between two suppliers value moves only by split-transfer citing an invoice.
    /// @param from the holder
    /// @param to the receiver
    error VoucherTradeReferenceRequired(address from, address to);
    /// @notice The two tokens belong to different credits.
    /// @param fromTokenId the source token
    /// @param toTokenId the target token
    error VoucherSlotMismatch(uint256 fromTokenId, uint256 toTokenId);
    /// @notice Value moves from one existing token to another only into a fragment split from the source.
    /// @param fromTokenId the source token
    /// @param toTokenId the target token
    /// @param toParentId the target's parent
    error VoucherLineageMismatch(uint256 fromTokenId, uint256 toTokenId, uint256 toParentId);
    /// @notice The receiver is the zero address, a platform contract, or a contract that refused the token.
    /// @param receiver the receiver
    error VoucherInvalidReceiver(address receiver);
    /// @notice The zero address owns nothing and cannot be asked about.
    /// @param owner the address asked about
    error VoucherInvalidOwner(address owner);
    /// @notice An owner cannot approve itself, nor the zero address as an operator.
    /// @param operator the operator named
    error VoucherInvalidOperator(address operator);
    /// @notice The caller is neither an active auditor nor the active operator.
    /// @param caller the caller
    error VoucherNotSupervisor(address caller);
    /// @notice Only the linked financing or settlement contract may do this.
    /// @param caller the caller
    error VoucherNotPlatform(address caller);
    /// @notice The platform contracts are already linked.
    error VoucherAlreadyLinked();
    /// @notice The freeze flag already has this value.
    /// @param id the fragment or credit
    /// @param frozen the flag's value
    error VoucherFreezeUnchanged(uint256 id, bool frozen);
    /// @notice The credit is not frozen by its quality certificate (none, in good standing, or already lifted).
    /// @param creditId the credit
    /// @param certificateId its certificate, or 0
    error VoucherNotQualityFrozen(uint256 creditId, uint256 certificateId);

    /// @notice The obligor issues a credit against a confirmed invoice it owes; mints the root
    /// fragment to the invoice's seller, within quota and maximum tenor.
    /// @param invoiceId the confirmed invoice the caller owes
    /// @param faceValue the credit's face value, drawn from the invoice
    /// @param maturity when the obligor pays, as a Unix time within the maximum tenor
    /// @param certificateId a quality certificate for the invoice's goods, or 0 if the obligor does not require one
    /// @return creditId the new credit's id, which is also the slot and the root fragment's token id
    function issue(uint256 invoiceId, uint256 faceValue, uint256 maturity, uint256 certificateId)
        external
        returns (uint256 creditId);

    /// @notice The holder pays its supplier with part of a fragment, citing a confirmed invoice
    /// where the holder is the buyer and `to` the seller; the invoice is drawn down.
    /// @param fromTokenId the holder's fragment
    /// @param to the supplier
    /// @param value the value to pay
    /// @param invoiceId the invoice the holder owes `to`
    /// @return newTokenId the fragment created for `to`, one tier deeper
    function splitTransfer(uint256 fromTokenId, address to, uint256 value, uint256 invoiceId)
        external
        returns (uint256 newTokenId);

    /// @notice Freezes or unfreezes a fragment. Active auditors and operators only; open during a pause.
    /// @param tokenId the fragment
    /// @param frozen the new flag
    /// @param reasonHash anchors the stated reason
    function setFragmentFrozen(uint256 tokenId, bool frozen, bytes32 reasonHash) external;

    /// @notice Freezes or unfreezes every fragment of a credit. Active auditors and operators only; open during a pause.
    /// @param creditId the credit
    /// @param frozen the new flag
    /// @param reasonHash anchors the stated reason
    function setCreditFrozen(uint256 creditId, bool frozen, bytes32 reasonHash) external;

    /// @notice Lifts, for good, the freeze that a revoked or failed quality certificate puts on a
    /// credit; an auditor's own freezes stay. Active auditors and operators only; open during a pause.
    /// @param creditId the credit
    /// @param reasonHash anchors the stated reason
    function liftQualityFreeze(uint256 creditId, bytes32 reasonHash) external;

    /// @notice Locks value of a fragment for a financing request, splitting it off unless it is
    /// the whole value. Financing contract only.
    /// @param tokenId the holder's fragment
    /// @param value the value to lock
    /// @param holder the member asking for cash, who must own the fragment
    /// @return lockedTokenId the locked fragment
    function lock(uint256 tokenId, uint256 value, address holder) external returns (uint256 lockedTokenId);

    /// @notice Releases a lock without moving the fragment. Financing contract only.
    /// @param tokenId the locked fragment
    function unlock(uint256 tokenId) external;

    /// @notice Delivers a locked fragment to a financier and releases the lock. Financing contract only.
    /// @param tokenId the locked fragment
    /// @param to the financier
    function deliverLocked(uint256 tokenId, address to) external;

    /// @notice Burns a matured fragment for redemption. Settlement contract only.
    /// @param tokenId the fragment
    /// @return holder the fragment's owner, who is paid
    /// @return value the fragment's value
    /// @return creditId the fragment's credit
    /// @return obligor the credit's obligor
    /// @return heldAsFinancier whether the value counts toward the holder's exposure
    function burnForRedemption(uint256 tokenId)
        external
        returns (address holder, uint256 value, uint256 creditId, address obligor, bool heldAsFinancier);

    /// @notice Links the financing and settlement contracts, once. Operator only.
    /// @param financing the financing contract
    /// @param settlement the settlement contract
    function linkPlatform(address financing, address settlement) external;

    /// @notice A credit; reverts with `VoucherNonexistentToken` if none.
    /// @param creditId the credit
    /// @return cr the credit
    function credit(uint256 creditId) external view returns (Credit memory cr);

    /// @notice A fragment, including burned ones; reverts if it never existed.
    /// @param tokenId the fragment
    /// @return f the fragment
    function fragment(uint256 tokenId) external view returns (Fragment memory f);

    /// @notice Whether value may move out of a fragment now: not frozen, not locked, not matured.
    /// @param tokenId the fragment
    /// @return transferable true if it may move
    function isTransferable(uint256 tokenId) external view returns (bool transferable);

    /// @notice Whether a fragment (live or redeemed) is frozen: by an auditor or the operator (the
    /// fragment or its credit), or by its credit's certificate gone bad and not lifted.
    /// @param tokenId the fragment
    /// @return frozen true if frozen
    function isFrozen(uint256 tokenId) external view returns (bool frozen);

    /// @notice Number of tokens minted so far; ids run from 1.
    /// @return count the number of tokens
    function tokenCount() external view returns (uint256 count);
}
