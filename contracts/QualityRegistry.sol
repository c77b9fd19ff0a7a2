// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ERC2771Context} from "@openzeppelin/contracts/metatx/ERC2771Context.sol";
import {IConsortium} from "./interfaces/IConsortium.sol";
import {IInvoiceRegistry} from "./interfaces/IInvoiceRegistry.sol";
import {IQualityRegistry} from "./interfaces/IQualityRegistry.sol";
import {Roles} from "./libraries/Roles.sol";

// Time rules here are days or months apart (tenor, maturity, expiry, grace); the seconds of leeway a
// block producer has over `block.timestamp` cannot change an outcome that matters.
// slither-disable-start timestamp
/// @title QualityRegistry
/// @notice Inspection certificates for the goods behind invoices, anchored by document hash.
contract QualityRegistry is IQualityRegistry, ERC2771Context {
    /// @dev What the standing check behind every move of a certified credit reads, in one slot:
    /// the result, the revocation, the expiry and how many failing inspections of the same goods
    /// stand (kept in step on every certificate of the invoice when one fails or is revoked).
    struct Standing {
        uint48 invoiceId;
        uint40 expiresAt;
        CertificateResult result;
        bool revoked;
        uint16 failingInspections;
    }

    /// @dev The rest of a certificate, read only by `revoke` and `certificate`.
    struct Record {
        address inspector;
        bytes32 batchCodeHash;
        bytes32 standardCode;
        bytes32 documentHash;
    }

    /// @notice Most certificates one invoice's goods can have: a failing one updates them all.
    uint256 public constant MAX_CERTIFICATES_PER_INVOICE = 16;

    uint8 private constant _REASON_FAILED = 1;
    uint8 private constant _REASON_REVOKED = 2;
    uint8 private constant _REASON_EXPIRED = 3;
    uint8 private constant _REASON_INVOICE_FAILED = 4;
    uint8 private constant _REASON_OTHER_INVOICE = 5;

    IConsortium private immutable _consortium;
    IInvoiceRegistry private immutable _invoices;
    uint256 private _certificateCount;
    mapping(uint256 certificateId => Standing) private _standings;
    mapping(uint256 certificateId => Record) private _records;
    mapping(bytes32 documentHash => uint256 certificateId) private _idByDocument;
    mapping(uint256 invoiceId => uint256[] certificateIds) private _certificatesOf;
    // Failing certificates of an invoice's goods not revoked: while any stands, its passing ones do not.
    mapping(uint256 invoiceId => uint256) private _failingCertificates;

    constructor(IConsortium consortium, IInvoiceRegistry invoices) ERC2771Context(consortium.trustedForwarder()) {
        _consortium = consortium;
        _invoices = invoices;
    }

    /// @inheritdoc IQualityRegistry
    function issue(
        uint256 invoiceId,
        bytes32 batchCodeHash,
        bytes32 standardCode,
        CertificateResult result,
        bytes32 documentHash,
        uint256 expiresAt
    ) external returns (uint256 certificateId) {
        _consortium.requireActiveRole(_msgSender(), Roles.INSPECTOR);
        // Goods are inspected on delivery, before or after the buyer confirms; never for a dead invoice.
        IInvoiceRegistry.InvoiceStatus status = _invoices.statusOf(invoiceId);
        if (status == IInvoiceRegistry.InvoiceStatus.None) revert IInvoiceRegistry.InvoiceNotFound(invoiceId);
        if (status != IInvoiceRegistry.InvoiceStatus.Registered && status != IInvoiceRegistry.InvoiceStatus.Confirmed) {
            revert IInvoiceRegistry.InvoiceInvalidStatus(invoiceId, status);
        }
        if (result == CertificateResult.None) revert QualityInvalidResult(result);
        if (expiresAt <= block.timestamp || expiresAt > type(uint40).max) {
            revert QualityInvalidExpiry(expiresAt, block.timestamp);
        }
        uint256 existing = _idByDocument[documentHash];
        if (existing != 0 || documentHash == 0) revert QualityDocumentAlreadyRegistered(documentHash, existing);
        if (_certificatesOf[invoiceId].length == MAX_CERTIFICATES_PER_INVOICE) {
            revert QualityTooManyCertificates(invoiceId, MAX_CERTIFICATES_PER_INVOICE);
        }
        certificateId = ++_certificateCount;
        uint256 failing = _failingCertificates[invoiceId];
        _standings[certificateId] = Standing({
            invoiceId: uint48(invoiceId),
            expiresAt: uint40(expiresAt),
            result: result,
            revoked: false,
            failingInspections: uint16(failing)
        });
        _records[certificateId] = Record({
            inspector: _msgSender(),
            batchCodeHash: batchCodeHash,
            standardCode: standardCode,
            documentHash: documentHash
        });
        _idByDocument[documentHash] = certificateId;
        _certificatesOf[invoiceId].push(certificateId);
        // A failed inspection taints every certificate of the same goods, so their vouchers freeze.
        if (result == CertificateResult.Fail) _countFailing(invoiceId, failing + 1);
        emit CertificateIssued(
            certificateId, invoiceId, _msgSender(), result, batchCodeHash, standardCode, documentHash, expiresAt
        );
    }

    /// @inheritdoc IQualityRegistry
    function revoke(uint256 certificateId, bytes32 reasonHash) external {
        Standing storage standing = _existing(certificateId);
        if (_records[certificateId].inspector != _msgSender()) revert QualityNotIssuer(certificateId, _msgSender());
        _consortium.requireActive(_msgSender());
        if (standing.revoked) revert QualityCertificateAlreadyRevoked(certificateId);
        standing.revoked = true;
        // Revoking a failing inspection lifts the freeze it put on the goods' vouchers.
        if (standing.result == CertificateResult.Fail) {
            uint256 invoiceId = standing.invoiceId;
            _countFailing(invoiceId, _failingCertificates[invoiceId] - 1);
        }
        emit CertificateRevoked(certificateId, reasonHash);
    }

    /// @inheritdoc IQualityRegistry
    function requireUsable(uint256 certificateId, uint256 invoiceId) external view {
        Standing memory standing = _standings[certificateId];
        if (standing.invoiceId == 0) revert QualityCertificateNotFound(certificateId);
        uint8 reason = 0;
        if (standing.invoiceId != invoiceId) reason = _REASON_OTHER_INVOICE;
        else if (standing.result != CertificateResult.Pass) reason = _REASON_FAILED;
        else if (standing.revoked) reason = _REASON_REVOKED;
        else if (standing.failingInspections != 0) reason = _REASON_INVOICE_FAILED;
        else if (standing.expiresAt <= block.timestamp) reason = _REASON_EXPIRED;
        if (reason != 0) revert QualityCertificateNotUsable(certificateId, invoiceId, reason);
    }

    /// @inheritdoc IQualityRegistry
    function inGoodStanding(uint256 certificateId) external view returns (bool) {
        Standing memory standing = _standings[certificateId];
        return standing.result == CertificateResult.Pass && !standing.revoked && standing.failingInspections == 0;
    }

    /// @inheritdoc IQualityRegistry
    function invoiceFailedInspection(uint256 invoiceId) external view returns (bool) {
        return _failingCertificates[invoiceId] != 0;
    }

    /// @inheritdoc IQualityRegistry
    function certificate(uint256 certificateId) external view returns (Certificate memory) {
        Standing memory standing = _existing(certificateId);
        Record memory record = _records[certificateId];
        return Certificate({
            inspector: record.inspector,
            invoiceId: standing.invoiceId,
            result: standing.result,
            revoked: standing.revoked,
            expiresAt: standing.expiresAt,
            batchCodeHash: record.batchCodeHash,
            standardCode: record.standardCode,
            documentHash: record.documentHash
        });
    }

    /// @inheritdoc IQualityRegistry
    function certificateIdByDocument(bytes32 documentHash) external view returns (uint256) {
        return _idByDocument[documentHash];
    }

    /// @dev Bounded by MAX_CERTIFICATES_PER_INVOICE: the inspector whose result changes the goods'
    /// standing pays for updating each certificate, so a voucher's check reads one slot.
    function _countFailing(uint256 invoiceId, uint256 failing) private {
        _failingCertificates[invoiceId] = failing;
        uint256[] storage siblings = _certificatesOf[invoiceId];
        uint256 count = siblings.length;
        for (uint256 i = 0; i < count; ++i) {
            _standings[siblings[i]].failingInspections = uint16(failing);
        }
    }

    function _existing(uint256 certificateId) private view returns (Standing storage standing) {
        standing = _standings[certificateId];
        if (standing.invoiceId == 0) revert QualityCertificateNotFound(certificateId);
    }
}
// slither-disable-end timestamp
