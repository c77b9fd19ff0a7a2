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

    /// @notice Emitted when `holder` locks `value` as fragment `tokenId` and asks for cash until `expiresAt`.
    event FinancingRequested(
        uint256 indexed requestId, address indexed holder, uint256 indexed tokenId, uint256 value, uint256 expiresAt
    );
    /// @notice Emitted when `financier` offers an annual discount rate in basis points.
    event QuoteSubmitted(uint256 indexed quoteId, uint256 indexed requestId, address indexed financier, uint256 rateBps);
    /// @notice Emitted when a financier withdraws its quote.
    event QuoteWithdrawn(uint256 indexed quoteId);
    /// @notice Emitted when the holder accepts a quote: `price` paid to the holder against the fragment.
    event FinancingAccepted(
        uint256 indexed requestId, uint256 indexed quoteId, address indexed financier, uint256 price, uint256 daysToMaturity
    );
    /// @notice Emitted when the holder cancels its request; the fragment is unlocked.
    event FinancingCancelled(uint256 indexed requestId);
    /// @notice Emitted when anyone closes an expired request; the fragment is unlocked.
    event FinancingExpired(uint256 indexed requestId);

    /// @notice No request has this id.
    error FinancingRequestNotFound(uint256 requestId);
    /// @notice No quote has this id, or it belongs to another request.
    error FinancingQuoteNotFound(uint256 requestId, uint256 quoteId);
    /// @notice The request is not open.
    error FinancingRequestNotOpen(uint256 requestId, RequestStatus status);
    /// @notice The request expired at `expiresAt`.
    error FinancingRequestExpired(uint256 requestId, uint256 expiresAt);
    /// @notice The request has not expired yet.
    error FinancingRequestNotExpired(uint256 requestId, uint256 expiresAt);
    /// @notice Expiry must be in the future and before the credit matures.
    error FinancingInvalidExpiry(uint256 expiresAt, uint256 maturity);
    /// @notice The rate must be between 1 and `maxRateBps` basis points a year.
    error FinancingInvalidRate(uint256 rateBps, uint256 maxRateBps);
    /// @notice `account` is not the party this action needs.
    error FinancingUnauthorized(address account);
    /// @notice The quote was withdrawn.
    error FinancingQuoteWithdrawn(uint256 quoteId);
    /// @notice The discount would consume the whole value.
    error FinancingNothingToPay(uint256 value, uint256 rateBps, uint256 daysToMaturity);

    /// @notice The holder locks `value` of `tokenId` and asks for cash until `expiresAt`.
    /// @return requestId the new request, counting from 1
    function requestFinancing(uint256 tokenId, uint256 value, uint256 expiresAt) external returns (uint256 requestId);

    /// @notice A financier with a credit line to the obligor offers an annual discount rate.
    /// The financier must have approved this contract for the price in SettlementToken.
    /// @return quoteId the new quote, counting from 1
    function submitQuote(uint256 requestId, uint256 rateBps) external returns (uint256 quoteId);

    /// @notice As `submitQuote`, approving the payment with an EIP-2612 permit in the same call.
    function submitQuoteWithPermit(uint256 requestId, uint256 rateBps, uint256 permitValue, uint256 deadline, uint8 v, bytes32 r, bytes32 s)
        external
        returns (uint256 quoteId);

    /// @notice The financier withdraws its quote while the request is open.
    function withdrawQuote(uint256 quoteId) external;

    /// @notice The holder accepts a quote: cash to the holder and fragment to the financier, atomically.
    /// @return price the SettlementToken amount paid to the holder
    function accept(uint256 requestId, uint256 quoteId) external returns (uint256 price);

    /// @notice The holder cancels an open request; the fragment is unlocked.
    function cancel(uint256 requestId) external;

    /// @notice Anyone closes an open request past its expiry; the fragment is unlocked.
    function expire(uint256 requestId) external;

    /// @notice The price a quote pays now: `value - value * rateBps * days / (365 * 10_000)`, days rounded up.
    function priceOf(uint256 requestId, uint256 quoteId) external view returns (uint256 price, uint256 daysToMaturity);

    /// @notice The request `requestId`.
    function request(uint256 requestId) external view returns (Request memory);

    /// @notice The quote `quoteId`.
    function quote(uint256 quoteId) external view returns (Quote memory);
}
