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

    /// @dev Ordered for storage: the standing check behind every move of a certified credit
    /// (result, revoked, invoice) reads one slot of the certificate.
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

    /// @notice Emitted when `inspector` certifies the goods behind `invoiceId`.
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
    /// @notice Emitted when the issuing inspector revokes a certificate; `reasonHash` anchors why.
    event CertificateRevoked(uint256 indexed certificateId, bytes32 reasonHash);

    /// @notice No certificate has this id.
    error QualityCertificateNotFound(uint256 certificateId);
    /// @notice The document is already anchored by another certificate.
    error QualityDocumentAlreadyRegistered(bytes32 documentHash, uint256 existingCertificateId);
    /// @notice The result must be Pass or Fail.
    error QualityInvalidResult(CertificateResult result);
    /// @notice The expiry is not in the future.
    error QualityInvalidExpiry(uint256 expiresAt, uint256 nowTimestamp);
    /// @notice Only the inspector that issued the certificate may revoke it.
    error QualityNotIssuer(uint256 certificateId, address account);
    /// @notice The invoice's goods already have as many certificates as one invoice may have.
    /// @param invoiceId the invoice
    /// @param max the most certificates per invoice
    error QualityTooManyCertificates(uint256 invoiceId, uint256 max);
    /// @notice The certificate was already revoked.
    error QualityCertificateAlreadyRevoked(uint256 certificateId);
    /// @notice The certificate cannot back issuance: `reason` is 1 failed, 2 revoked, 3 expired,
    /// 4 the goods later failed inspection, 5 it covers another invoice.
    error QualityCertificateNotUsable(uint256 certificateId, uint256 invoiceId, uint8 reason);

    /// @notice Certifies the goods behind `invoiceId`. Active inspectors only.
    /// @return certificateId the new certificate's id, counting from 1
    function issue(
        uint256 invoiceId,
        bytes32 batchCodeHash,
        bytes32 standardCode,
        CertificateResult result,
        bytes32 documentHash,
        uint256 expiresAt
    ) external returns (uint256 certificateId);

    /// @notice Revokes a certificate the caller issued; vouchers issued against it freeze.
    function revoke(uint256 certificateId, bytes32 reasonHash) external;

    /// @notice Reverts with `QualityCertificateNotUsable` unless the certificate can back issuance against `invoiceId`.
    function requireUsable(uint256 certificateId, uint256 invoiceId) external view;

    /// @notice Whether value issued against the certificate may still move: passed, not revoked,
    /// and no later failing inspection of the same invoice.
    function inGoodStanding(uint256 certificateId) external view returns (bool);

    /// @notice Whether the goods behind `invoiceId` ever failed an inspection.
    function invoiceFailedInspection(uint256 invoiceId) external view returns (bool);

    /// @notice The certificate with id `certificateId`; reverts with `QualityCertificateNotFound` if none.
    function certificate(uint256 certificateId) external view returns (Certificate memory);

    /// @notice The certificate anchoring `documentHash`, or 0.
    function certificateIdByDocument(bytes32 documentHash) external view returns (uint256);
}
