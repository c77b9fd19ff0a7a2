// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ICreditVoucher} from "../../../contracts/interfaces/ICreditVoucher.sol";
import {ISettlement} from "../../../contracts/interfaces/ISettlement.sol";
import {Roles} from "../../../contracts/libraries/Roles.sol";
import {vm} from "../Vm.sol";
import {HandlerBase} from "./HandlerBase.sol";
import {World} from "./World.sol";

/// @title Handler: repayment, redemption, claims, write-offs, overdue marks, and supervision
/// @notice Repayment in parts (plain and with a permit), pull redemption, bounded batches that
/// must skip only what cannot be settled, late claims, financiers' write-offs, overdue marks;
/// and the supervisors' freezes, unfreezes and quality-freeze lifts, open during a pause.
contract SettlementHandler is HandlerBase {
    bytes32 private constant _PERMIT_TYPEHASH =
        keccak256("Permit(address owner,address spender,uint256 value,uint256 nonce,uint256 deadline)");
    uint256 private constant _BATCH = 6;

    constructor(World world) HandlerBase(world) {}

    /// @notice The obligor repays part of what is left (now and then more than is left), a
    /// quarter of the time approving with a permit in the same call.
    function repay(uint256 creditSeed, uint256 callerSeed, uint256 amountSeed, uint256 permitSeed) external onClock {
        uint256 creditId = w.pickUnpaidCredit(creditSeed);
        if (creditId == 0) return _discard();
        ICreditVoucher.Credit memory cr = voucher.credit(creditId);
        uint256 left = uint256(cr.faceValue) - settlement.account(creditId).repaid;
        uint256 amount = left == 0 ? 1 : _part(left, amountSeed);
        uint256 index = callerSeed % 8 == 7 ? (callerSeed >> 3) % w.ACTOR_COUNT() : w.indexOf(cr.obligor);
        address caller = w.actor(index);
        uint256 balanceBefore = cash.balanceOf(address(settlement));
        Before memory b = _before(caller, 0);
        bool ok;
        bytes memory err;
        if (permitSeed % 4 == 0) {
            (ok, err) = _repayWithPermit(creditId, amount, index);
        } else {
            vm.prank(caller);
            try settlement.repay(creditId, amount) {
                ok = true;
            } catch (bytes memory e) {
                err = e;
            }
        }
        _member(permitSeed % 4 == 0 ? bytes32("repayWithPermit") : bytes32("repay"), ok, b, err);
        if (caller != cr.obligor) w.violate("repay: repaid by someone other than the obligor");
        if (amount > left) w.violate("repay: repaid past the face value");
        if (cash.balanceOf(address(settlement)) != balanceBefore + amount) w.violate("repay: cash in does not match");
        w.recordRepayment(creditId, amount);
    }

    /// @notice The holder redeems a fragment (mostly after maturity, by then the run has warped).
    function redeem(uint256 tokenSeed, uint256 callerSeed) external onClock {
        uint256 tokenId = w.pickMaturedToken(tokenSeed);
        if (tokenId == 0) return _discard();
        address holder = voucher.ownerOf(tokenId);
        address caller = w.mostly(callerSeed, holder);
        bool redeemable = _redeemable(tokenId);
        Before memory b = _before(caller, 0);
        bool ok;
        bytes memory err;
        vm.prank(caller);
        try settlement.redeem(tokenId) {
            ok = true;
        } catch (bytes memory e) {
            err = e;
        }
        _member("redeem", ok, b, err);
        if (!redeemable) w.violate("redeem: an unredeemable fragment was redeemed");
        _afterRedeem(tokenId);
    }

    /// @notice Anyone pushes a batch of live, burned, repeated or unknown ids; the batch must pay
    /// exactly the redeemable ones and skip the rest.
    function redeemBatch(uint256 callerSeed, uint256 sizeSeed, uint256 idsSeed) external onClock {
        uint256 size = sizeSeed % 16 == 0 ? 0 : 1 + sizeSeed % _BATCH;
        uint256[] memory ids = new uint256[](size);
        uint256 count = voucher.tokenCount();
        for (uint256 i = 0; i < size; ++i) {
            uint256 seed = uint256(keccak256(abi.encode(idsSeed, i)));
            if (seed % 16 == 0) ids[i] = count + 1 + seed % 3;
            else if (seed % 16 == 1 && i > 0) ids[i] = ids[i - 1];
            else ids[i] = w.pickMaturedToken(seed >> 4);
        }
        bool[] memory expected = new bool[](size);
        for (uint256 i = 0; i < size; ++i) {
            expected[i] = ids[i] != 0 && ids[i] <= count && _redeemable(ids[i]) && !_seenBefore(ids, i);
        }
        address caller = w.anyActor(callerSeed);
        Before memory b = _before(caller, 0);
        bool ok;
        bytes memory err;
        vm.prank(caller);
        try settlement.redeemBatch(ids) {
            ok = true;
        } catch (bytes memory e) {
            err = e;
        }
        // A valid batch never fails whole: that failure is itself the finding, so it is kept, not re-raised.
        if (!ok && size > 0 && b.callerActive && !b.paused) {
            return w.violate("redeemBatch: a valid batch failed whole");
        }
        _member("redeemBatch", ok, b, err);
        for (uint256 i = 0; i < size; ++i) {
            if (!expected[i]) continue;
            if (settlement.claimOf(ids[i]).claimant == address(0)) {
                w.violate("redeemBatch: skipped a redeemable fragment");
            } else {
                _afterRedeem(ids[i]);
            }
        }
        for (uint256 i = 0; i < size; ++i) {
            uint256 id = ids[i];
            if (expected[i] || id == 0 || id > count || _seenBefore(ids, i)) continue;
            // Not expected: it must still be live, or have been burned before this batch.
            if (voucher.fragment(id).owner == address(0) && !w.modelRedeemed(id)) {
                w.violate("redeemBatch: redeemed a fragment it should have skipped");
            }
        }
    }

    /// @notice Anyone pushes the rest of a claim after a late repayment.
    function claim(uint256 tokenSeed, uint256 callerSeed) external onClock {
        uint256 tokenId = w.pickClaim(tokenSeed, false);
        if (tokenId == 0) return _discard();
        ISettlement.Claim memory c = settlement.claimOf(tokenId);
        address caller = w.mostly(callerSeed, c.claimant);
        bool frozen = voucher.isFrozen(tokenId);
        Before memory b = _before(caller, 0);
        bool ok;
        bytes memory err;
        vm.prank(caller);
        try settlement.claim(tokenId) {
            ok = true;
        } catch (bytes memory e) {
            err = e;
        }
        _member("claim", ok, b, err);
        if (frozen) w.violate("claim: a frozen claim was paid");
        _modelPaid(tokenId, c);
    }

    /// @notice A financier writes off the unpaid rest of its claim.
    function writeOff(uint256 tokenSeed, uint256 callerSeed) external onClock {
        uint256 tokenId = w.pickClaim(tokenSeed >> 1, tokenSeed % 8 != 0);
        if (tokenId == 0) return _discard();
        ISettlement.Claim memory c = settlement.claimOf(tokenId);
        address caller = w.mostly(callerSeed, c.claimant);
        Before memory b = _before(caller, 0);
        bool ok;
        bytes memory err;
        uint256 amount;
        vm.prank(caller);
        try settlement.writeOff(tokenId, keccak256("uncollectable")) returns (uint256 written) {
            ok = true;
            amount = written;
        } catch (bytes memory e) {
            err = e;
        }
        _member("writeOff", ok, b, err);
        if (caller != c.claimant || !c.heldAsFinancier || c.writtenOff || amount != uint256(c.value) - c.paid) {
            w.violate("writeOff: wrong claimant, claim or amount");
        }
        if (w.modelCounted(tokenId)) w.subModelExposure(c.claimant, voucher.credit(c.creditId).obligor, amount);
    }

    function markOverdue(uint256 creditSeed, uint256 callerSeed) external onClock {
        uint256 creditId = w.pickCredit(creditSeed);
        if (creditId == 0) return _discard();
        ICreditVoucher.Credit memory cr = voucher.credit(creditId);
        address caller = w.anyActor(callerSeed);
        uint256 repaid = settlement.account(creditId).repaid;
        Before memory b = _before(caller, 0);
        bool ok;
        bytes memory err;
        vm.prank(caller);
        try settlement.markOverdue(creditId) {
            ok = true;
        } catch (bytes memory e) {
            err = e;
        }
        _member("markOverdue", ok, b, err);
        if (block.timestamp <= uint256(cr.maturity) + uint256(cr.gracePeriodDays) * 1 days || repaid >= cr.faceValue) {
            w.violate("markOverdue: marked before maturity plus grace, or when repaid");
        }
    }

    // ---------------------------------------------------------------- supervision

    /// @notice An auditor or the operator unfreezes a frozen fragment (half of the time, if one
    /// is), or freezes one (burned ones included); two freezes in three are lifted in the same step.
    function freezeFragment(uint256 tokenSeed, uint256 callerSeed) external onClock {
        uint256 n = voucher.tokenCount();
        if (n == 0) return _discard();
        uint256 tokenId = tokenSeed % 2 == 0 ? w.pickFrozenToken(tokenSeed >> 1) : 1 + (tokenSeed >> 1) % n;
        bool frozen = (tokenSeed >> 1) % 8 == 0 ? voucher.fragment(tokenId).frozen : !voucher.fragment(tokenId).frozen;
        address caller = _supervisor(callerSeed);
        bool allowed = _isSupervisor(caller);
        bool ok;
        bytes memory err;
        vm.prank(caller);
        try voucher.setFragmentFrozen(tokenId, frozen, keccak256("investigation")) {
            ok = true;
        } catch (bytes memory e) {
            err = e;
        }
        _supervision(frozen ? bytes32("freezeFragment") : bytes32("unfreezeFragment"), ok, allowed, err);
        if (frozen && callerSeed % 3 != 0) {
            vm.prank(caller);
            voucher.setFragmentFrozen(tokenId, false, keccak256("cleared"));
        }
    }

    /// @notice Freezes or unfreezes a whole credit; two freezes in three are lifted in the same step.
    function freezeCredit(uint256 creditSeed, uint256 callerSeed) external onClock {
        uint256 creditId = w.pickCredit(creditSeed);
        if (creditId == 0) return _discard();
        bool frozen = !voucher.credit(creditId).frozen;
        address caller = _supervisor(callerSeed);
        bool allowed = _isSupervisor(caller);
        bool ok;
        bytes memory err;
        vm.prank(caller);
        try voucher.setCreditFrozen(creditId, frozen, keccak256("investigation")) {
            ok = true;
        } catch (bytes memory e) {
            err = e;
        }
        _supervision(frozen ? bytes32("freezeCredit") : bytes32("unfreezeCredit"), ok, allowed, err);
        if (frozen && callerSeed % 3 != 0) {
            vm.prank(caller);
            voucher.setCreditFrozen(creditId, false, keccak256("cleared"));
        }
    }

    function liftQualityFreeze(uint256 creditSeed, uint256 callerSeed) external onClock {
        uint256 creditId = w.pickQualityFrozenCredit(creditSeed);
        if (creditId == 0) return _discard();
        address caller = _supervisor(callerSeed);
        bool allowed = _isSupervisor(caller);
        bool ok;
        bytes memory err;
        vm.prank(caller);
        try voucher.liftQualityFreeze(creditId, keccak256("re-inspected")) {
            ok = true;
        } catch (bytes memory e) {
            err = e;
        }
        _supervision("liftQualityFreeze", ok, allowed, err);
        if (ok && voucher.credit(creditId).certificateId == 0) {
            w.violate("liftQualityFreeze: lifted a credit with no certificate");
        }
    }

    // ---------------------------------------------------------------- internal

    /// @dev The obligor signs an EIP-2612 permit for exactly `amount` and repays with it.
    function _repayWithPermit(uint256 creditId, uint256 amount, uint256 index)
        private
        returns (bool ok, bytes memory err)
    {
        address caller = w.actor(index);
        uint256 deadline = block.timestamp + 1 hours;
        bytes32 digest = _permitDigest(caller, amount, cash.nonces(caller), deadline);
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(w.keyOf(index), digest);
        vm.prank(caller);
        try settlement.repayWithPermit(creditId, amount, deadline, v, r, s) {
            ok = true;
        } catch (bytes memory e) {
            err = e;
        }
        // The permit replaced the standing allowance: restore it, as the backend would.
        vm.prank(caller);
        try cash.approve(address(settlement), type(uint256).max) {} catch {}
    }

    /// @dev Matured, not frozen, not locked, held by an active member: what redemption takes.
    function _redeemable(uint256 tokenId) private view returns (bool) {
        ICreditVoucher.Fragment memory f = voucher.fragment(tokenId);
        if (f.owner == address(0) || f.locked || voucher.isFrozen(tokenId)) return false;
        if (block.timestamp < voucher.credit(f.creditId).maturity) return false;
        return w.isActive(f.owner);
    }

    function _seenBefore(uint256[] memory ids, uint256 i) private pure returns (bool) {
        for (uint256 k = 0; k < i; ++k) {
            if (ids[k] == ids[i]) return true;
        }
        return false;
    }

    /// @dev A claim now stands for the burned fragment; the model counts it as the fragment was
    /// counted and takes off what was paid on it.
    function _afterRedeem(uint256 tokenId) private {
        ISettlement.Claim memory c = settlement.claimOf(tokenId);
        // The burned fragment keeps its lineage fields, the flag included.
        if (c.heldAsFinancier != voucher.fragment(tokenId).heldAsFinancier) {
            w.violate("redeem: claim counts exposure unlike its fragment");
        }
        w.recordRedeemed(tokenId);
        ISettlement.Claim memory unpaid = c;
        unpaid.paid = 0;
        _modelPaid(tokenId, unpaid);
    }

    /// @dev Takes off the model what the claim was paid since `before`, if it counts.
    function _modelPaid(uint256 tokenId, ISettlement.Claim memory before) private {
        ISettlement.Claim memory c = settlement.claimOf(tokenId);
        uint256 paid = uint256(c.paid) - before.paid;
        if (w.modelCounted(tokenId) && !c.writtenOff && paid != 0) {
            w.subModelExposure(c.claimant, voucher.credit(c.creditId).obligor, paid);
        }
    }

    function _supervisor(uint256 seed) private view returns (address) {
        return w.mostly(seed, w.actor(seed % 2 == 0 ? w.AUDITOR() : w.OPERATOR()));
    }

    function _isSupervisor(address account) private view returns (bool) {
        return w.isActive(account) && consortium.roleBitsOf(account) & (Roles.AUDITOR_BIT | Roles.OPERATOR_BIT) != 0;
    }

    function _permitDigest(address owner, uint256 value, uint256 nonce, uint256 deadline)
        private
        view
        returns (bytes32)
    {
        bytes32 structHash = keccak256(abi.encode(_PERMIT_TYPEHASH, owner, address(settlement), value, nonce, deadline));
        return keccak256(abi.encodePacked("\x19\x01", cash.DOMAIN_SEPARATOR(), structHash));
    }
}
