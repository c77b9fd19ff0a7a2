// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title TierCredit consortium: members, roles, platform limits and credit lines
/// @notice Every other TierCredit contract asks this one who may act and within which limits.
///
/// Pause: while the operator has paused the platform, every member action on every TierCredit
/// contract reverts with `EnforcedPause`. What stays open is supervision only:
/// - `CreditVoucher.setFragmentFrozen`, `CreditVoucher.setCreditFrozen` (freeze and unfreeze) and
///   `CreditVoucher.liftQualityFreeze`, by an active auditor or operator;
/// - `Consortium.unpause`, by an active operator;
/// - every view.
/// Onboarding, suspension, role changes and limits are operator actions and wait for `unpause`.
interface IConsortium {
    /// @notice Lifecycle of a member; `None` means never onboarded.
    enum MemberStatus {
        None,
        Active,
        Suspended
    }

    /// @notice Platform-wide limits.
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

    /// @notice Emitted when the operator onboards a member.
    /// @param member the new member
    /// @param kycHash anchors the off-chain KYC record
    event MemberOnboarded(address indexed member, bytes32 kycHash);
    /// @notice Emitted when the operator suspends a member.
    /// @param member the suspended member
    /// @param reasonHash anchors the stated reason
    event MemberSuspended(address indexed member, bytes32 reasonHash);
    /// @notice Emitted when the operator reinstates a suspended member.
    /// @param member the reinstated member
    event MemberReinstated(address indexed member);
    /// @notice Emitted when the operator changes the platform limits.
    /// @param maxTenorDays longest term from issue to maturity, in days
    /// @param gracePeriodDays days after maturity before an unpaid credit is overdue (for credits issued from now)
    /// @param maxTierDepth deepest tier a fragment may reach
    event LimitsChanged(uint32 maxTenorDays, uint32 gracePeriodDays, uint8 maxTierDepth);
    /// @notice Emitted when a core enterprise changes whether it issues only against certified goods.
    /// @param obligor the core enterprise
    /// @param required whether a valid passing certificate is now required
    event QualityRequirementChanged(address indexed obligor, bool required);
    /// @notice Emitted when a financier sets its credit line to an obligor.
    /// @param financier the financier granting the line
    /// @param obligor the core enterprise
    /// @param limit the new line
    /// @param quota the obligor's new issuance quota (sum of its lines)
    event CreditLineSet(address indexed financier, address indexed obligor, uint256 limit, uint256 quota);
    /// @notice Emitted when issuance draws on, or repayment restores, the obligor's quota.
    /// @param obligor the core enterprise
    /// @param outstanding face value issued and not yet repaid
    event OutstandingChanged(address indexed obligor, uint256 outstanding);
    /// @notice Emitted when a financier's exposure to an obligor changes.
    /// @param financier the financier
    /// @param obligor the core enterprise
    /// @param exposure the new exposure: value held plus redeemed claims not yet paid or written off
    event ExposureChanged(address indexed financier, address indexed obligor, uint256 exposure);
    /// @notice Emitted once, when the operator links the voucher, the one contract that draws quota.
    /// @param voucher the CreditVoucher contract
    event VoucherLinked(address indexed voucher);
    /// @notice Emitted when the operator pauses the platform.
    /// @param account the operator
    event Paused(address account);
    /// @notice Emitted when the operator resumes the platform.
    /// @param account the operator
    event Unpaused(address account);

    /// @notice The account was never onboarded.
    /// @param account the address
    error ConsortiumUnknownMember(address account);
    /// @notice The account is already onboarded.
    /// @param account the address
    error ConsortiumMemberExists(address account);
    /// @notice The account is not an active member.
    /// @param account the address
    /// @param status its status
    error ConsortiumMemberNotActive(address account, MemberStatus status);
    /// @notice The account lacks a role this action needs.
    /// @param account the address
    /// @param role the role needed
    error ConsortiumMissingRole(address account, bytes32 role);
    /// @notice The member is not in the status this action needs.
    /// @param account the member
    /// @param status its status
    error ConsortiumInvalidStatus(address account, MemberStatus status);
    /// @notice A limit is out of its allowed range.
    /// @param maxTenorDays the tenor asked for
    /// @param gracePeriodDays the grace period asked for
    /// @param maxTierDepth the depth asked for
    error ConsortiumInvalidLimits(uint32 maxTenorDays, uint32 gracePeriodDays, uint8 maxTierDepth);
    /// @notice A credit line cannot be cut below the financier's exposure.
    /// @param financier the financier
    /// @param obligor the core enterprise
    /// @param limit the line asked for
    /// @param exposure the financier's exposure to the obligor
    error ConsortiumCreditLineBelowExposure(address financier, address obligor, uint256 limit, uint256 exposure);
    /// @notice A credit line cut would leave the obligor's quota below its outstanding face value.
    /// @param obligor the core enterprise
    /// @param quota the quota the cut would leave
    /// @param outstanding the obligor's outstanding face value
    error ConsortiumQuotaBelowOutstanding(address obligor, uint256 quota, uint256 outstanding);
    /// @notice The lines granted to the obligor would add up to more than a quota holds (2**112 - 1).
    /// @param obligor the core enterprise
    /// @param quota the sum the lines would reach
    error ConsortiumQuotaOverflow(address obligor, uint256 quota);
    /// @notice Issuance would take the obligor past its quota.
    /// @param obligor the core enterprise
    /// @param amount the face value to issue
    /// @param outstanding the obligor's outstanding face value
    /// @param quota the obligor's quota
    error ConsortiumQuotaExceeded(address obligor, uint256 amount, uint256 outstanding, uint256 quota);
    /// @notice Acquiring value would take the financier's exposure past its credit line.
    /// @param financier the financier
    /// @param obligor the core enterprise
    /// @param exposure the exposure the acquisition would reach
    /// @param limit the financier's line to the obligor
    error ConsortiumExposureLimitExceeded(address financier, address obligor, uint256 exposure, uint256 limit);
    /// @notice Restoring more quota or exposure than is in use.
    /// @param account the obligor (quota) or financier (exposure)
    /// @param amount the amount to restore
    /// @param available the amount in use
    error ConsortiumUnderflow(address account, uint256 amount, uint256 available);
    /// @notice The action would leave the platform without an active operator.
    /// @param operator the last active operator
    error ConsortiumLastOperator(address operator);
    /// @notice A member cannot grant a credit line to itself.
    /// @param account the member
    error ConsortiumSelfCreditLine(address account);
    /// @notice Only the linked voucher draws issuance quota; it may be linked once, and not to zero.
    /// @param caller the caller, or the address to link
    error ConsortiumNotVoucher(address caller);
    /// @notice The voucher is already linked.
    /// @param voucher the linked voucher
    error ConsortiumVoucherAlreadyLinked(address voucher);
    /// @notice The platform is paused.
    error EnforcedPause();
    /// @notice The platform is not paused.
    error ExpectedPause();

    /// @notice Onboards an account as an active member. Operator only.
    /// @param account the address to onboard
    /// @param kycHash anchors the off-chain KYC record
    /// @param roles the roles to grant
    function onboard(address account, bytes32 kycHash, bytes32[] calldata roles) external;

    /// @notice Suspends an active member: it can no longer hold, send, receive or act. Operator only;
    /// the last active operator cannot be suspended.
    /// @param account the member
    /// @param reasonHash anchors the stated reason
    function suspend(address account, bytes32 reasonHash) external;

    /// @notice Reinstates a suspended member. Operator only.
    /// @param account the member
    function reinstate(address account) external;

    /// @notice Sets the platform limits. Operator only. Tenor is capped at 365 days. A credit keeps
    /// the grace period in force when it was issued.
    /// @param maxTenorDays longest term from issue to maturity, in days (1 to 365)
    /// @param gracePeriodDays days after maturity before an unpaid credit is overdue (at most 365)
    /// @param maxTierDepth deepest tier a fragment may reach (1 to 32)
    function setLimits(uint32 maxTenorDays, uint32 gracePeriodDays, uint8 maxTierDepth) external;

    /// @notice A core enterprise states whether it issues only against a valid passing quality certificate.
    /// @param required whether a certificate is required
    function setQualityRequirement(bool required) external;

    /// @notice The calling financier sets its credit line to an obligor (0 withdraws it); never to itself.
    /// @param obligor the core enterprise
    /// @param limit the new line
    function setCreditLine(address obligor, uint256 limit) external;

    /// @notice Stops every member action platform-wide (see the interface's notice). Operator only.
    function pause() external;

    /// @notice Resumes member actions. Operator only.
    function unpause() external;

    /// @notice Links the voucher, once. Operator only.
    /// @param voucher the CreditVoucher contract
    function linkVoucher(address voucher) external;

    /// @notice For a new credit: reverts unless the platform is live and both parties are active,
    /// the obligor a core enterprise and the receiver a supplier; draws the face value on the obligor's quota and returns what the voucher checks of the
    /// parties, in one call. Linked voucher only.
    /// @param obligor the core enterprise issuing
    /// @param supplier the invoice's seller, who receives the credit
    /// @param amount the face value issued
    /// @return context the parties' role bits, the obligor's certificate preference and the limits
    function drawIssuance(address obligor, address supplier, uint256 amount)
        external
        returns (TradeContext memory context);

    /// @notice Frees the obligor's quota on repayment. Platform contracts only.
    /// @param obligor the core enterprise
    /// @param amount the amount repaid
    function restoreQuota(address obligor, uint256 amount) external;

    /// @notice Adds to the financier's exposure to an obligor, within its line. Platform contracts only.
    /// @param financier the financier
    /// @param obligor the core enterprise
    /// @param amount the value acquired
    function increaseExposure(address financier, address obligor, uint256 amount) external;

    /// @notice Removes from the financier's exposure to an obligor. Platform contracts only.
    /// @param financier the financier
    /// @param obligor the core enterprise
    /// @param amount the value passed on, paid out to the financier, or written off by it
    function decreaseExposure(address financier, address obligor, uint256 amount) external;

    /// @notice Reverts unless the platform is live and the account is active.
    /// @param account the address
    function requireActive(address account) external view;

    /// @notice Reverts with `ConsortiumExposureLimitExceeded` unless the financier's line to the obligor can take `amount` more.
    /// @param financier the financier
    /// @param obligor the core enterprise
    /// @param amount the value to acquire
    function requireExposureHeadroom(address financier, address obligor, uint256 amount) external view;

    /// @notice Reverts unless the platform is live and the account is active and holds `role`.
    /// @param account the address
    /// @param role the role needed
    function requireActiveRole(address account, bytes32 role) external view;

    /// @notice Reverts unless the platform is live and both accounts are active.
    /// @param a the first address
    /// @param b the second address
    function requireActivePair(address a, address b) external view;

    /// @notice Reverts unless the platform is live and the account is active; returns its role bits.
    /// @param account the address
    /// @return roleBits its role bits
    function activeRoleBits(address account) external view returns (uint8 roleBits);

    /// @notice Reverts unless the platform is live and both accounts are active; returns their role bits.
    /// @param a the first address
    /// @param b the second address
    /// @return aRoleBits the role bits of `a`
    /// @return bRoleBits the role bits of `b`
    function activeRoleBitsPair(address a, address b) external view returns (uint8 aRoleBits, uint8 bRoleBits);

    /// @notice Reverts unless the platform is live and both accounts are active; returns their role
    /// bits, whether `from` issues only against certified goods, and the platform limits.
    /// @param from the obligor (issue) or the holder (hop)
    /// @param to the supplier receiving the value
    /// @return context what a voucher checks of the two parties
    function tradeContext(address from, address to) external view returns (TradeContext memory context);

    /// @notice Whether the platform is paused.
    /// @return isPaused true while paused
    function paused() external view returns (bool isPaused);

    /// @notice The ERC-2771 forwarder every platform contract trusts, fixed when the Consortium is
    /// deployed; the others read it at their construction.
    /// @return forwarder its address (address(0): none)
    function trustedForwarder() external view returns (address forwarder);

    /// @notice The status of an account.
    /// @param account the address
    /// @return status its status
    function statusOf(address account) external view returns (MemberStatus status);

    /// @notice The role bits of an account (see the `*_BIT` constants of `Roles`).
    /// @param account the address
    /// @return roleBits its role bits
    function roleBitsOf(address account) external view returns (uint8 roleBits);

    /// @notice Number of active members holding the operator role.
    /// @return count at least 1
    function activeOperatorCount() external view returns (uint256 count);

    /// @notice The platform limits.
    /// @return current the limits in force
    function limits() external view returns (Limits memory current);

    /// @notice Whether an obligor issues only against a valid passing quality certificate.
    /// @param obligor the core enterprise
    /// @return required whether a certificate is required
    function requiresQualityCertificate(address obligor) external view returns (bool required);

    /// @notice The credit line a financier granted an obligor.
    /// @param financier the financier
    /// @param obligor the core enterprise
    /// @return limit the line
    function creditLine(address financier, address obligor) external view returns (uint256 limit);

    /// @notice The obligor's issuance quota: the sum of the lines granted to it.
    /// @param obligor the core enterprise
    /// @return quota the quota
    function issuanceQuota(address obligor) external view returns (uint256 quota);

    /// @notice Face value the obligor has issued and not yet repaid.
    /// @param obligor the core enterprise
    /// @return amount the outstanding face value
    function outstanding(address obligor) external view returns (uint256 amount);

    /// @notice A financier's exposure to an obligor: the value of the obligor's paper it acquired
    /// as a financier and still holds, plus its redeemed claims not yet paid out or written off.
    /// @param financier the financier
    /// @param obligor the core enterprise
    /// @return amount the exposure
    function exposure(address financier, address obligor) external view returns (uint256 amount);
}
