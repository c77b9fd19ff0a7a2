// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Context} from "@openzeppelin/contracts/utils/Context.sol";
import {ERC2771Context} from "@openzeppelin/contracts/metatx/ERC2771Context.sol";
import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {IConsortium} from "./interfaces/IConsortium.sol";
import {Roles} from "./libraries/Roles.sol";

/// @title Consortium
/// @notice Members, roles, platform limits, credit lines, issuance quotas and financier exposure.
/// @dev Roles are OpenZeppelin AccessControl roles; each is mirrored in a bit of the member record
/// so the other contracts learn status and roles of both parties of a transfer in one call.
contract Consortium is IConsortium, AccessControl, ERC2771Context {
    /// @dev One slot: whatever a voucher asks of a party (status, roles, issuance preference) and,
    /// for a core enterprise, its issuance quota and outstanding face value cost one read.
    struct Member {
        MemberStatus status;
        uint8 roleBits;
        bool requiresQualityCertificate;
        uint112 quota;
        uint112 outstanding;
    }

    /// @dev One slot: the limits every trade reads, the pause flag every action checks and the
    /// voucher, the one contract that draws quota.
    struct Settings {
        uint32 maxTenorDays;
        uint32 gracePeriodDays;
        uint8 maxTierDepth;
        bool paused;
        address voucher;
    }

    bytes32 public constant OPERATOR_ROLE = Roles.OPERATOR;
    bytes32 public constant CORE_ENTERPRISE_ROLE = Roles.CORE_ENTERPRISE;
    bytes32 public constant SUPPLIER_ROLE = Roles.SUPPLIER;
    bytes32 public constant FINANCIER_ROLE = Roles.FINANCIER;
    bytes32 public constant INSPECTOR_ROLE = Roles.INSPECTOR;
    bytes32 public constant AUDITOR_ROLE = Roles.AUDITOR;
    bytes32 public constant PLATFORM_ROLE = Roles.PLATFORM;

    /// @notice Regulators cap e-voucher terms at one year.
    uint32 public constant TENOR_CAP_DAYS = 365;
    uint8 public constant TIER_DEPTH_CAP = 32;
    uint32 public constant GRACE_CAP_DAYS = 365;

    Settings private _settings;
    uint256 private _activeOperators;
    mapping(address account => Member) private _members;
    mapping(address financier => mapping(address obligor => uint256)) private _creditLines;
    mapping(address financier => mapping(address obligor => uint256)) private _exposures;

    /// @dev The platform contracts' calls check the member record's platform bit, which mirrors
    /// PLATFORM_ROLE: one storage read instead of AccessControl's role lookup plus the status.
    modifier onlyPlatform() {
        Member memory caller = _members[msg.sender];
        if (caller.roleBits & Roles.PLATFORM_BIT == 0) revert AccessControlUnauthorizedAccount(msg.sender, PLATFORM_ROLE);
        if (caller.status != MemberStatus.Active) revert ConsortiumMemberNotActive(msg.sender, caller.status);
        _;
    }

    /// @param operator the first operator; it is onboarded as an active member.
    /// @param forwarder the ERC-2771 forwarder every platform contract trusts to relay members'
    /// signed requests (address(0): none, members call directly only).
    constructor(address operator, address forwarder) ERC2771Context(forwarder) {
        _settings = Settings({maxTenorDays: 180, gracePeriodDays: 30, maxTierDepth: 8, paused: false, voucher: address(0)});
        _setRoleAdmin(OPERATOR_ROLE, OPERATOR_ROLE);
        _setRoleAdmin(CORE_ENTERPRISE_ROLE, OPERATOR_ROLE);
        _setRoleAdmin(SUPPLIER_ROLE, OPERATOR_ROLE);
        _setRoleAdmin(FINANCIER_ROLE, OPERATOR_ROLE);
        _setRoleAdmin(INSPECTOR_ROLE, OPERATOR_ROLE);
        _setRoleAdmin(AUDITOR_ROLE, OPERATOR_ROLE);
        _setRoleAdmin(PLATFORM_ROLE, OPERATOR_ROLE);
        _members[operator].status = MemberStatus.Active;
        emit MemberOnboarded(operator, bytes32(0));
        _grantRole(OPERATOR_ROLE, operator);
        emit LimitsChanged(180, 30, 8);
    }

    // ----------------------------------------------------------------- operator

    /// @inheritdoc IConsortium
    function onboard(address account, bytes32 kycHash, bytes32[] calldata roles) external onlyRole(OPERATOR_ROLE) {
        _requireNotPaused();
        if (_members[account].status != MemberStatus.None) revert ConsortiumMemberExists(account);
        _members[account].status = MemberStatus.Active;
        emit MemberOnboarded(account, kycHash);
        for (uint256 i = 0; i < roles.length; ++i) {
            _grantRole(roles[i], account);
        }
    }

    /// @inheritdoc IConsortium
    function suspend(address account, bytes32 reasonHash) external onlyRole(OPERATOR_ROLE) {
        _requireNotPaused();
        Member memory member = _members[account];
        if (member.status != MemberStatus.Active) revert ConsortiumInvalidStatus(account, member.status);
        if (member.roleBits & Roles.OPERATOR_BIT != 0) _dropActiveOperator(account);
        _members[account].status = MemberStatus.Suspended;
        emit MemberSuspended(account, reasonHash);
    }

    /// @inheritdoc IConsortium
    function reinstate(address account) external onlyRole(OPERATOR_ROLE) {
        _requireNotPaused();
        Member memory member = _members[account];
        if (member.status != MemberStatus.Suspended) revert ConsortiumInvalidStatus(account, member.status);
        _members[account].status = MemberStatus.Active;
        if (member.roleBits & Roles.OPERATOR_BIT != 0) ++_activeOperators;
        emit MemberReinstated(account);
    }

    /// @inheritdoc IConsortium
    function setLimits(uint32 maxTenorDays, uint32 gracePeriodDays, uint8 maxTierDepth) external onlyRole(OPERATOR_ROLE) {
        _requireNotPaused();
        if (
            maxTenorDays == 0 || maxTenorDays > TENOR_CAP_DAYS || gracePeriodDays > GRACE_CAP_DAYS || maxTierDepth == 0
                || maxTierDepth > TIER_DEPTH_CAP
        ) revert ConsortiumInvalidLimits(maxTenorDays, gracePeriodDays, maxTierDepth);
        Settings storage settings = _settings;
        settings.maxTenorDays = maxTenorDays;
        settings.gracePeriodDays = gracePeriodDays;
        settings.maxTierDepth = maxTierDepth;
        emit LimitsChanged(maxTenorDays, gracePeriodDays, maxTierDepth);
    }

    /// @inheritdoc IConsortium
    function linkVoucher(address voucher) external onlyRole(OPERATOR_ROLE) {
        _requireNotPaused();
        address linked = _settings.voucher;
        if (linked != address(0)) revert ConsortiumVoucherAlreadyLinked(linked);
        if (voucher == address(0)) revert ConsortiumNotVoucher(voucher);
        _settings.voucher = voucher;
        emit VoucherLinked(voucher);
    }

    /// @inheritdoc IConsortium
    function pause() external onlyRole(OPERATOR_ROLE) {
        _requireNotPaused();
        _settings.paused = true;
        emit Paused(_msgSender());
    }

    /// @inheritdoc IConsortium
    function unpause() external onlyRole(OPERATOR_ROLE) {
        if (!_settings.paused) revert ExpectedPause();
        _settings.paused = false;
        emit Unpaused(_msgSender());
    }

    // ----------------------------------------------------------------- members

    /// @inheritdoc IConsortium
    function setQualityRequirement(bool required) external {
        _requireActiveRole(_msgSender(), Roles.CORE_ENTERPRISE);
        _members[_msgSender()].requiresQualityCertificate = required;
        emit QualityRequirementChanged(_msgSender(), required);
    }

    /// @inheritdoc IConsortium
    function setCreditLine(address obligor, uint256 limit) external {
        _requireActiveRole(_msgSender(), Roles.FINANCIER);
        // A member holding both roles would otherwise make its own issuance quota.
        if (obligor == _msgSender()) revert ConsortiumSelfCreditLine(_msgSender());
        if (_members[obligor].roleBits & Roles.CORE_ENTERPRISE_BIT == 0) {
            revert ConsortiumMissingRole(obligor, CORE_ENTERPRISE_ROLE);
        }
        uint256 currentExposure = _exposures[_msgSender()][obligor];
        if (limit < currentExposure) {
            revert ConsortiumCreditLineBelowExposure(_msgSender(), obligor, limit, currentExposure);
        }
        Member storage issuer = _members[obligor];
        uint256 quota = issuer.quota - _creditLines[_msgSender()][obligor] + limit;
        if (quota > type(uint112).max) revert ConsortiumQuotaOverflow(obligor, quota);
        uint256 used = issuer.outstanding;
        if (quota < used) revert ConsortiumQuotaBelowOutstanding(obligor, quota, used);
        _creditLines[_msgSender()][obligor] = limit;
        issuer.quota = uint112(quota);
        emit CreditLineSet(_msgSender(), obligor, limit, quota);
    }

    // ----------------------------------------------------------------- platform

    /// @inheritdoc IConsortium
    function drawIssuance(address obligor, address supplier, uint256 amount)
        external
        returns (TradeContext memory context)
    {
        Settings memory settings = _settings;
        if (msg.sender != settings.voucher) revert ConsortiumNotVoucher(msg.sender);
        if (settings.paused) revert EnforcedPause();
        Member memory issuer = _activeMember(obligor);
        if (issuer.roleBits & Roles.CORE_ENTERPRISE_BIT == 0) revert ConsortiumMissingRole(obligor, CORE_ENTERPRISE_ROLE);
        uint8 supplierBits = _requireActive(supplier);
        if (supplierBits & Roles.SUPPLIER_BIT == 0) revert ConsortiumMissingRole(supplier, SUPPLIER_ROLE);
        context = TradeContext({
            fromRoleBits: issuer.roleBits,
            toRoleBits: supplierBits,
            fromRequiresCertificate: issuer.requiresQualityCertificate,
            limits: _limitsOf(settings)
        });
        uint256 used = uint256(issuer.outstanding) + amount;
        if (used > issuer.quota) revert ConsortiumQuotaExceeded(obligor, amount, issuer.outstanding, issuer.quota);
        // Cannot truncate: used <= quota, a uint112.
        _members[obligor].outstanding = uint112(used);
        emit OutstandingChanged(obligor, used);
    }

    /// @inheritdoc IConsortium
    function restoreQuota(address obligor, uint256 amount) external onlyPlatform {
        Member storage issuer = _members[obligor];
        uint256 used = issuer.outstanding;
        if (amount > used) revert ConsortiumUnderflow(obligor, amount, used);
        issuer.outstanding = uint112(used - amount);
        emit OutstandingChanged(obligor, used - amount);
    }

    /// @inheritdoc IConsortium
    function increaseExposure(address financier, address obligor, uint256 amount) external onlyPlatform {
        uint256 updated = _exposureAfter(financier, obligor, amount);
        _exposures[financier][obligor] = updated;
        emit ExposureChanged(financier, obligor, updated);
    }

    /// @inheritdoc IConsortium
    function decreaseExposure(address financier, address obligor, uint256 amount) external onlyPlatform {
        uint256 current = _exposures[financier][obligor];
        if (amount > current) revert ConsortiumUnderflow(financier, amount, current);
        _exposures[financier][obligor] = current - amount;
        emit ExposureChanged(financier, obligor, current - amount);
    }

    // ----------------------------------------------------------------- views

    /// @inheritdoc IConsortium
    function requireActive(address account) external view {
        _requireNotPaused();
        _requireActive(account);
    }

    /// @inheritdoc IConsortium
    function requireExposureHeadroom(address financier, address obligor, uint256 amount) external view {
        _exposureAfter(financier, obligor, amount);
    }

    /// @inheritdoc IConsortium
    function requireActiveRole(address account, bytes32 role) external view {
        _requireActiveRole(account, role);
    }

    /// @inheritdoc IConsortium
    function requireActivePair(address a, address b) external view {
        _requireNotPaused();
        _requireActive(a);
        _requireActive(b);
    }

    /// @inheritdoc IConsortium
    function activeRoleBits(address account) external view returns (uint8 roleBits) {
        _requireNotPaused();
        return _requireActive(account);
    }

    /// @inheritdoc IConsortium
    function activeRoleBitsPair(address a, address b) external view returns (uint8 aRoleBits, uint8 bRoleBits) {
        _requireNotPaused();
        return (_requireActive(a), _requireActive(b));
    }

    /// @inheritdoc IConsortium
    function tradeContext(address from, address to) external view returns (TradeContext memory) {
        Settings memory settings = _settings;
        if (settings.paused) revert EnforcedPause();
        Member memory sender = _activeMember(from);
        return TradeContext({
            fromRoleBits: sender.roleBits,
            toRoleBits: _requireActive(to),
            fromRequiresCertificate: sender.requiresQualityCertificate,
            limits: _limitsOf(settings)
        });
    }

    /// @inheritdoc IConsortium
    function paused() external view returns (bool) {
        return _settings.paused;
    }

    /// @inheritdoc IConsortium
    function trustedForwarder() public view override(IConsortium, ERC2771Context) returns (address) {
        return super.trustedForwarder();
    }

    /// @inheritdoc IConsortium
    function statusOf(address account) external view returns (MemberStatus) {
        return _members[account].status;
    }

    /// @inheritdoc IConsortium
    function roleBitsOf(address account) external view returns (uint8) {
        return _members[account].roleBits;
    }

    /// @inheritdoc IConsortium
    function activeOperatorCount() external view returns (uint256) {
        return _activeOperators;
    }

    /// @inheritdoc IConsortium
    function limits() external view returns (Limits memory) {
        return _limitsOf(_settings);
    }

    /// @inheritdoc IConsortium
    function requiresQualityCertificate(address obligor) external view returns (bool) {
        return _members[obligor].requiresQualityCertificate;
    }

    /// @inheritdoc IConsortium
    function creditLine(address financier, address obligor) external view returns (uint256) {
        return _creditLines[financier][obligor];
    }

    /// @inheritdoc IConsortium
    function issuanceQuota(address obligor) external view returns (uint256) {
        return _members[obligor].quota;
    }

    /// @inheritdoc IConsortium
    function outstanding(address obligor) external view returns (uint256) {
        return _members[obligor].outstanding;
    }

    /// @inheritdoc IConsortium
    function exposure(address financier, address obligor) external view returns (uint256) {
        return _exposures[financier][obligor];
    }

    // ----------------------------------------------------------------- internal

    /// @dev Roles go only to onboarded members, and each grant is mirrored in the member's role bits.
    /// Role changes are operator actions: they wait while the platform is paused.
    function _grantRole(bytes32 role, address account) internal override returns (bool granted) {
        _requireNotPaused();
        MemberStatus status = _members[account].status;
        if (status == MemberStatus.None) revert ConsortiumUnknownMember(account);
        granted = super._grantRole(role, account);
        _members[account].roleBits |= Roles.bitOf(role);
        if (granted && role == OPERATOR_ROLE && status == MemberStatus.Active) ++_activeOperators;
    }

    /// @dev A suspended member keeps its roles but may not use them: operator and platform powers included.
    function _checkRole(bytes32 role, address account) internal view override {
        super._checkRole(role, account);
        MemberStatus status = _members[account].status;
        if (status != MemberStatus.Active) revert ConsortiumMemberNotActive(account, status);
    }

    /// @dev Revoking and renouncing alike: never the last active operator's role.
    function _revokeRole(bytes32 role, address account) internal override returns (bool revoked) {
        _requireNotPaused();
        revoked = super._revokeRole(role, account);
        _members[account].roleBits &= ~Roles.bitOf(role);
        if (revoked && role == OPERATOR_ROLE && _members[account].status == MemberStatus.Active) {
            _dropActiveOperator(account);
        }
    }

    function _dropActiveOperator(address operator) private {
        uint256 count = _activeOperators;
        if (count == 1) revert ConsortiumLastOperator(operator);
        _activeOperators = count - 1;
    }

    function _limitsOf(Settings memory settings) private pure returns (Limits memory) {
        return Limits(settings.maxTenorDays, settings.gracePeriodDays, settings.maxTierDepth);
    }

    function _requireNotPaused() private view {
        if (_settings.paused) revert EnforcedPause();
    }

    function _exposureAfter(address financier, address obligor, uint256 amount) private view returns (uint256 updated) {
        updated = _exposures[financier][obligor] + amount;
        uint256 limit = _creditLines[financier][obligor];
        if (updated > limit) revert ConsortiumExposureLimitExceeded(financier, obligor, updated, limit);
    }

    function _requireActive(address account) private view returns (uint8) {
        return _activeMember(account).roleBits;
    }

    function _activeMember(address account) private view returns (Member memory member) {
        member = _members[account];
        if (member.status != MemberStatus.Active) revert ConsortiumMemberNotActive(account, member.status);
    }

    function _requireActiveRole(address account, bytes32 role) private view {
        _requireNotPaused();
        if (_requireActive(account) & Roles.bitOf(role) == 0) revert ConsortiumMissingRole(account, role);
    }

    // --- ERC-2771: a member's request relayed by the trusted forwarder acts as the member ---------

    function _msgSender() internal view override(Context, ERC2771Context) returns (address) {
        return ERC2771Context._msgSender();
    }

    function _msgData() internal view override(Context, ERC2771Context) returns (bytes calldata) {
        return ERC2771Context._msgData();
    }

    function _contextSuffixLength() internal view override(Context, ERC2771Context) returns (uint256) {
        return ERC2771Context._contextSuffixLength();
    }
}
