// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IConsortium} from "../../../contracts/interfaces/IConsortium.sol";
import {Roles} from "../../../contracts/libraries/Roles.sol";
import {vm} from "../Vm.sol";
import {HandlerBase} from "./HandlerBase.sol";
import {World} from "./World.sol";

/// @title Handler: the operator's membership actions
/// @notice Onboarding, role changes (financier roles of holders most of all), renouncing,
/// suspension and reinstatement, pause and unpause, platform limits.
contract MembershipHandler is HandlerBase {
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
