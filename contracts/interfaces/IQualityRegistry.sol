// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title TierCredit quality registry: inspection certificates for the goods behind invoices
/// @notice An accredited inspector certifies the goods of an invoice. A voucher issued against a
/// certificate is frozen as soon as that certificate is revoked or the goods later fail inspection.
interface IQualityRegistry {
    enum CertificateResult {
        None,
        Pass,
        Fail
    }

    /// @dev A certificate as the registry answers it; the registry stores the part that every move
    /// of a certified credit checks (invoice, expiry, result, revocation) in one slot of its own.
    struct Certificate {
        address inspector;
        uint48 invoiceId;
        CertificateResult result;
        bool revoked;
        uint40 expiresAt;
        bytes32 batchCodeHash;
        bytes32 standardCode;
        bytes32 documentHash;
    }

    /// @notice Emitted when an inspector certifies the goods behind an invoice.
    /// @param certificateId the new certificate
    /// @param invoiceId the invoice whose goods were inspected
    /// @param inspector the inspector
    /// @param result pass or fail
    /// @param batchCodeHash anchors the batch inspected
    /// @param standardCode the standard inspected against
    /// @param documentHash anchors the certificate document
    /// @param expiresAt until when a passing certificate backs issuance, as a Unix time
    event CertificateIssued(
        uint256 indexed certificateId,
        uint256 indexed invoiceId,
        address indexed inspector,
        CertificateResult result,
        bytes32 batchCodeHash,
        bytes32 standardCode,
        bytes32 documentHash,
        uint256 expiresAt
    );
    /// @notice Emitted when the issuing inspector revokes a certificate.
    /// @param certificateId the certificate
    /// @param reasonHash anchors the stated reason
    event CertificateRevoked(uint256 indexed certificateId, bytes32 reasonHash);

    /// @notice No certificate has this id.
    /// @param certificateId the id
    error QualityCertificateNotFound(uint256 certificateId);
    /// @notice The document is already anchored by another certificate, or its hash is empty.
    /// @param documentHash the document's hash
    /// @param existingCertificateId the certificate anchoring it, or 0
    error QualityDocumentAlreadyRegistered(bytes32 documentHash, uint256 existingCertificateId);
    /// @notice The result must be Pass or Fail.
    /// @param result the result given
    error QualityInvalidResult(CertificateResult result);
    /// @notice The expiry is not in the future, or too far to store.
    /// @param expiresAt the expiry given
    /// @param nowTimestamp the block's time
    error QualityInvalidExpiry(uint256 expiresAt, uint256 nowTimestamp);
    /// @notice Only the inspector that issued the certificate may revoke it.
    /// @param certificateId the certificate
    /// @param account the caller
    error QualityNotIssuer(uint256 certificateId, address account);
    /// @notice The invoice's goods already have as many certificates as one invoice may have.
    /// @param invoiceId the invoice
    /// @param max the most certificates per invoice
    error QualityTooManyCertificates(uint256 invoiceId, uint256 max);
    /// @notice The certificate was already revoked.
    /// @param certificateId the certificate
    error QualityCertificateAlreadyRevoked(uint256 certificateId);
    /// @notice The certificate cannot back issuance: `reason` is 1 failed, 2 revoked, 3 expired,
    /// 4 the goods failed another inspection that stands, 5 it covers another invoice.
    /// @param certificateId the certificate
    /// @param invoiceId the invoice of the issue
    /// @param reason why, as above
    error QualityCertificateNotUsable(uint256 certificateId, uint256 invoiceId, uint8 reason);

    /// @notice Certifies the goods behind an invoice (registered or confirmed). Active inspectors only.
    /// @param invoiceId the invoice whose goods were inspected
    /// @param batchCodeHash anchors the batch inspected
    /// @param standardCode the standard inspected against
    /// @param result pass or fail; a failing result freezes the vouchers of the invoice's passing certificates
    /// @param documentHash anchors the certificate document; unique platform-wide
    /// @param expiresAt until when a passing certificate backs issuance
    /// @return certificateId the new certificate's id, counting from 1
    function issue(
        uint256 invoiceId,
        bytes32 batchCodeHash,
        bytes32 standardCode,
        CertificateResult result,
        bytes32 documentHash,
        uint256 expiresAt
    ) external returns (uint256 certificateId);

    /// @notice Revokes a certificate the caller issued: vouchers issued against a passing one
    /// freeze; revoking a failing one lifts the freeze it caused.
    /// @param certificateId the certificate
    /// @param reasonHash anchors the stated reason
    function revoke(uint256 certificateId, bytes32 reasonHash) external;

    /// @notice Reverts with `QualityCertificateNotUsable` unless the certificate can back issuance against the invoice.
    /// @param certificateId the certificate
    /// @param invoiceId the invoice of the issue
    function requireUsable(uint256 certificateId, uint256 invoiceId) external view;

    /// @notice Whether value issued against the certificate may still move: passed, not revoked,
    /// and no failing inspection of the same invoice standing.
    /// @param certificateId the certificate
    /// @return good whether it is in good standing
    function inGoodStanding(uint256 certificateId) external view returns (bool good);

    /// @notice Whether a failing inspection of the goods behind an invoice stands (issued, not revoked).
    /// @param invoiceId the invoice
    /// @return failed whether one stands
    function invoiceFailedInspection(uint256 invoiceId) external view returns (bool failed);

    /// @notice A certificate; reverts with `QualityCertificateNotFound` if none.
    /// @param certificateId the certificate
    /// @return cert the certificate
    function certificate(uint256 certificateId) external view returns (Certificate memory cert);

    /// @notice The certificate anchoring a document, or 0.
    /// @param documentHash the document's hash
    /// @return certificateId the certificate, or 0
    function certificateIdByDocument(bytes32 documentHash) external view returns (uint256 certificateId);
}
