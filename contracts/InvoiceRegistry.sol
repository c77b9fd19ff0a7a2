// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ERC2771Context} from "@openzeppelin/contracts/metatx/ERC2771Context.sol";
import {IConsortium} from "./interfaces/IConsortium.sol";
import {IInvoiceRegistry} from "./interfaces/IInvoiceRegistry.sol";
import {Roles} from "./libraries/Roles.sol";

// Time rules here are days or months apart (tenor, maturity, expiry, grace); the seconds of leeway a
// block producer has over `block.timestamp` cannot change an outcome that matters.
// slither-disable-start timestamp
/// @title InvoiceRegistry
/// @notice Invoices anchored by hash. The same (seller, invoice number) or the same document can
/// never be registered twice, and a confirmed invoice backs at most its amount.
contract InvoiceRegistry is IInvoiceRegistry, ERC2771Context {
    IConsortium private immutable _consortium;
    address private _voucher;
    uint256 private _invoiceCount;
    mapping(uint256 invoiceId => Invoice) private _invoices;
    mapping(bytes32 sellerNumberKey => uint256 invoiceId) private _idByNumber;
    mapping(bytes32 documentHash => uint256 invoiceId) private _idByDocument;

    constructor(IConsortium consortium) ERC2771Context(consortium.trustedForwarder()) {
        _consortium = consortium;
    }

    /// @inheritdoc IInvoiceRegistry
    function register(address buyer, uint256 amount, uint256 dueDate, bytes32 numberHash, bytes32 documentHash)
        external
        returns (uint256 invoiceId)
    {
        (uint8 sellerBits, uint8 buyerBits) = _consortium.activeRoleBitsPair(_msgSender(), buyer);
        if (sellerBits & Roles.SUPPLIER_BIT == 0) revert IConsortium.ConsortiumMissingRole(_msgSender(), Roles.SUPPLIER);
        uint8 buyerRoles = Roles.SUPPLIER_BIT | Roles.CORE_ENTERPRISE_BIT;
        if (buyer == _msgSender() || buyerBits & buyerRoles == 0 || numberHash == 0 || documentHash == 0) {
            revert InvoiceInvalidParties(_msgSender(), buyer);
        }
        if (amount == 0 || amount > type(uint96).max) revert InvoiceInvalidAmount(amount);
        if (dueDate <= block.timestamp || dueDate > type(uint40).max) revert InvoiceInvalidDueDate(dueDate, block.timestamp);
        bytes32 key = keccak256(abi.encode(_msgSender(), numberHash));
        uint256 existing = _idByNumber[key];
        if (existing != 0) revert InvoiceAlreadyRegistered(_msgSender(), numberHash, existing);
        existing = _idByDocument[documentHash];
        if (existing != 0) revert InvoiceDocumentAlreadyRegistered(documentHash, existing);

        invoiceId = ++_invoiceCount;
        _invoices[invoiceId] = Invoice({
            seller: _msgSender(),
            status: InvoiceStatus.Registered,
            dueDate: uint40(dueDate),
            buyer: buyer,
            remaining: 0,
            amount: uint96(amount),
            numberHash: numberHash,
            documentHash: documentHash
        });
        _idByNumber[key] = invoiceId;
        _idByDocument[documentHash] = invoiceId;
        emit InvoiceRegistered(invoiceId, _msgSender(), buyer, amount, dueDate, numberHash, documentHash);
    }

    /// @inheritdoc IInvoiceRegistry
    function confirm(uint256 invoiceId) external {
        Invoice storage inv = _registeredBy(invoiceId, true);
        inv.status = InvoiceStatus.Confirmed;
        inv.remaining = inv.amount;
        emit InvoiceConfirmed(invoiceId);
    }

    /// @inheritdoc IInvoiceRegistry
    function reject(uint256 invoiceId, bytes32 reasonHash) external {
        _registeredBy(invoiceId, true).status = InvoiceStatus.Rejected;
        emit InvoiceRejected(invoiceId, reasonHash);
    }

    /// @inheritdoc IInvoiceRegistry
    function cancel(uint256 invoiceId) external {
        _registeredBy(invoiceId, false).status = InvoiceStatus.Cancelled;
        emit InvoiceCancelled(invoiceId);
    }

    /// @inheritdoc IInvoiceRegistry
    function drawDown(uint256 invoiceId, address buyer, uint256 amount) external returns (address seller) {
        if (msg.sender != _voucher) revert InvoiceUnauthorizedCaller(msg.sender);
        Invoice storage inv = _invoices[invoiceId];
        if (inv.status != InvoiceStatus.Confirmed) {
            if (inv.status == InvoiceStatus.None) revert InvoiceNotFound(invoiceId);
            revert InvoiceInvalidStatus(invoiceId, inv.status);
        }
        if (inv.buyer != buyer) revert InvoicePartyMismatch(invoiceId, inv.buyer, inv.seller);
        uint256 remaining = inv.remaining;
        if (amount > remaining) revert InvoiceInsufficientRemaining(invoiceId, amount, remaining);
        unchecked {
            remaining -= amount;
        }
        inv.remaining = uint96(remaining);
        emit InvoiceDrawnDown(invoiceId, amount, remaining);
        return inv.seller;
    }

    /// @inheritdoc IInvoiceRegistry
    function linkVoucher(address voucher) external {
        _consortium.requireActiveRole(_msgSender(), Roles.OPERATOR);
        if (_voucher != address(0)) revert InvoiceVoucherAlreadyLinked(_voucher);
        if (voucher == address(0)) revert InvoiceUnauthorizedCaller(voucher);
        _voucher = voucher;
        emit VoucherLinked(voucher);
    }

    /// @inheritdoc IInvoiceRegistry
    function invoice(uint256 invoiceId) external view returns (Invoice memory) {
        Invoice memory inv = _invoices[invoiceId];
        if (inv.status == InvoiceStatus.None) revert InvoiceNotFound(invoiceId);
        return inv;
    }

    /// @inheritdoc IInvoiceRegistry
    function statusOf(uint256 invoiceId) external view returns (InvoiceStatus) {
        return _invoices[invoiceId].status;
    }

    /// @inheritdoc IInvoiceRegistry
    function invoiceIdByNumber(address seller, bytes32 numberHash) external view returns (uint256) {
        return _idByNumber[keccak256(abi.encode(seller, numberHash))];
    }

    /// @inheritdoc IInvoiceRegistry
    function invoiceIdByDocument(bytes32 documentHash) external view returns (uint256) {
        return _idByDocument[documentHash];
    }

    /// @inheritdoc IInvoiceRegistry
    function invoiceCount() external view returns (uint256) {
        return _invoiceCount;
    }

    /// @dev A registered invoice acted on by its buyer (confirm, reject) or its seller (cancel), both active.
    function _registeredBy(uint256 invoiceId, bool byBuyer) private view returns (Invoice storage inv) {
        inv = _invoices[invoiceId];
        if (inv.status == InvoiceStatus.None) revert InvoiceNotFound(invoiceId);
        address party = byBuyer ? inv.buyer : inv.seller;
        if (_msgSender() != party) revert InvoiceUnauthorizedParty(invoiceId, _msgSender());
        _consortium.requireActive(_msgSender());
        if (inv.status != InvoiceStatus.Registered) revert InvoiceInvalidStatus(invoiceId, inv.status);
    }
}
// slither-disable-end timestamp
