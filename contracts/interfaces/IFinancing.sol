// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title TierCredit financing: discounting vouchers for cash today
/// @notice A holder locks value and asks for cash; financiers quote an annual discount rate; the
/// holder accepts one quote and, in one transaction, the financier pays
/// `value - value * rate * daysToMaturity / 365` in SettlementToken and receives the fragment.
interface IFinancing {
    enum RequestStatus {
        None,
        Open,
        Accepted,
        Cancelled,
        Expired
    }

    struct Request {
        address holder;
        uint64 tokenId;
        uint40 expiresAt;
        RequestStatus status;
        uint96 value;
        uint64 acceptedQuoteId;
        uint64 creditId;
    }

    struct Quote {
        address financier;
        uint64 requestId;
        uint16 rateBps;
        bool withdrawn;
    }

    /// @notice Emitted when a holder locks value and asks for cash.
    /// @param requestId the new request
    /// @param holder the member asking
    /// @param tokenId the locked fragment
    /// @param value the value locked
    /// @param expiresAt when the request expires, as a Unix time
    event FinancingRequested(
        uint256 indexed requestId, address indexed holder, uint256 indexed tokenId, uint256 value, uint256 expiresAt
    );
    /// @notice Emitted when a financier offers an annual discount rate.
    /// @param quoteId the new quote
    /// @param requestId the request quoted on
    /// @param financier the financier
    /// @param rateBps the annual rate in basis points
    event QuoteSubmitted(uint256 indexed quoteId, uint256 indexed requestId, address indexed financier, uint256 rateBps);
    /// @notice Emitted when a financier withdraws its quote.
    /// @param quoteId the quote
    event QuoteWithdrawn(uint256 indexed quoteId);
    /// @notice Emitted when the holder accepts a quote: the price paid to the holder against the fragment.
    /// @param requestId the request
    /// @param quoteId the quote accepted
    /// @param financier the financier, who receives the fragment
    /// @param price the SettlementToken amount paid to the holder
    /// @param daysToMaturity the days counted, a part day as a day
    event FinancingAccepted(
        uint256 indexed requestId, uint256 indexed quoteId, address indexed financier, uint256 price, uint256 daysToMaturity
    );
    /// @notice Emitted when the holder cancels its request; the fragment is unlocked.
    /// @param requestId the request
    event FinancingCancelled(uint256 indexed requestId);
    /// @notice Emitted when a member closes an expired request; the fragment is unlocked.
    /// @param requestId the request
    event FinancingExpired(uint256 indexed requestId);

    /// @notice No request has this id.
    /// @param requestId the id
    error FinancingRequestNotFound(uint256 requestId);
    /// @notice No quote has this id, or it belongs to another request.
    /// @param requestId the request named (0 when none was)
    /// @param quoteId the quote
    error FinancingQuoteNotFound(uint256 requestId, uint256 quoteId);
    /// @notice The request is not open.
    /// @param requestId the request
    /// @param status its status
    error FinancingRequestNotOpen(uint256 requestId, RequestStatus status);
    /// @notice The request has expired.
    /// @param requestId the request
    /// @param expiresAt when it expired
    error FinancingRequestExpired(uint256 requestId, uint256 expiresAt);
    /// @notice The request has not expired yet.
    /// @param requestId the request
    /// @param expiresAt when it expires
    error FinancingRequestNotExpired(uint256 requestId, uint256 expiresAt);
    /// @notice Expiry must be in the future and no later than the credit's maturity.
    /// @param expiresAt the expiry asked for
    /// @param maturity the credit's maturity
    error FinancingInvalidExpiry(uint256 expiresAt, uint256 maturity);
    /// @notice The rate must be between 1 and `maxRateBps` basis points a year.
    /// @param rateBps the rate asked for
    /// @param maxRateBps the highest rate
    error FinancingInvalidRate(uint256 rateBps, uint256 maxRateBps);
    /// @notice The caller is not the party this action needs (the holder, or the quote's financier).
    /// @param account the caller
    error FinancingUnauthorized(address account);
    /// @notice The quote was withdrawn.
    /// @param quoteId the quote
    error FinancingQuoteWithdrawn(uint256 quoteId);
    /// @notice The discount would consume the whole value.
    /// @param value the value locked
    /// @param rateBps the quote's rate
    /// @param daysToMaturity the days left
    error FinancingNothingToPay(uint256 value, uint256 rateBps, uint256 daysToMaturity);

    /// @notice The holder locks value of a fragment and asks for cash.
    /// @param tokenId the holder's fragment
    /// @param value the value to lock (split off unless it is the whole fragment)
    /// @param expiresAt when the request expires, no later than maturity
    /// @return requestId the new request, counting from 1
    function requestFinancing(uint256 tokenId, uint256 value, uint256 expiresAt) external returns (uint256 requestId);

    /// @notice A financier with a credit line to the obligor offers an annual discount rate.
    /// The financier must have approved this contract for the price in SettlementToken.
    /// @param requestId the open request
    /// @param rateBps the annual rate in basis points (1 to MAX_RATE_BPS)
    /// @return quoteId the new quote, counting from 1
    function submitQuote(uint256 requestId, uint256 rateBps) external returns (uint256 quoteId);

    /// @notice As `submitQuote`, approving the payment with an EIP-2612 permit in the same call.
    /// @param requestId the open request
    /// @param rateBps the annual rate in basis points
    /// @param permitValue the allowance the permit grants this contract
    /// @param deadline the permit's deadline
    /// @param v the permit signature's v
    /// @param r the permit signature's r
    /// @param s the permit signature's s
    /// @return quoteId the new quote
    function submitQuoteWithPermit(uint256 requestId, uint256 rateBps, uint256 permitValue, uint256 deadline, uint8 v, bytes32 r, bytes32 s)
        external
        returns (uint256 quoteId);

    /// @notice The financier withdraws its quote while the request is open.
    /// @param quoteId the quote
    function withdrawQuote(uint256 quoteId) external;

    /// @notice The holder accepts a quote: cash to the holder and fragment to the financier, atomically.
    /// @param requestId the request
    /// @param quoteId the quote
    /// @return price the SettlementToken amount paid to the holder
    function accept(uint256 requestId, uint256 quoteId) external returns (uint256 price);

    /// @notice The holder cancels an open request; the fragment is unlocked.
    /// @param requestId the request
    function cancel(uint256 requestId) external;

    /// @notice Any active member closes an open request past its expiry; the fragment is unlocked.
    /// @param requestId the request
    function expire(uint256 requestId) external;

    /// @notice The price a quote pays now: `value - value * rateBps * days / (365 * 10_000)`, days rounded up.
    /// @param requestId the request
    /// @param quoteId the quote
    /// @return price the SettlementToken amount
    /// @return daysToMaturity the days counted
    function priceOf(uint256 requestId, uint256 quoteId) external view returns (uint256 price, uint256 daysToMaturity);

    /// @notice A request.
    /// @param requestId the request
    /// @return req the request
    function request(uint256 requestId) external view returns (Request memory req);

    /// @notice A quote.
    /// @param quoteId the quote
    /// @return q the quote
    function quote(uint256 quoteId) external view returns (Quote memory q);
}
