// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title Roles of the TierCredit consortium
/// @notice The AccessControl role ids and the bit each one sets in a member's role bits.
/// One place for both, shared by every contract (the backend reads them from Consortium's getters).
library Roles {
    bytes32 internal constant OPERATOR = keccak256("OPERATOR_ROLE");
    bytes32 internal constant CORE_ENTERPRISE = keccak256("CORE_ENTERPRISE_ROLE");
    bytes32 internal constant SUPPLIER = keccak256("SUPPLIER_ROLE");
    bytes32 internal constant FINANCIER = keccak256("FINANCIER_ROLE");
    bytes32 internal constant INSPECTOR = keccak256("INSPECTOR_ROLE");
    bytes32 internal constant AUDITOR = keccak256("AUDITOR_ROLE");
    /// @notice Held by TierCredit's own contracts: they draw quota, track exposure and hold escrow.
    bytes32 internal constant PLATFORM = keccak256("PLATFORM_ROLE");

    uint8 internal constant OPERATOR_BIT = 1;
    uint8 internal constant CORE_ENTERPRISE_BIT = 2;
    uint8 internal constant SUPPLIER_BIT = 4;
    uint8 internal constant FINANCIER_BIT = 8;
    uint8 internal constant INSPECTOR_BIT = 16;
    uint8 internal constant AUDITOR_BIT = 32;
    uint8 internal constant PLATFORM_BIT = 64;

    /// @notice The bit of `role`, or 0 for a role TierCredit does not know.
    function bitOf(bytes32 role) internal pure returns (uint8) {
        if (role == OPERATOR) return OPERATOR_BIT;
        if (role == CORE_ENTERPRISE) return CORE_ENTERPRISE_BIT;
        if (role == SUPPLIER) return SUPPLIER_BIT;
        if (role == FINANCIER) return FINANCIER_BIT;
        if (role == INSPECTOR) return INSPECTOR_BIT;
        if (role == AUDITOR) return AUDITOR_BIT;
        if (role == PLATFORM) return PLATFORM_BIT;
        return 0;
    }
}
