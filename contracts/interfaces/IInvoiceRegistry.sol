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

    /// @notice Emitted when a seller registers an invoice its buyer owes.
    /// @param invoiceId the new invoice
    /// @param seller the supplier that issued it
    /// @param buyer the member that owes it
    /// @param amount the invoice's amount
    /// @param dueDate when it is due, as a Unix time
    /// @param numberHash keccak-256 of the normalised invoice number
    /// @param documentHash keccak-256 of the canonical invoice document
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
    /// @param invoiceId the invoice
    event InvoiceConfirmed(uint256 indexed invoiceId);
    /// @notice Emitted when the buyer rejects the invoice.
    /// @param invoiceId the invoice
    /// @param reasonHash anchors the stated reason
    event InvoiceRejected(uint256 indexed invoiceId, bytes32 reasonHash);
    /// @notice Emitted when the seller withdraws the invoice before confirmation.
    /// @param invoiceId the invoice
    event InvoiceCancelled(uint256 indexed invoiceId);
    /// @notice Emitted when an issue or a hop draws on the invoice.
    /// @param invoiceId the invoice
    /// @param amount the value drawn
    /// @param remaining what the invoice can still back
    event InvoiceDrawnDown(uint256 indexed invoiceId, uint256 amount, uint256 remaining);
    /// @notice Emitted once, when the operator links the voucher allowed to draw invoices down.
    /// @param voucher the CreditVoucher contract
    event VoucherLinked(address indexed voucher);

    /// @notice The same seller already registered this invoice number.
    /// @param seller the seller
    /// @param numberHash the invoice number's hash
    /// @param existingInvoiceId the invoice registered under it
    error InvoiceAlreadyRegistered(address seller, bytes32 numberHash, uint256 existingInvoiceId);
    /// @notice This document is already anchored by another invoice.
    /// @param documentHash the document's hash
    /// @param existingInvoiceId the invoice anchoring it
    error InvoiceDocumentAlreadyRegistered(bytes32 documentHash, uint256 existingInvoiceId);
    /// @notice No invoice has this id.
    /// @param invoiceId the id
    error InvoiceNotFound(uint256 invoiceId);
    /// @notice The invoice is not in the status this action needs.
    /// @param invoiceId the invoice
    /// @param status its status
    error InvoiceInvalidStatus(uint256 invoiceId, InvoiceStatus status);
    /// @notice The caller is not the party this action needs (the buyer, or the seller to cancel).
    /// @param invoiceId the invoice
    /// @param account the caller
    error InvoiceUnauthorizedParty(uint256 invoiceId, address account);
    /// @notice An amount of zero, or one too large to store.
    /// @param amount the amount given
    error InvoiceInvalidAmount(uint256 amount);
    /// @notice The due date is not in the future, or too far to store.
    /// @param dueDate the due date given
    /// @param nowTimestamp the block's time
    error InvoiceInvalidDueDate(uint256 dueDate, uint256 nowTimestamp);
    /// @notice A member cannot invoice itself, the buyer must be a supplier or core enterprise,
    /// and hashes may not be empty.
    /// @param seller the caller
    /// @param buyer the buyer named
    error InvoiceInvalidParties(address seller, address buyer);
    /// @notice The invoice is owed by another buyer than the party paying with it.
    /// @param invoiceId the invoice
    /// @param buyer its buyer
    /// @param seller its seller
    error InvoicePartyMismatch(uint256 invoiceId, address buyer, address seller);
    /// @notice The invoice has less remaining than this issue or hop needs.
    /// @param invoiceId the invoice
    /// @param requested the value asked for
    /// @param remaining what it can still back
    error InvoiceInsufficientRemaining(uint256 invoiceId, uint256 requested, uint256 remaining);
    /// @notice Only the linked voucher may draw invoices down, and it is never the zero address.
    /// @param caller the caller, or the address to link
    error InvoiceUnauthorizedCaller(address caller);
    /// @notice The voucher is already linked.
    /// @param voucher the linked voucher
    error InvoiceVoucherAlreadyLinked(address voucher);

    /// @notice Registers an invoice the caller (a supplier) issued to its buyer.
    /// @param buyer the member that owes it (a supplier or a core enterprise)
    /// @param amount the invoice's amount
    /// @param dueDate when it is due, in the future
    /// @param numberHash keccak-256 of the invoice number; unique per seller
    /// @param documentHash keccak-256 of the canonical invoice document; unique platform-wide
    /// @return invoiceId the new invoice's id, counting from 1
    function register(address buyer, uint256 amount, uint256 dueDate, bytes32 numberHash, bytes32 documentHash)
        external
        returns (uint256 invoiceId);

    /// @notice The buyer confirms it owes the invoice.
    /// @param invoiceId the invoice
    function confirm(uint256 invoiceId) external;

    /// @notice The buyer rejects the invoice.
    /// @param invoiceId the invoice
    /// @param reasonHash anchors the stated reason
    function reject(uint256 invoiceId, bytes32 reasonHash) external;

    /// @notice The seller withdraws an invoice that is not yet confirmed.
    /// @param invoiceId the invoice
    function cancel(uint256 invoiceId) external;

    /// @notice Draws on a confirmed invoice owed by `buyer`. Linked voucher only.
    /// @param invoiceId the invoice
    /// @param buyer the party paying with the value (the obligor or the holder)
    /// @param amount the value drawn
    /// @return seller the invoice's seller, to whom the value it backs must go
    function drawDown(uint256 invoiceId, address buyer, uint256 amount) external returns (address seller);

    /// @notice Links the voucher contract, once. Operator only.
    /// @param voucher the CreditVoucher contract
    function linkVoucher(address voucher) external;

    /// @notice An invoice; reverts with `InvoiceNotFound` if none.
    /// @param invoiceId the invoice
    /// @return inv the invoice
    function invoice(uint256 invoiceId) external view returns (Invoice memory inv);

    /// @notice The status of an invoice; `None` if there is no such invoice.
    /// @param invoiceId the invoice
    /// @return status its status
    function statusOf(uint256 invoiceId) external view returns (InvoiceStatus status);

    /// @notice The invoice a seller registered under an invoice number, or 0.
    /// @param seller the seller
    /// @param numberHash the invoice number's hash
    /// @return invoiceId the invoice, or 0
    function invoiceIdByNumber(address seller, bytes32 numberHash) external view returns (uint256 invoiceId);

    /// @notice The invoice anchoring a document, or 0.
    /// @param documentHash the document's hash
    /// @return invoiceId the invoice, or 0
    function invoiceIdByDocument(bytes32 documentHash) external view returns (uint256 invoiceId);

    /// @notice Number of invoices registered so far.
    /// @return count the number of invoices
    function invoiceCount() external view returns (uint256 count);
}
