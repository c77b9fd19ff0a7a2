// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ERC2771Context} from "@openzeppelin/contracts/metatx/ERC2771Context.sol";
import {IERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Permit.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ReentrancyGuard} from "@openzeppelin/contracts/utils/ReentrancyGuard.sol";
import {IConsortium} from "./interfaces/IConsortium.sol";
import {ICreditVoucher} from "./interfaces/ICreditVoucher.sol";
import {IFinancing} from "./interfaces/IFinancing.sol";
import {ISettlementToken} from "./interfaces/ISettlementToken.sol";
import {Roles} from "./libraries/Roles.sol";

// Time rules here are days or months apart (tenor, maturity, expiry, grace); the seconds of leeway a
// block producer has over `block.timestamp` cannot change an outcome that matters.
// slither-disable-start timestamp
/// @title Financing
/// @notice Discounting: competing quotes on locked voucher value, settled delivery versus payment.
contract Financing is IFinancing, ReentrancyGuard, ERC2771Context {
    using SafeERC20 for ISettlementToken;

    /// @notice Highest annual discount rate a quote may carry: 100 % a year.
    uint256 public constant MAX_RATE_BPS = 10_000;
    uint256 private constant _BPS_DAYS_PER_YEAR = 10_000 * 365;

    IConsortium private immutable _consortium;
    ICreditVoucher private immutable _voucher;
    ISettlementToken private immutable _cash;
    uint256 private _requestCount;
    uint256 private _quoteCount;
    mapping(uint256 requestId => Request) private _requests;
    mapping(uint256 quoteId => Quote) private _quotes;

    constructor(IConsortium consortium, ICreditVoucher voucher, ISettlementToken cash) ERC2771Context(consortium.trustedForwarder()) {
        _consortium = consortium;
        _voucher = voucher;
        _cash = cash;
    }

    /// @dev The voucher is this platform's own contract, fixed at construction; it cannot re-enter.
    /// @inheritdoc IFinancing
    // slither-disable-next-line reentrancy-benign
    function requestFinancing(uint256 tokenId, uint256 value, uint256 expiresAt)
        external
        nonReentrant
        returns (uint256 requestId)
    {
        uint256 creditId = _voucher.slotOf(tokenId);
        uint256 maturity = _voucher.credit(creditId).maturity;
        if (expiresAt <= block.timestamp || expiresAt > maturity) revert FinancingInvalidExpiry(expiresAt, maturity);
        uint256 lockedTokenId = _voucher.lock(tokenId, value, _msgSender());
        requestId = ++_requestCount;
        _requests[requestId] = Request({
            holder: _msgSender(),
            tokenId: uint64(lockedTokenId),
            expiresAt: uint40(expiresAt),
            status: RequestStatus.Open,
            value: uint96(value),
            acceptedQuoteId: 0,
            creditId: uint64(creditId)
        });
        emit FinancingRequested(requestId, _msgSender(), lockedTokenId, value, expiresAt);
    }

    /// @inheritdoc IFinancing
    function submitQuote(uint256 requestId, uint256 rateBps) external returns (uint256 quoteId) {
        return _submitQuote(requestId, rateBps);
    }

    /// @dev The permit goes to this platform's own SettlementToken, which cannot re-enter.
    /// @inheritdoc IFinancing
    // slither-disable-next-line reentrancy-benign,reentrancy-events
    function submitQuoteWithPermit(
        uint256 requestId,
        uint256 rateBps,
        uint256 permitValue,
        uint256 deadline,
        uint8 v,
        bytes32 r,
        bytes32 s
    ) external returns (uint256 quoteId) {
        _tryPermit(permitValue, deadline, v, r, s);
        return _submitQuote(requestId, rateBps);
    }

    /// @inheritdoc IFinancing
    function withdrawQuote(uint256 quoteId) external {
        Quote storage q = _quotes[quoteId];
        if (q.financier == address(0)) revert FinancingQuoteNotFound(0, quoteId);
        if (q.financier != _msgSender()) revert FinancingUnauthorized(_msgSender());
        if (q.withdrawn) revert FinancingQuoteWithdrawn(quoteId);
        _consortium.requireActive(_msgSender());
        _openRequest(q.requestId);
        q.withdrawn = true;
        emit QuoteWithdrawn(quoteId);
    }

    /// @inheritdoc IFinancing
    function accept(uint256 requestId, uint256 quoteId) external nonReentrant returns (uint256 price) {
        Request storage req = _openRequest(requestId);
        if (req.holder != _msgSender()) revert FinancingUnauthorized(_msgSender());
        if (block.timestamp >= req.expiresAt) revert FinancingRequestExpired(requestId, req.expiresAt);
        Quote storage q = _quoteFor(requestId, quoteId);
        // The buyer must still be an active financier: a quote outlives no role.
        _consortium.requireActiveRole(q.financier, Roles.FINANCIER);
        uint256 daysToMaturity;
        (price, daysToMaturity) = _price(req, q);
        req.status = RequestStatus.Accepted;
        req.acceptedQuoteId = uint64(quoteId);
        emit FinancingAccepted(requestId, quoteId, q.financier, price, daysToMaturity);
        // Delivery versus payment: both legs or neither. Paying from the quoting financier is its
        // consent: a quote is only ever recorded with its financier as the caller (_msgSender()).
        // slither-disable-next-line arbitrary-send-erc20
        _cash.safeTransferFrom(q.financier, _msgSender(), price);
        _voucher.deliverLocked(req.tokenId, q.financier);
    }

    /// @inheritdoc IFinancing
    function cancel(uint256 requestId) external nonReentrant {
        Request storage req = _openRequest(requestId);
        if (req.holder != _msgSender()) revert FinancingUnauthorized(_msgSender());
        _consortium.requireActive(_msgSender());
        req.status = RequestStatus.Cancelled;
        emit FinancingCancelled(requestId);
        _voucher.unlock(req.tokenId);
    }

    /// @inheritdoc IFinancing
    function expire(uint256 requestId) external nonReentrant {
        Request storage req = _openRequest(requestId);
        if (block.timestamp < req.expiresAt) revert FinancingRequestNotExpired(requestId, req.expiresAt);
        _consortium.requireActive(_msgSender());
        req.status = RequestStatus.Expired;
        emit FinancingExpired(requestId);
        _voucher.unlock(req.tokenId);
    }

    /// @inheritdoc IFinancing
    function priceOf(uint256 requestId, uint256 quoteId) external view returns (uint256 price, uint256 daysToMaturity) {
        Request storage req = _requests[requestId];
        if (req.status == RequestStatus.None) revert FinancingRequestNotFound(requestId);
        return _price(req, _quoteFor(requestId, quoteId));
    }

    /// @inheritdoc IFinancing
    function request(uint256 requestId) external view returns (Request memory) {
        Request memory req = _requests[requestId];
        if (req.status == RequestStatus.None) revert FinancingRequestNotFound(requestId);
        return req;
    }

    /// @inheritdoc IFinancing
    function quote(uint256 quoteId) external view returns (Quote memory) {
        Quote memory q = _quotes[quoteId];
        if (q.financier == address(0)) revert FinancingQuoteNotFound(0, quoteId);
        return q;
    }

    function _submitQuote(uint256 requestId, uint256 rateBps) private returns (uint256 quoteId) {
        Request storage req = _openRequest(requestId);
        if (block.timestamp >= req.expiresAt) revert FinancingRequestExpired(requestId, req.expiresAt);
        if (rateBps == 0 || rateBps > MAX_RATE_BPS) revert FinancingInvalidRate(rateBps, MAX_RATE_BPS);
        _consortium.requireActiveRole(_msgSender(), Roles.FINANCIER);
        // Fail early when the line cannot take the value; acceptance checks again atomically.
        _consortium.requireExposureHeadroom(_msgSender(), _voucher.credit(req.creditId).obligor, req.value);
        quoteId = ++_quoteCount;
        _quotes[quoteId] =
            Quote({financier: _msgSender(), requestId: uint64(requestId), rateBps: uint16(rateBps), withdrawn: false});
        emit QuoteSubmitted(quoteId, requestId, _msgSender(), rateBps);
    }

    /// @dev A permit someone else already submitted must not block the call: the allowance it set
    /// is what `accept` spends, and a missing one fails there with the token's own error.
    function _tryPermit(uint256 value, uint256 deadline, uint8 v, bytes32 r, bytes32 s) private {
        try IERC20Permit(address(_cash)).permit(_msgSender(), address(this), value, deadline, v, r, s) {}
        catch {}
    }

    function _openRequest(uint256 requestId) private view returns (Request storage req) {
        req = _requests[requestId];
        if (req.status != RequestStatus.Open) {
            if (req.status == RequestStatus.None) revert FinancingRequestNotFound(requestId);
            revert FinancingRequestNotOpen(requestId, req.status);
        }
    }

    function _quoteFor(uint256 requestId, uint256 quoteId) private view returns (Quote storage q) {
        q = _quotes[quoteId];
        if (q.financier == address(0) || q.requestId != requestId) revert FinancingQuoteNotFound(requestId, quoteId);
        if (q.withdrawn) revert FinancingQuoteWithdrawn(quoteId);
    }

    /// @dev value - value * rate * days / 365, with days to maturity rounded up: a part day costs a day.
    function _price(Request storage req, Quote storage q) private view returns (uint256 price, uint256 daysToMaturity) {
        uint256 maturity = _voucher.credit(req.creditId).maturity;
        daysToMaturity = maturity > block.timestamp ? (maturity - block.timestamp + 1 days - 1) / 1 days : 0;
        uint256 value = req.value;
        uint256 discount = (value * q.rateBps * daysToMaturity) / _BPS_DAYS_PER_YEAR;
        if (discount >= value) revert FinancingNothingToPay(value, q.rateBps, daysToMaturity);
        price = value - discount;
    }
}
// slither-disable-end timestamp
