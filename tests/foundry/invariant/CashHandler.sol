// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {vm} from "../Vm.sol";
import {HandlerBase} from "./HandlerBase.sol";
import {World} from "./World.sol";

/// @title Handler: credit lines, quality requirements, cash and the clock
/// @notice Financiers' credit lines, core enterprises' quality requirements, SettlementToken
/// mint/transfer/approve/permit/burn (now and then aimed at a platform contract), and time
/// travel past maturities and grace periods.
contract CashHandler is HandlerBase {
    bytes32 private constant _PERMIT_TYPEHASH =
        keccak256("Permit(address owner,address spender,uint256 value,uint256 nonce,uint256 deadline)");

    constructor(World world) HandlerBase(world) {}

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
}
