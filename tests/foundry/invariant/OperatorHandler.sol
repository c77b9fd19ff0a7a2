// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IConsortium} from "../../../contracts/interfaces/IConsortium.sol";
import {Roles} from "../../../contracts/libraries/Roles.sol";
import {vm} from "../Vm.sol";
import {HandlerBase} from "./HandlerBase.sol";
import {World} from "./World.sol";

/// @title Handler: the operator's and the financiers' platform actions, cash, and the clock
/// @notice Onboarding, role changes (financier roles of holders most of all), suspension, pause,
/// limits, credit lines, quality requirements, SettlementToken mint/transfer/approve/permit/burn,
/// and time travel past maturities and grace periods.
contract OperatorHandler is HandlerBase {
    bytes32 private constant _PERMIT_TYPEHASH =
        keccak256("Permit(address owner,address spender,uint256 value,uint256 nonce,uint256 deadline)");

    constructor(World world) HandlerBase(world) {}

    /// @notice The operator onboards a latecomer (another actor: `ConsortiumMemberExists`). The
    /// stranger is never onboarded.
    function onboard(uint256 callerSeed, uint256 memberSeed) external onClock {
        address member = memberSeed % 4 == 0
            ? w.anyActor(memberSeed >> 2)
            : w.actor(memberSeed % 2 == 0 ? w.LATE_SUPPLIER() : w.LATE_BANK());
        if (member == w.actor(w.STRANGER())) return _discard();
        bytes32[] memory roles = new bytes32[](1);
        roles[0] = member == w.actor(w.LATE_BANK()) ? Roles.FINANCIER : Roles.SUPPLIER;
        address caller = w.mostly(callerSeed, w.activeOperator(callerSeed >> 3));
        Before memory b = _before(caller, 0);
        bool ok;
        bytes memory err;
        vm.prank(caller);
        try consortium.onboard(member, keccak256(abi.encode("kyc", member)), roles) {
            ok = true;
        } catch (bytes memory e) {
            err = e;
        }
        _member("onboard", ok, b, err);
        _checkRoleMirror(member);
        if (ok && w.isPlatformContract(member)) w.violate("onboard: platform contract onboarded twice");
    }

    /// @notice Grants the role if the member lacks it, revokes it otherwise; mostly the financier
    /// role of a supplier or financier, so holders change role while they hold value.
    /// A revocation is undone in the same step half of the time, so holders spend a while, not
    /// half their life, without a role.
    function changeRole(uint256 callerSeed, uint256 memberSeed, uint256 roleSeed) external onClock {
        address member;
        bytes32 role;
        if (roleSeed % 5 < 3) {
            // Two times in three a financier, else a supplier (who then holds both roles).
            member = memberSeed % 3 == 0
                ? w.pick(memberSeed >> 2, w.SUPPLIER_1(), w.SUPPLIER_4())
                : w.pick(memberSeed >> 2, w.BANK_A(), w.BANK_B());
            role = Roles.FINANCIER;
        } else {
            member = w.anyActor(memberSeed);
            role = _role(roleSeed / 5);
        }
        bool had = consortium.hasRole(role, member);
        address caller = w.mostly(callerSeed, w.activeOperator(callerSeed >> 3));
        Before memory b = _before(caller, 0);
        bool ok;
        bytes memory err;
        vm.prank(caller);
        if (had) {
            try consortium.revokeRole(role, member) {
                ok = true;
            } catch (bytes memory e) {
                err = e;
            }
        } else {
            try consortium.grantRole(role, member) {
                ok = true;
            } catch (bytes memory e) {
                err = e;
            }
        }
        _member(had ? bytes32("revokeRole") : bytes32("grantRole"), ok, b, err);
        _checkRoleMirror(member);
        if (!had && consortium.statusOf(member) == IConsortium.MemberStatus.None) {
            w.violate("grantRole: role granted to a never-onboarded account");
        }
        if (had && roleSeed % 2 == 0) _restoreRole(role, member);
        // A supplier keeps a financier role it was just given only half of the time.
        if (!had && role == Roles.FINANCIER && consortium.hasRole(Roles.SUPPLIER, member) && callerSeed % 2 == 0) {
            _dropRole(role, member);
        }
    }

    /// @notice A member gives up one of its roles (AccessControl's renounceRole); three times in
    /// four the operator grants it back in the same step.
    function renounceRole(uint256 memberSeed, uint256 roleSeed) external onClock {
        address member = w.anyActor(memberSeed);
        bytes32 role = _role(roleSeed);
        bool paused = consortium.paused();
        bool ok;
        bytes memory err;
        vm.prank(member);
        try consortium.renounceRole(role, member) {
            ok = true;
        } catch (bytes memory e) {
            err = e;
        }
        if (ok && paused) w.violate("renounceRole: role change while paused");
        _checkRoleMirror(member);
        _settle("renounceRole", ok, err);
        if (roleSeed % 4 != 3) _restoreRole(role, member);
    }

    /// @notice Suspends a member; three times in four it is reinstated in the same step.
    function suspend(uint256 callerSeed, uint256 memberSeed) external onClock {
        address member = w.anyActor(memberSeed);
        address caller = w.mostly(callerSeed, w.activeOperator(callerSeed >> 3));
        Before memory b = _before(caller, 0);
        bool ok;
        bytes memory err;
        vm.prank(caller);
        try consortium.suspend(member, keccak256("reason")) {
            ok = true;
        } catch (bytes memory e) {
            err = e;
        }
        _member("suspend", ok, b, err);
        if (memberSeed % 4 != 0) {
            vm.prank(w.activeOperator(memberSeed));
            try consortium.reinstate(member) {} catch {}
        }
    }

    function reinstate(uint256 callerSeed, uint256 memberSeed) external onClock {
        address member = w.pickSuspended(memberSeed);
        address caller = w.mostly(callerSeed, w.activeOperator(callerSeed >> 3));
        Before memory b = _before(caller, 0);
        bool ok;
        bytes memory err;
        vm.prank(caller);
        try consortium.reinstate(member) {
            ok = true;
        } catch (bytes memory e) {
            err = e;
        }
        _member("reinstate", ok, b, err);
    }

    /// @notice Pauses; seven times in eight the operator resumes in the same step, so a run is
    /// paused for a while now and then, not half of the time.
    function pause(uint256 callerSeed, uint256 windowSeed) external onClock {
        address caller = w.mostly(callerSeed, w.activeOperator(callerSeed >> 3));
        Before memory b = _before(caller, 0);
        bool ok;
        bytes memory err;
        vm.prank(caller);
        try consortium.pause() {
            ok = true;
        } catch (bytes memory e) {
            err = e;
        }
        _member("pause", ok, b, err);
        if (windowSeed % 8 != 0) {
            vm.prank(caller);
            consortium.unpause();
        }
    }

    /// @notice Unpause is the operator's one action open during a pause.
    function unpause(uint256 callerSeed) external onClock {
        address caller = w.mostly(callerSeed, w.activeOperator(callerSeed >> 3));
        bool wasPaused = consortium.paused();
        bool operatorActive = w.isActive(caller) && consortium.hasRole(Roles.OPERATOR, caller);
        bool ok;
        bytes memory err;
        vm.prank(caller);
        try consortium.unpause() {
            ok = true;
        } catch (bytes memory e) {
            err = e;
        }
        if (ok && !(wasPaused && operatorActive)) w.violate("unpause: by a non-operator or while live");
        _settle("unpause", ok, err);
    }

    /// @notice Limits in and out of range: tenor 1..365, grace ..365, depth 1..32.
    function setLimits(uint256 callerSeed, uint256 tenorSeed, uint256 graceSeed, uint256 depthSeed) external onClock {
        uint32 tenor = uint32(tenorSeed % 8 == 0 ? tenorSeed % 400 : 30 + tenorSeed % 336);
        uint32 grace = uint32(graceSeed % 8 == 0 ? graceSeed % 400 : graceSeed % 60);
        uint8 depth = uint8(depthSeed % 8 == 0 ? depthSeed % 40 : 1 + depthSeed % 12);
        address caller = w.mostly(callerSeed, w.activeOperator(callerSeed >> 3));
        Before memory b = _before(caller, 0);
        bool ok;
        bytes memory err;
        vm.prank(caller);
        try consortium.setLimits(tenor, grace, depth) {
            ok = true;
        } catch (bytes memory e) {
            err = e;
        }
        _member("setLimits", ok, b, err);
        if (ok && (tenor == 0 || tenor > 365 || grace > 365 || depth == 0 || depth > 32)) {
            w.violate("setLimits: out-of-range limits accepted");
        }
    }

    /// @notice A financier moves its line to a core: mostly at or above its exposure, sometimes below.
    function setCreditLine(uint256 callerSeed, uint256 obligorSeed, uint256 limitSeed) external onClock {
        address caller = w.pick(callerSeed, w.BANK_A(), w.BANK_B());
        address obligor = w.pick(obligorSeed, w.CORE_A(), w.CORE_B());
        uint256 exposure = consortium.exposure(caller, obligor);
        uint256 limit = limitSeed % 8 == 0 ? limitSeed % (exposure + 1) : exposure + limitSeed % (60_000 * w.UNIT());
        Before memory b = _before(caller, 0);
        bool ok;
        bytes memory err;
        vm.prank(caller);
        try consortium.setCreditLine(obligor, limit) {
            ok = true;
        } catch (bytes memory e) {
            err = e;
        }
        _member("setCreditLine", ok, b, err);
        if (ok) w.recordLine(caller, obligor);
        if (ok && consortium.issuanceQuota(obligor) < consortium.outstanding(obligor)) {
            w.violate("setCreditLine: quota cut below outstanding");
        }
    }

    function setQualityRequirement(uint256 callerSeed, bool required) external onClock {
        address caller = w.pick(callerSeed, w.CORE_A(), w.CORE_B());
        Before memory b = _before(caller, 0);
        bool ok;
        bytes memory err;
        vm.prank(caller);
        try consortium.setQualityRequirement(required) {
            ok = true;
        } catch (bytes memory e) {
            err = e;
        }
        _member("setQualityRequirement", ok, b, err);
    }

    /// @notice A financier mints cash against a deposit, now and then to a platform contract
    /// (which must refuse it: cash there would have no claimant).
    function mintCash(uint256 callerSeed, uint256 toSeed, uint256 amountSeed) external onClock {
        address caller = w.pick(callerSeed, w.BANK_A(), w.BANK_B());
        address to = toSeed % 16 == 0 ? _platformAccount(toSeed >> 4) : w.anyActor(toSeed);
        uint256 amount = 1 + amountSeed % (100_000 * w.UNIT());
        Before memory b = _before(caller, 0);
        bool ok;
        bytes memory err;
        vm.prank(caller);
        try cash.mint(to, amount, keccak256("deposit")) {
            ok = true;
        } catch (bytes memory e) {
            err = e;
        }
        _member("mintCash", ok, b, err);
        _checkCashReceiver("mintCash", ok, to);
    }

    /// @notice Cash between members, now and then pushed at a platform contract.
    function transferCash(uint256 callerSeed, uint256 toSeed, uint256 amountSeed, bool viaAllowance) external onClock {
        address from = w.anyActor(callerSeed);
        address to = toSeed % 8 == 0 ? _platformAccount(toSeed >> 3) : w.anyActor(toSeed);
        uint256 amount = amountSeed % (cash.balanceOf(from) / 4 + 2);
        address caller = viaAllowance ? w.anyActor(callerSeed >> 8) : from;
        Before memory b = _before(caller, 0);
        bool fromActive = w.isActive(from);
        bool ok;
        bytes memory err;
        vm.prank(caller);
        if (viaAllowance) {
            try cash.transferFrom(from, to, amount) {
                ok = true;
            } catch (bytes memory e) {
                err = e;
            }
        } else {
            try cash.transfer(to, amount) {
                ok = true;
            } catch (bytes memory e) {
                err = e;
            }
        }
        _member(viaAllowance ? bytes32("transferCashFrom") : bytes32("transferCash"), ok, b, err);
        if (ok && !fromActive) w.violate("transferCash: cash left an inactive member");
        _checkCashReceiver("transferCash", ok, to);
    }

    /// @notice Sets allowances; mostly restores the standing ones (cores to Settlement, financiers to Financing).
    function approveCash(uint256 callerSeed, uint256 spenderSeed, uint256 amountSeed) external onClock {
        address owner = w.anyActor(callerSeed);
        address spender = spenderSeed % 4 == 0
            ? w.anyActor(spenderSeed >> 2)
            : (w.isFinancier(owner) ? address(financing) : address(settlement));
        uint256 amount = amountSeed % 4 == 0 ? amountSeed : type(uint256).max;
        Before memory b = _before(owner, 0);
        bool ok;
        bytes memory err;
        vm.prank(owner);
        try cash.approve(spender, amount) {
            ok = true;
        } catch (bytes memory e) {
            err = e;
        }
        _member("approveCash", ok, b, err);
    }

    /// @notice An EIP-2612 permit of a member's own key, submitted by anyone.
    function permitCash(uint256 ownerSeed, uint256 submitterSeed, uint256 deadlineSeed) external onClock {
        uint256 index = ownerSeed % w.ACTOR_COUNT();
        address owner = w.actor(index);
        address spender = w.isFinancier(owner) ? address(financing) : address(settlement);
        uint256 deadline = block.timestamp + deadlineSeed % 3 days;
        if (deadlineSeed % 8 == 0) deadline = block.timestamp - 1;
        bytes32 digest = _permitDigest(owner, spender, type(uint256).max, cash.nonces(owner), deadline);
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(w.keyOf(index), digest);
        address submitter = w.anyActor(submitterSeed);
        Before memory b = _before(owner, 0);
        bool ok;
        bytes memory err;
        vm.prank(submitter);
        try cash.permit(owner, spender, type(uint256).max, deadline, v, r, s) {
            ok = true;
        } catch (bytes memory e) {
            err = e;
        }
        _member("permitCash", ok, b, err);
    }

    function burnCash(uint256 callerSeed, uint256 amountSeed) external onClock {
        address caller = w.anyActor(callerSeed);
        uint256 amount = amountSeed % (cash.balanceOf(caller) / 8 + 2);
        Before memory b = _before(caller, 0);
        bool ok;
        bytes memory err;
        vm.prank(caller);
        try cash.burn(amount, keccak256("withdrawal")) {
            ok = true;
        } catch (bytes memory e) {
            err = e;
        }
        _member("burnCash", ok, b, err);
    }

    /// @notice Moves the clock: minutes to days mostly; one time in four to just around a credit's
    /// maturity or the end of its grace period.
    function warp(uint256 modeSeed, uint256 amountSeed) external {
        uint256 now_ = w.time();
        uint256 next = now_;
        uint256 mode = modeSeed % 8;
        uint256 creditId = w.pickCredit(amountSeed);
        if (mode < 4) {
            next = now_ + 1 minutes + amountSeed % 3 days;
        } else if (mode < 6 || creditId == 0) {
            next = now_ + 1 days + amountSeed % 20 days;
        } else {
            uint256 maturity = voucher.credit(creditId).maturity;
            uint256 graceEnd = maturity + uint256(voucher.credit(creditId).gracePeriodDays) * 1 days;
            uint256 target = (mode == 6 ? maturity : graceEnd) + amountSeed % 3 - 1;
            if (target > now_) next = target;
        }
        if (next == now_) return _discard();
        w.setTime(next);
        vm.warp(next);
        w.recordSuccess("warp");
    }

    /// @dev The operator grants `role` back, if it can (swallowed: the step's own call was made).
    function _restoreRole(bytes32 role, address member) private {
        vm.prank(w.activeOperator(uint256(role)));
        try consortium.grantRole(role, member) {} catch {}
    }

    /// @dev The operator takes `role` away again, if it can (swallowed: the step's own call was made).
    function _dropRole(bytes32 role, address member) private {
        vm.prank(w.activeOperator(uint256(role)));
        try consortium.revokeRole(role, member) {} catch {}
    }

    /// @dev The member record's role bits mirror AccessControl's roles.
    function _checkRoleMirror(address member) private {
        uint8 bits = consortium.roleBitsOf(member);
        for (uint256 k = 0; k < 6; ++k) {
            bytes32 role = _role(k);
            if (consortium.hasRole(role, member) != (bits & Roles.bitOf(role) != 0)) {
                w.violate("roles: the member's role bits do not mirror its roles");
            }
        }
    }

    function _checkCashReceiver(string memory op, bool ok, address to) private {
        if (ok && (w.isPlatformContract(to) || !w.isActive(to))) {
            w.violate(string.concat(op, ": cash reached a platform contract or an inactive member"));
        }
    }

    function _platformAccount(uint256 seed) private view returns (address) {
        uint256 k = seed % 3;
        if (k == 0) return address(settlement);
        if (k == 1) return address(voucher);
        return address(financing);
    }

    function _permitDigest(address owner, address spender, uint256 value, uint256 nonce, uint256 deadline)
        private
        view
        returns (bytes32)
    {
        bytes32 structHash = keccak256(abi.encode(_PERMIT_TYPEHASH, owner, spender, value, nonce, deadline));
        return keccak256(abi.encodePacked("\x19\x01", cash.DOMAIN_SEPARATOR(), structHash));
    }

    function _role(uint256 seed) private pure returns (bytes32) {
        uint256 k = seed % 6;
        if (k == 0) return Roles.OPERATOR;
        if (k == 1) return Roles.CORE_ENTERPRISE;
        if (k == 2) return Roles.SUPPLIER;
        if (k == 3) return Roles.FINANCIER;
        if (k == 4) return Roles.INSPECTOR;
        return Roles.AUDITOR;
    }
}
