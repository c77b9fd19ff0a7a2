// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title TierCredit invoice registry: trade backgrounds anchored by hash
/// @notice A seller registers what its buyer owes it; the buyer confirms or rejects. A confirmed
/// invoice's remaining amount is drawn down by every issuance or transfer it justifies, so one
/// invoice never backs more value than its amount.
interface IInvoiceRegistry {
    enum InvoiceStatus {
        None,
        Registered,
        Confirmed,
        Rejected,
        Cancelled
    }

    /// @dev Ordered for storage: a draw-down reads only the first two slots (seller and status;
    /// buyer and remaining amount).
    struct Invoice {
        address seller;
        InvoiceStatus status;
        uint40 dueDate;
        address buyer;
        uint96 remaining;
        uint96 amount;
        bytes32 numberHash;
        bytes32 documentHash;
    }

    /// @notice Emitted when `seller` registers invoice `invoiceId` owed by `buyer`.
    event InvoiceRegistered(
        uint256 indexed invoiceId,
        address indexed seller,
        address indexed buyer,
        uint256 amount,
        uint256 dueDate,
        bytes32 numberHash,
        bytes32 documentHash
    );
    /// @notice Emitted when the buyer confirms the invoice: it can now back value.
    event InvoiceConfirmed(uint256 indexed invoiceId);
    /// @notice Emitted when the buyer rejects the invoice; `reasonHash` anchors the reason.
    event InvoiceRejected(uint256 indexed invoiceId, bytes32 reasonHash);
    /// @notice Emitted when the seller withdraws the invoice before confirmation.
    event InvoiceCancelled(uint256 indexed invoiceId);
    /// @notice Emitted when issuance or a transfer draws `amount` from the invoice.
    event InvoiceDrawnDown(uint256 indexed invoiceId, uint256 amount, uint256 remaining);
    /// @notice Emitted once, when the operator links the voucher allowed to draw invoices down.
    event VoucherLinked(address indexed voucher);

    /// @notice The same seller already registered this invoice number.
    error InvoiceAlreadyRegistered(address seller, bytes32 numberHash, uint256 existingInvoiceId);
    /// @notice This document is already anchored by another invoice.
    error InvoiceDocumentAlreadyRegistered(bytes32 documentHash, uint256 existingInvoiceId);
    /// @notice No invoice has this id.
    error InvoiceNotFound(uint256 invoiceId);
    /// @notice The invoice is not in the status this action needs.
    error InvoiceInvalidStatus(uint256 invoiceId, InvoiceStatus status);
    /// @notice `account` is not the party this action needs.
    error InvoiceUnauthorizedParty(uint256 invoiceId, address account);
    /// @notice An amount of zero, or one too large to store.
    error InvoiceInvalidAmount(uint256 amount);
    /// @notice The due date is not in the future.
    error InvoiceInvalidDueDate(uint256 dueDate, uint256 nowTimestamp);
    /// @notice A member cannot invoice itself, and hashes may not be empty.
    error InvoiceInvalidParties(address seller, address buyer);
    /// @notice The invoice is owed by `buyer`, not by the party paying with it.
    error InvoicePartyMismatch(uint256 invoiceId, address buyer, address seller);
    /// @notice The invoice has less remaining than this hop needs.
    error InvoiceInsufficientRemaining(uint256 invoiceId, uint256 requested, uint256 remaining);
    /// @notice Only the linked voucher may draw invoices down.
    error InvoiceUnauthorizedCaller(address caller);
    /// @notice The voucher is already linked.
    error InvoiceVoucherAlreadyLinked(address voucher);

    /// @notice Registers an invoice the caller (a supplier) issued to `buyer`.
    /// @param numberHash keccak-256 of the invoice number; unique per seller
    /// @param documentHash keccak-256 of the canonical invoice document; unique platform-wide
    /// @return invoiceId the new invoice's id, counting from 1
    function register(address buyer, uint256 amount, uint256 dueDate, bytes32 numberHash, bytes32 documentHash)
        external
        returns (uint256 invoiceId);

    /// @notice The buyer confirms it owes the invoice.
    function confirm(uint256 invoiceId) external;

    /// @notice The buyer rejects the invoice.
    function reject(uint256 invoiceId, bytes32 reasonHash) external;

    /// @notice The seller withdraws an invoice that is not yet confirmed.
    function cancel(uint256 invoiceId) external;

    /// @notice Draws `amount` from a confirmed invoice owed by `buyer`. Linked voucher only.
    /// @return seller the invoice's seller, to whom the value it backs must go
    function drawDown(uint256 invoiceId, address buyer, uint256 amount) external returns (address seller);

    /// @notice Links the voucher contract, once. Operator only.
    function linkVoucher(address voucher) external;

    /// @notice The invoice with id `invoiceId`; reverts with `InvoiceNotFound` if none.
    function invoice(uint256 invoiceId) external view returns (Invoice memory);

    /// @notice The status of `invoiceId`; `None` if there is no such invoice.
    function statusOf(uint256 invoiceId) external view returns (InvoiceStatus);

    /// @notice The invoice the seller registered under `numberHash`, or 0.
    function invoiceIdByNumber(address seller, bytes32 numberHash) external view returns (uint256);

    /// @notice The invoice anchoring `documentHash`, or 0.
    function invoiceIdByDocument(bytes32 documentHash) external view returns (uint256);

    /// @notice Number of invoices registered so far.
    function invoiceCount() external view returns (uint256);
}
