// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IConsortium} from "./interfaces/IConsortium.sol";
import {IInvoiceRegistry} from "./interfaces/IInvoiceRegistry.sol";
import {IQualityRegistry} from "./interfaces/IQualityRegistry.sol";
import {Roles} from "./libraries/Roles.sol";

// Time rules here are days or months apart (tenor, maturity, expiry, grace); the seconds of leeway a
// block producer has over `block.timestamp` cannot change an outcome that matters.
// slither-disable-start timestamp
/// @title QualityRegistry
/// @notice Inspection certificates for the goods behind invoices, anchored by document hash.
contract QualityRegistry is IQualityRegistry {
    uint8 private constant _REASON_FAILED = 1;
    uint8 private constant _REASON_REVOKED = 2;
    uint8 private constant _REASON_EXPIRED = 3;
    uint8 private constant _REASON_INVOICE_FAILED = 4;
    uint8 private constant _REASON_OTHER_INVOICE = 5;

    IConsortium private immutable _consortium;
    IInvoiceRegistry private immutable _invoices;
    uint256 private _certificateCount;
    mapping(uint256 certificateId => Certificate) private _certificates;
    mapping(bytes32 documentHash => uint256 certificateId) private _idByDocument;
    // Failing certificates of an invoice's goods not revoked: while any stands, its passing ones do not.
    mapping(uint256 invoiceId => uint256) private _failingCertificates;

    constructor(IConsortium consortium, IInvoiceRegistry invoices) {
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
        _consortium.requireActiveRole(msg.sender, Roles.INSPECTOR);
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

        certificateId = ++_certificateCount;
        _certificates[certificateId] = Certificate({
            inspector: msg.sender,
            invoiceId: uint48(invoiceId),
            result: result,
            revoked: false,
            expiresAt: uint40(expiresAt),
            batchCodeHash: batchCodeHash,
            standardCode: standardCode,
            documentHash: documentHash
        });
        _idByDocument[documentHash] = certificateId;
        // A failed inspection taints every certificate of the same goods, so their vouchers freeze.
        if (result == CertificateResult.Fail) ++_failingCertificates[invoiceId];
        emit CertificateIssued(
            certificateId, invoiceId, msg.sender, result, batchCodeHash, standardCode, documentHash, expiresAt
        );
    }

    /// @inheritdoc IQualityRegistry
    function revoke(uint256 certificateId, bytes32 reasonHash) external {
        Certificate storage cert = _existing(certificateId);
        if (cert.inspector != msg.sender) revert QualityNotIssuer(certificateId, msg.sender);
        _consortium.requireActive(msg.sender);
        if (cert.revoked) revert QualityCertificateAlreadyRevoked(certificateId);
        cert.revoked = true;
        // Revoking a failing inspection lifts the freeze it put on the goods' vouchers.
        if (cert.result == CertificateResult.Fail) --_failingCertificates[cert.invoiceId];
        emit CertificateRevoked(certificateId, reasonHash);
    }

    /// @inheritdoc IQualityRegistry
    function requireUsable(uint256 certificateId, uint256 invoiceId) external view {
        Certificate storage cert = _existing(certificateId);
        uint8 reason = 0;
        if (cert.invoiceId != invoiceId) reason = _REASON_OTHER_INVOICE;
        else if (cert.result != CertificateResult.Pass) reason = _REASON_FAILED;
        else if (cert.revoked) reason = _REASON_REVOKED;
        else if (_failingCertificates[invoiceId] != 0) reason = _REASON_INVOICE_FAILED;
        else if (cert.expiresAt <= block.timestamp) reason = _REASON_EXPIRED;
        if (reason != 0) revert QualityCertificateNotUsable(certificateId, invoiceId, reason);
    }

    /// @inheritdoc IQualityRegistry
    function inGoodStanding(uint256 certificateId) external view returns (bool) {
        Certificate storage cert = _certificates[certificateId];
        return cert.result == CertificateResult.Pass && !cert.revoked && _failingCertificates[cert.invoiceId] == 0;
    }

    /// @inheritdoc IQualityRegistry
    function invoiceFailedInspection(uint256 invoiceId) external view returns (bool) {
        return _failingCertificates[invoiceId] != 0;
    }

    /// @inheritdoc IQualityRegistry
    function certificate(uint256 certificateId) external view returns (Certificate memory) {
        return _existing(certificateId);
    }

    /// @inheritdoc IQualityRegistry
    function certificateIdByDocument(bytes32 documentHash) external view returns (uint256) {
        return _idByDocument[documentHash];
    }

    function _existing(uint256 certificateId) private view returns (Certificate storage cert) {
        cert = _certificates[certificateId];
        if (cert.inspector == address(0)) revert QualityCertificateNotFound(certificateId);
    }
}
// slither-disable-end timestamp
