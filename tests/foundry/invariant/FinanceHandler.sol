// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ICreditVoucher} from "../../../contracts/interfaces/ICreditVoucher.sol";
import {IFinancing} from "../../../contracts/interfaces/IFinancing.sol";
import {Roles} from "../../../contracts/libraries/Roles.sol";
import {vm} from "../Vm.sol";
import {HandlerBase} from "./HandlerBase.sol";
import {World} from "./World.sol";

/// @title Handler: discounting
/// @notice Financing requests on a fragment or part of one, quotes (plain and with a permit),
/// withdrawal, acceptance (delivery versus payment), cancellation and expiry.
contract FinanceHandler is HandlerBase {
    bytes32 private constant _PERMIT_TYPEHASH =
        keccak256("Permit(address owner,address spender,uint256 value,uint256 nonce,uint256 deadline)");

    constructor(World world) HandlerBase(world) {}

    function requestFinancing(uint256 tokenSeed, uint256 callerSeed, uint256 valueSeed, uint256 expirySeed)
        external
        onClock
    {
        uint256 tokenId = w.pickMovableToken(tokenSeed);
        if (tokenId == 0) return _discard();
        ICreditVoucher.Fragment memory f = voucher.fragment(tokenId);
        uint256 maturity = voucher.credit(f.creditId).maturity;
        uint256 value = _part(f.value, valueSeed);
        uint256 expiresAt = maturity > block.timestamp
            ? block.timestamp + 1 + expirySeed % (maturity - block.timestamp)
            : block.timestamp + 1;
        if (expirySeed % 16 == 0) expiresAt = maturity + 1;
        address caller = w.mostly(callerSeed, f.owner);
        uint8 maxDepth = consortium.limits().maxTierDepth;
        uint256 countBefore = voucher.tokenCount();
        Before memory b = _before(caller, tokenId);
        bool ok;
        bytes memory err;
        uint256 requestId;
        vm.prank(caller);
        try financing.requestFinancing(tokenId, value, expiresAt) returns (uint256 id) {
            ok = true;
            requestId = id;
        } catch (bytes memory e) {
            err = e;
        }
        _settle("requestFinancing", ok, err);
        _checkMove("requestFinancing", b, caller);
        _checkLock(requestId, tokenId, f, value, countBefore, maxDepth);
    }

    function _checkLock(
        uint256 requestId,
        uint256 tokenId,
        ICreditVoucher.Fragment memory f,
        uint256 value,
        uint256 countBefore,
        uint8 maxDepth
    ) private {
        w.recordRequest();
        if (requestId != w.requestCount()) w.violate("requestFinancing: request ids not consecutive");
        IFinancing.Request memory req = financing.request(requestId);
        if (req.holder != f.owner || req.value != value) w.violate("requestFinancing: request is not the holder's");
        ICreditVoucher.Fragment memory locked = voucher.fragment(req.tokenId);
        if (!locked.locked || locked.value != value || locked.owner != f.owner) {
            w.violate("requestFinancing: the requested value is not locked");
        }
        if (req.tokenId != tokenId) {
            if (req.tokenId != countBefore + 1 || locked.parentId != tokenId || locked.depth != f.depth) {
                w.violate("requestFinancing: lock split is not a same-tier child");
            }
            w.recordFragment(req.tokenId, maxDepth, false);
            w.setModelCounted(req.tokenId, w.modelCounted(tokenId));
        }
    }

    /// @notice A financier quotes an annual rate (1..10,000 bps; now and then out of range),
    /// a quarter of the time approving its payment with a permit in the same call.
    function submitQuote(uint256 requestSeed, uint256 callerSeed, uint256 rateSeed, uint256 permitSeed)
        external
        onClock
    {
        uint256 n = w.requestCount();
        if (n == 0) return _discard();
        uint256 requestId = _openRequest(requestSeed, n, false);
        uint256 index = callerSeed % 8 == 7
            ? (callerSeed >> 3) % w.ACTOR_COUNT()
            : (callerSeed % 3 == 2 ? w.LATE_BANK() : w.BANK_A() + callerSeed % 2);
        address caller = w.actor(index);
        uint256 rate = rateSeed % 16 == 0 ? rateSeed % 20_000 : 1 + rateSeed % 3_000;
        Before memory b = _before(caller, 0);
        bool ok;
        bytes memory err;
        if (permitSeed % 4 == 0) {
            uint256 deadline = block.timestamp + 1 hours;
            bytes32 digest = _permitDigest(caller, type(uint256).max, cash.nonces(caller), deadline);
            (uint8 v, bytes32 r, bytes32 s) = vm.sign(w.keyOf(index), digest);
            vm.prank(caller);
            try financing.submitQuoteWithPermit(requestId, rate, type(uint256).max, deadline, v, r, s) {
                ok = true;
            } catch (bytes memory e) {
                err = e;
            }
        } else {
            vm.prank(caller);
            try financing.submitQuote(requestId, rate) {
                ok = true;
            } catch (bytes memory e) {
                err = e;
            }
        }
        _member(permitSeed % 4 == 0 ? bytes32("submitQuoteWithPermit") : bytes32("submitQuote"), ok, b, err);
        w.recordQuote();
        if (consortium.roleBitsOf(caller) & Roles.FINANCIER_BIT == 0) {
            w.violate("submitQuote: quote by a non-financier");
        }
    }

    function withdrawQuote(uint256 quoteSeed, uint256 callerSeed) external onClock {
        uint256 n = w.quoteCount();
        if (n == 0) return _discard();
        uint256 quoteId = 1 + quoteSeed % n;
        address caller = w.mostly(callerSeed, financing.quote(quoteId).financier);
        Before memory b = _before(caller, 0);
        bool ok;
        bytes memory err;
        vm.prank(caller);
        try financing.withdrawQuote(quoteId) {
            ok = true;
        } catch (bytes memory e) {
            err = e;
        }
        _member("withdrawQuote", ok, b, err);
    }

    /// @notice The holder accepts a quote on its request: cash to the holder, fragment to the financier.
    function accept(uint256 requestSeed, uint256 quoteSeed, uint256 callerSeed) external onClock {
        uint256 n = w.requestCount();
        if (n == 0) return _discard();
        uint256 requestId = _openRequest(requestSeed, n, false);
        uint256 quoteId = _quoteOf(requestId, quoteSeed);
        // Half of the time a request without a live quote gets one first, so discounts complete.
        if ((quoteId == 0 || financing.quote(quoteId).requestId != requestId) && quoteSeed % 2 == 0) {
            quoteId = _quoteNow(requestId, quoteSeed >> 1);
        }
        if (quoteId == 0) return _discard();
        IFinancing.Request memory req = financing.request(requestId);
        address financier = financing.quote(quoteId).financier;
        address caller = w.mostly(callerSeed, req.holder);
        Before memory b = _before(caller, 0);
        bool deliverable = !voucher.isFrozen(req.tokenId) && block.timestamp < voucher.credit(req.creditId).maturity;
        uint256[2] memory cashBefore = [cash.balanceOf(req.holder), cash.balanceOf(financier)];
        bool ok;
        bytes memory err;
        uint256 price;
        vm.prank(caller);
        try financing.accept(requestId, quoteId) returns (uint256 paid) {
            ok = true;
            price = paid;
        } catch (bytes memory e) {
            err = e;
        }
        _member("accept", ok, b, err);
        if (!deliverable) w.violate("accept: frozen or matured value delivered");
        _checkDelivery(req, financier, price, cashBefore);
    }

    function _checkDelivery(
        IFinancing.Request memory req,
        address financier,
        uint256 price,
        uint256[2] memory cashBefore
    ) private {
        if (voucher.ownerOf(req.tokenId) != financier || voucher.fragment(req.tokenId).locked) {
            w.violate("accept: fragment not delivered unlocked to the financier");
        }
        if (!w.isActive(financier) || !w.isFinancier(financier)) {
            w.violate("accept: delivered to an inactive member or non-financier");
        }
        if (price > req.value) w.violate("accept: price above the value");
        if (
            financier != req.holder
                && (cash.balanceOf(req.holder) != cashBefore[0] + price
                    || cash.balanceOf(financier) + price != cashBefore[1])
        ) w.violate("accept: payment leg does not match the price");
        bool counted = w.modelCounted(req.tokenId);
        bool nowCounted = _modelCountsFor(req.holder, counted, financier);
        w.setModelCounted(req.tokenId, nowCounted);
        _modelMove(_obligorOf(req.tokenId), req.holder, counted, financier, nowCounted, req.value);
    }

    function cancelRequest(uint256 requestSeed, uint256 callerSeed) external onClock {
        uint256 n = w.requestCount();
        if (n == 0) return _discard();
        uint256 requestId = _openRequest(requestSeed, n, false);
        address caller = w.mostly(callerSeed, financing.request(requestId).holder);
        Before memory b = _before(caller, 0);
        bool ok;
        bytes memory err;
        vm.prank(caller);
        try financing.cancel(requestId) {
            ok = true;
        } catch (bytes memory e) {
            err = e;
        }
        _member("cancelRequest", ok, b, err);
        if (ok && voucher.fragment(financing.request(requestId).tokenId).locked) {
            w.violate("cancelRequest: fragment still locked");
        }
    }

    function expireRequest(uint256 requestSeed, uint256 callerSeed) external onClock {
        uint256 n = w.requestCount();
        if (n == 0) return _discard();
        uint256 requestId = _openRequest(requestSeed, n, true);
        address caller = w.anyActor(callerSeed);
        IFinancing.Request memory req = financing.request(requestId);
        Before memory b = _before(caller, 0);
        bool ok;
        bytes memory err;
        vm.prank(caller);
        try financing.expire(requestId) {
            ok = true;
        } catch (bytes memory e) {
            err = e;
        }
        _member("expireRequest", ok, b, err);
        if (ok && block.timestamp < req.expiresAt) w.violate("expireRequest: expired before its expiry");
    }

    /// @dev Mostly an open request not yet expired (expired, if `expired`), else an open one, else any.
    function _openRequest(uint256 seed, uint256 n, bool expired) private view returns (uint256) {
        uint256 start = (seed >> 3) % n;
        uint256 open = 0;
        for (uint256 k = 0; k < n; ++k) {
            uint256 id = (start + k) % n + 1;
            IFinancing.Request memory req = financing.request(id);
            if (req.status != IFinancing.RequestStatus.Open) continue;
            if ((req.expiresAt > block.timestamp) != expired && seed % 8 != 7) return id;
            if (open == 0) open = id;
        }
        return open == 0 ? start + 1 : open;
    }

    /// @dev A financier quotes on `requestId` now (swallowed if refused); the quote id, or 0.
    function _quoteNow(uint256 requestId, uint256 seed) private returns (uint256) {
        address financier = w.actor(seed % 2 == 0 ? w.BANK_A() : w.BANK_B());
        vm.prank(financier);
        try financing.submitQuote(requestId, 1 + (seed >> 1) % 3_000) returns (uint256 quoteId) {
            w.recordQuote();
            return quoteId;
        } catch {
            return 0;
        }
    }

    /// @dev A quote on `requestId` if there is one, else any quote, else 0.
    function _quoteOf(uint256 requestId, uint256 seed) private view returns (uint256) {
        uint256 n = w.quoteCount();
        if (n == 0) return 0;
        uint256 start = seed % n;
        for (uint256 k = 0; k < n; ++k) {
            uint256 id = (start + k) % n + 1;
            IFinancing.Quote memory q = financing.quote(id);
            if (q.requestId == requestId && !q.withdrawn) return id;
        }
        return start + 1;
    }

    function _permitDigest(address owner, uint256 value, uint256 nonce, uint256 deadline)
        private
        view
        returns (bytes32)
    {
        bytes32 structHash = keccak256(abi.encode(_PERMIT_TYPEHASH, owner, address(financing), value, nonce, deadline));
        return keccak256(abi.encodePacked("\x19\x01", cash.DOMAIN_SEPARATOR(), structHash));
    }
}
