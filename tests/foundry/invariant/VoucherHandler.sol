// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ICreditVoucher} from "../../../contracts/interfaces/ICreditVoucher.sol";
import {IInvoiceRegistry} from "../../../contracts/interfaces/IInvoiceRegistry.sol";
import {vm} from "../Vm.sol";
import {HandlerBase} from "./HandlerBase.sol";
import {World} from "./World.sol";

/// @title Handler: moving voucher value
/// @notice Split-transfers citing invoices, both ERC-3525 transferFroms, ERC-721 transfers (plain
/// and safe), and the three kinds of approval. The caller is mostly the holder, sometimes the
/// token's approved address, sometimes anyone.
contract VoucherHandler is HandlerBase {
    constructor(World world) HandlerBase(world) {}

    /// @notice The holder pays its supplier with part of a fragment, citing an invoice it owes.
    function splitTransfer(uint256 tokenSeed, uint256 callerSeed, uint256 invoiceSeed, uint256 valueSeed)
        external
        onClock
    {
        uint256 tokenId = w.pickMovableToken(tokenSeed);
        if (tokenId == 0) return _discard();
        ICreditVoucher.Fragment memory f = voucher.fragment(tokenId);
        uint256 invoiceId = w.pickOpenInvoiceOwedBy(f.owner, invoiceSeed);
        if (invoiceId == 0 && invoiceSeed % 4 != 0) {
            address seller = w.pick(invoiceSeed >> 2, w.SUPPLIER_1(), w.SUPPLIER_4());
            invoiceId = _openInvoice(seller, f.owner, 1 + (valueSeed >> 8) % (2 * uint256(f.value) + 1));
        }
        if (invoiceId == 0) invoiceId = w.pickInvoice(invoiceSeed);
        if (invoiceId == 0) return _discard();
        IInvoiceRegistry.Invoice memory inv = invoices.invoice(invoiceId);
        address to = w.mostly(invoiceSeed >> 32, inv.seller);
        uint256 value = _part(f.value < inv.remaining ? f.value : inv.remaining, valueSeed);
        if (value == 0) value = 1;
        address caller = _caller(tokenId, f.owner, callerSeed);
        uint8 maxDepth = consortium.limits().maxTierDepth;
        Before memory b = _before(caller, tokenId);
        bool ok;
        bytes memory err;
        uint256 newId;
        vm.prank(caller);
        try voucher.splitTransfer(tokenId, to, value, invoiceId) returns (uint256 id) {
            ok = true;
            newId = id;
        } catch (bytes memory e) {
            err = e;
        }
        _settle("splitTransfer", ok, err);
        _checkMove("splitTransfer", b, to);
        ICreditVoucher.Fragment memory created = voucher.fragment(newId);
        if (created.depth != f.depth + 1 || created.parentId != tokenId || created.invoiceId != invoiceId) {
            w.violate("splitTransfer: new fragment is not one tier below its source");
        }
        if (inv.seller != to || inv.buyer != f.owner) w.violate("splitTransfer: invoice parties do not match the hop");
        w.recordFragment(newId, maxDepth, true);
        w.recordDraw(invoiceId, value);
        _modelSplit(tokenId, newId, f.owner, to, value);
    }

    /// @notice ERC-3525 value into a new fragment of `to` (mostly a financier: between suppliers it needs a trade reference).
    function transferValueToAddress(uint256 tokenSeed, uint256 callerSeed, uint256 toSeed, uint256 valueSeed)
        external
        onClock
    {
        uint256 tokenId = w.pickMovableToken(tokenSeed);
        if (tokenId == 0) return _discard();
        ICreditVoucher.Fragment memory f = voucher.fragment(tokenId);
        address to = toSeed % 4 == 0 ? f.owner : w.pick(toSeed >> 2, w.BANK_A(), w.BANK_B());
        uint256 value = _part(f.value, valueSeed);
        address caller = _caller(tokenId, f.owner, callerSeed);
        uint8 maxDepth = consortium.limits().maxTierDepth;
        Before memory b = _before(caller, tokenId);
        bool ok;
        bytes memory err;
        uint256 newId;
        vm.prank(caller);
        try voucher.transferFrom(tokenId, to, value) returns (uint256 id) {
            ok = true;
            newId = id;
        } catch (bytes memory e) {
            err = e;
        }
        _settle("transferValueToAddress", ok, err);
        _checkMove("transferValueToAddress", b, to);
        ICreditVoucher.Fragment memory created = voucher.fragment(newId);
        if (created.depth != f.depth || created.parentId != tokenId) {
            w.violate("transferValueToAddress: new fragment is not a same-tier child of its source");
        }
        w.recordFragment(newId, maxDepth, false);
        _modelSplit(tokenId, newId, f.owner, to, value);
    }

    /// @notice ERC-3525 value from a fragment into an existing one: mostly a child of the source
    /// (the only target the voucher accepts), sometimes any live fragment.
    function transferValueToToken(uint256 tokenSeed, uint256 callerSeed, uint256 targetSeed, uint256 valueSeed)
        external
        onClock
    {
        uint256 tokenId = w.pickMovableToken(tokenSeed);
        if (tokenId == 0) return _discard();
        uint256 targetId =
            targetSeed % 8 == 0 ? w.pickLiveToken(targetSeed >> 3) : w.pickChild(tokenId, targetSeed >> 3);
        if (targetId == 0) return _discard();
        ICreditVoucher.Fragment memory f = voucher.fragment(tokenId);
        ICreditVoucher.Fragment memory target = voucher.fragment(targetId);
        uint256 value = _part(f.value, valueSeed);
        address caller = _caller(tokenId, f.owner, callerSeed);
        Before memory b = _before(caller, tokenId);
        bool targetMovable = !voucher.isFrozen(targetId) && !target.locked;
        bool ok;
        bytes memory err;
        vm.prank(caller);
        try voucher.transferFrom(tokenId, targetId, value) {
            ok = true;
        } catch (bytes memory e) {
            err = e;
        }
        _settle("transferValueToToken", ok, err);
        _checkMove("transferValueToToken", b, target.owner);
        if (target.depth < f.depth || target.creditId != f.creditId) {
            w.violate("transferValueToToken: value moved to a shallower tier or another credit");
        }
        if (!targetMovable) w.violate("transferValueToToken: value moved into a frozen or locked fragment");
        _modelInto(tokenId, targetId, f.owner, target, value);
    }

    /// @notice An ERC-721 transfer of a whole fragment, plain or safe; to a financier mostly, to
    /// its own holder one time in four.
    function transferToken(uint256 tokenSeed, uint256 callerSeed, uint256 toSeed, bool safe) external onClock {
        uint256 tokenId = w.pickMovableToken(tokenSeed);
        if (tokenId == 0) return _discard();
        ICreditVoucher.Fragment memory f = voucher.fragment(tokenId);
        address to = toSeed % 4 == 0 ? f.owner : w.pick(toSeed >> 2, w.BANK_A(), w.BANK_B());
        address from = toSeed % 32 == 1 ? w.anyActor(toSeed >> 5) : f.owner;
        address caller = _caller(tokenId, f.owner, callerSeed);
        Before memory b = _before(caller, tokenId);
        bool ok;
        bytes memory err;
        vm.prank(caller);
        if (safe) {
            try voucher.safeTransferFrom(from, to, tokenId) {
                ok = true;
            } catch (bytes memory e) {
                err = e;
            }
        } else {
            try voucher.transferFrom(from, to, tokenId) {
                ok = true;
            } catch (bytes memory e) {
                err = e;
            }
        }
        _settle(safe ? bytes32("safeTransferToken") : bytes32("transferToken"), ok, err);
        _checkMove("transferToken", b, to);
        if (from != f.owner) w.violate("transferToken: moved from someone who does not hold it");
        bool counted = w.modelCounted(tokenId);
        bool nowCounted = _modelCountsFor(f.owner, counted, to);
        w.setModelCounted(tokenId, nowCounted);
        _modelMove(_obligorOf(tokenId), f.owner, counted, to, nowCounted, f.value);
    }

    /// @notice ERC-3525 value allowance, set by the holder (or its operator) for another actor.
    function approveValue(uint256 tokenSeed, uint256 callerSeed, uint256 operatorSeed, uint256 valueSeed)
        external
        onClock
    {
        uint256 tokenId = w.pickLiveToken(tokenSeed);
        if (tokenId == 0) return _discard();
        address holder = voucher.ownerOf(tokenId);
        address caller = _caller(tokenId, holder, callerSeed);
        address operator = w.anyActor(operatorSeed);
        uint256 value = valueSeed % 4 == 0 ? type(uint256).max : valueSeed % (voucher.balanceOf(tokenId) + 2);
        Before memory b = _before(caller, 0);
        bool ok;
        bytes memory err;
        vm.prank(caller);
        try voucher.approve(tokenId, operator, value) {
            ok = true;
        } catch (bytes memory e) {
            err = e;
        }
        _member("approveValue", ok, b, err);
    }

    /// @notice ERC-721 approval of one fragment.
    function approveToken(uint256 tokenSeed, uint256 callerSeed, uint256 toSeed) external onClock {
        uint256 tokenId = w.pickLiveToken(tokenSeed);
        if (tokenId == 0) return _discard();
        address holder = voucher.ownerOf(tokenId);
        address caller = w.mostly(callerSeed, holder);
        address to = toSeed % 8 == 0 ? address(0) : w.anyActor(toSeed);
        Before memory b = _before(caller, 0);
        bool ok;
        bytes memory err;
        vm.prank(caller);
        try voucher.approve(to, tokenId) {
            ok = true;
        } catch (bytes memory e) {
            err = e;
        }
        _member("approveToken", ok, b, err);
    }

    function setApprovalForAll(uint256 ownerSeed, uint256 operatorSeed, bool approved) external onClock {
        address owner = w.anyActor(ownerSeed);
        address operator = w.anyActor(operatorSeed);
        Before memory b = _before(owner, 0);
        bool ok;
        bytes memory err;
        vm.prank(owner);
        try voucher.setApprovalForAll(operator, approved) {
            ok = true;
        } catch (bytes memory e) {
            err = e;
        }
        _member("setApprovalForAll", ok, b, err);
    }

    /// @dev Mostly the holder; one time in eight the token's approved address (if any); one in eight anyone.
    function _caller(uint256 tokenId, address holder, uint256 seed) private view returns (address) {
        uint256 mode = seed % 8;
        if (mode == 6) {
            address approved = voucher.getApproved(tokenId);
            return approved == address(0) ? holder : approved;
        }
        if (mode == 7) return w.anyActor(seed >> 3);
        return holder;
    }

    /// @dev The model after `value` moved into an existing fragment: from another member, the
    /// target counts by its owner's role now, the value it already held included (the voucher's
    /// rule for a member made or unmade a financier since it took the fragment); between two
    /// fragments of one owner nothing is recounted.
    function _modelInto(
        uint256 tokenId,
        uint256 targetId,
        address holder,
        ICreditVoucher.Fragment memory target,
        uint256 value
    ) private {
        address obligor = _obligorOf(tokenId);
        bool targetCounted = w.modelCounted(targetId);
        if (holder != target.owner) {
            bool nowCounted = w.isFinancier(target.owner);
            if (nowCounted != targetCounted) {
                _modelMove(obligor, target.owner, targetCounted, target.owner, nowCounted, target.value);
                w.setModelCounted(targetId, nowCounted);
                targetCounted = nowCounted;
            }
        }
        _modelMove(obligor, holder, w.modelCounted(tokenId), target.owner, targetCounted, value);
    }

    /// @dev The model after `value` moved from `tokenId` into the new fragment `newId` of `to`.
    function _modelSplit(uint256 tokenId, uint256 newId, address holder, address to, uint256 value) private {
        bool fromCounted = w.modelCounted(tokenId);
        bool toCounted = _modelCountsFor(holder, fromCounted, to);
        w.setModelCounted(newId, toCounted);
        _modelMove(_obligorOf(tokenId), holder, fromCounted, to, toCounted, value);
    }
}
