// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title TierCredit consortium: members, roles, platform limits and credit lines
/// @notice Every other TierCredit contract asks this one who may act and within which limits.
interface IConsortium {
    /// @notice Lifecycle of a member; `None` means never onboarded.
    enum MemberStatus {
        None,
        Active,
        Suspended
    }

    /// @notice Platform-wide limits, packed in one storage slot.
    struct Limits {
        uint32 maxTenorDays;
        uint32 gracePeriodDays;
        uint8 maxTierDepth;
    }

    /// @notice What a voucher checks of the two parties of an issue (`from` the obligor) or a hop
    /// (`from` the holder), read in one call.
    struct TradeContext {
        uint8 fromRoleBits;
        uint8 toRoleBits;
        bool fromRequiresCertificate;
        Limits limits;
    }

    /// @notice Emitted when the operator onboards `member` after off-chain KYC recorded as `kycHash`.
    event MemberOnboarded(address indexed member, bytes32 kycHash);
    /// @notice Emitted when the operator suspends `member`; `reasonHash` anchors the stated reason.
    event MemberSuspended(address indexed member, bytes32 reasonHash);
    /// @notice Emitted when the operator reinstates a suspended `member`.
    event MemberReinstated(address indexed member);
    /// @notice Emitted when the operator changes the platform limits.
    event LimitsChanged(uint32 maxTenorDays, uint32 gracePeriodDays, uint8 maxTierDepth);
    /// @notice Emitted when a core enterprise changes whether it issues only against certified goods.
    event QualityRequirementChanged(address indexed obligor, bool required);
    /// @notice Emitted when `financier` sets its credit line to `obligor`; `quota` is the obligor's new issuance quota.
    event CreditLineSet(address indexed financier, address indexed obligor, uint256 limit, uint256 quota);
    /// @notice Emitted when issuance draws on, or repayment restores, the obligor's quota.
    event OutstandingChanged(address indexed obligor, uint256 outstanding);
    /// @notice Emitted when a financier's discounted exposure to an obligor changes.
    event ExposureChanged(address indexed financier, address indexed obligor, uint256 exposure);

    /// @notice `account` was never onboarded.
    error ConsortiumUnknownMember(address account);
    /// @notice `account` is already onboarded.
    error ConsortiumMemberExists(address account);
    /// @notice `account` is not an active member.
    error ConsortiumMemberNotActive(address account, MemberStatus status);
    /// @notice `account` lacks `role` for this action.
    error ConsortiumMissingRole(address account, bytes32 role);
    /// @notice The member is not in the status this action needs.
    error ConsortiumInvalidStatus(address account, MemberStatus status);
    /// @notice A limit is out of its allowed range.
    error ConsortiumInvalidLimits(uint32 maxTenorDays, uint32 gracePeriodDays, uint8 maxTierDepth);
    /// @notice A credit line cannot be cut below what the financier has already discounted.
    error ConsortiumCreditLineBelowExposure(address financier, address obligor, uint256 limit, uint256 exposure);
    /// @notice A credit line cut would leave the obligor's quota below its outstanding face value.
    error ConsortiumQuotaBelowOutstanding(address obligor, uint256 quota, uint256 outstanding);
    /// @notice The credit lines granted to `obligor` would add up to more than a quota can hold (2**128 - 1).
    error ConsortiumQuotaOverflow(address obligor, uint256 quota);
    /// @notice Issuance of `amount` would take the obligor past its quota.
    error ConsortiumQuotaExceeded(address obligor, uint256 amount, uint256 outstanding, uint256 quota);
    /// @notice Acquiring `amount` would take the financier's exposure past its credit line.
    error ConsortiumExposureLimitExceeded(address financier, address obligor, uint256 exposure, uint256 limit);
    /// @notice Restoring more quota or exposure than is in use.
    error ConsortiumUnderflow(address account, uint256 amount, uint256 available);

    /// @notice Onboards `account` as an active member holding `roles`. Operator only.
    function onboard(address account, bytes32 kycHash, bytes32[] calldata roles) external;

    /// @notice Suspends an active member: it can no longer hold, send or receive anything. Operator only.
    function suspend(address account, bytes32 reasonHash) external;

    /// @notice Reinstates a suspended member. Operator only.
    function reinstate(address account) external;

    /// @notice Sets the platform limits. Operator only. Tenor is capped at 365 days.
    function setLimits(uint32 maxTenorDays, uint32 gracePeriodDays, uint8 maxTierDepth) external;

    /// @notice A core enterprise states whether it issues only against a valid passing quality certificate.
    function setQualityRequirement(bool required) external;

    /// @notice The calling financier sets its credit line to `obligor` (0 withdraws it).
    function setCreditLine(address obligor, uint256 limit) external;

    /// @notice Stops every member action platform-wide. Operator only.
    function pause() external;

    /// @notice Resumes member actions. Operator only.
    function unpause() external;

    /// @notice Draws `amount` of the obligor's quota for a new credit. Platform contracts only.
    function drawQuota(address obligor, uint256 amount) external;

    /// @notice Frees `amount` of the obligor's quota on repayment. Platform contracts only.
    function restoreQuota(address obligor, uint256 amount) external;

    /// @notice Adds `amount` to the financier's exposure to `obligor`, within its line. Platform contracts only.
    function increaseExposure(address financier, address obligor, uint256 amount) external;

    /// @notice Removes `amount` from the financier's exposure to `obligor`. Platform contracts only.
    function decreaseExposure(address financier, address obligor, uint256 amount) external;

    /// @notice Reverts unless the platform is live and `account` is active.
    function requireActive(address account) external view;

    /// @notice Reverts with `ConsortiumExposureLimitExceeded` unless the financier's line to `obligor` can take `amount` more.
    function requireExposureHeadroom(address financier, address obligor, uint256 amount) external view;

    /// @notice Reverts unless the platform is live and `account` is active and holds `role`.
    function requireActiveRole(address account, bytes32 role) external view;

    /// @notice Reverts unless the platform is live and both accounts are active.
    function requireActivePair(address a, address b) external view;

    /// @notice Reverts unless the platform is live and `account` is active; returns its role bits.
    function activeRoleBits(address account) external view returns (uint8 roleBits);

    /// @notice Reverts unless the platform is live and both accounts are active; returns their role bits.
    function activeRoleBitsPair(address a, address b) external view returns (uint8 aRoleBits, uint8 bRoleBits);

    /// @notice Reverts unless the platform is live and both accounts are active; returns their role
    /// bits, whether `from` issues only against certified goods, and the platform limits.
    function tradeContext(address from, address to) external view returns (TradeContext memory);

    /// @notice The status of `account`.
    function statusOf(address account) external view returns (MemberStatus);

    /// @notice The role bits of `account` (see the `*_BIT` constants of the implementation).
    function roleBitsOf(address account) external view returns (uint8);

    /// @notice The platform limits.
    function limits() external view returns (Limits memory);

    /// @notice Whether `obligor` issues only against a valid passing quality certificate.
    function requiresQualityCertificate(address obligor) external view returns (bool);

    /// @notice The credit line `financier` granted `obligor`.
    function creditLine(address financier, address obligor) external view returns (uint256);

    /// @notice The obligor's issuance quota: the sum of the lines granted to it.
    function issuanceQuota(address obligor) external view returns (uint256);

    /// @notice Face value the obligor has issued and not yet repaid.
    function outstanding(address obligor) external view returns (uint256);

    /// @notice Value of the obligor's credit the financier holds after discounting or buying it.
    function exposure(address financier, address obligor) external view returns (uint256);
}
