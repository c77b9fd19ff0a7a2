// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title TierCredit settlement: repayment by the obligor and redemption by holders
/// @notice The obligor repays a credit in parts at any time. From maturity each holder redeems its
/// fragments (pull), or anyone pushes a bounded batch. Past maturity plus the grace period an
/// unpaid credit can be marked overdue; if a credit is only partly funded, redemption pays pro
/// rata and the rest stays claimable as late repayments arrive.
interface ISettlement {
    struct CreditAccount {
        uint96 repaid;
        uint96 paidOut;
        bool overdue;
    }

    struct Claim {
        address claimant;
        uint96 value;
        uint96 paid;
        uint64 creditId;
    }

    /// @notice Emitted when `payer` repays `amount` of `creditId`; `totalRepaid` is the running sum.
    event CreditRepaid(uint256 indexed creditId, address indexed payer, uint256 amount, uint256 totalRepaid);
    /// @notice Emitted when fragment `tokenId` of `value` is redeemed in favour of `holder`.
    event FragmentRedeemed(uint256 indexed tokenId, uint256 indexed creditId, address indexed holder, uint256 value);
    /// @notice Emitted whenever a claim is paid: at redemption and on later claims after late repayment.
    event ClaimPaid(uint256 indexed tokenId, address indexed claimant, uint256 amount, uint256 totalPaid);
    /// @notice Emitted when a credit is marked overdue.
    event CreditOverdue(uint256 indexed creditId, uint256 repaid, uint256 faceValue);

    /// @notice Only the obligor repays its credit.
    error SettlementNotObligor(uint256 creditId, address caller);
    /// @notice Repayment of zero or past the face value.
    error SettlementInvalidRepayment(uint256 creditId, uint256 amount, uint256 outstanding);
    /// @notice Only the holder redeems its own fragment (others use the batch push).
    error SettlementNotHolder(uint256 tokenId, address caller);
    /// @notice The batch is empty or larger than `maxBatch`.
    error SettlementInvalidBatch(uint256 size, uint256 maxBatch);
    /// @notice No claim exists for this token.
    error SettlementNoClaim(uint256 tokenId);
    /// @notice Nothing is owed on this claim right now.
    error SettlementNothingOwed(uint256 tokenId);
    /// @notice The credit is not overdue yet, or already fully repaid or marked.
    error SettlementNotOverdue(uint256 creditId, uint256 overdueAt, uint256 repaid, uint256 faceValue);

    /// @notice The obligor repays `amount` of the credit; approval of SettlementToken needed.
    function repay(uint256 creditId, uint256 amount) external;

    /// @notice As `repay`, approving the payment with an EIP-2612 permit in the same call.
    function repayWithPermit(uint256 creditId, uint256 amount, uint256 deadline, uint8 v, bytes32 r, bytes32 s) external;

    /// @notice The holder redeems a matured fragment and is paid what has been repaid of it.
    /// @return paid the SettlementToken amount paid now
    function redeem(uint256 tokenId) external returns (uint256 paid);

    /// @notice Anyone redeems a bounded batch of matured fragments, paying each holder.
    /// @return paid the SettlementToken amount paid now, in total
    function redeemBatch(uint256[] calldata tokenIds) external returns (uint256 paid);

    /// @notice Pays the claimant of a redeemed fragment what later repayments owe it. Anyone may push.
    /// @return paid the SettlementToken amount paid now
    function claim(uint256 tokenId) external returns (uint256 paid);

    /// @notice Marks a credit overdue once maturity plus the grace period passed unpaid.
    function markOverdue(uint256 creditId) external;

    /// @notice Repayment and payout totals of a credit.
    function account(uint256 creditId) external view returns (CreditAccount memory);

    /// @notice The claim recorded when fragment `tokenId` was redeemed.
    function claimOf(uint256 tokenId) external view returns (Claim memory);

    /// @notice What the claim of `tokenId` would pay now.
    function owed(uint256 tokenId) external view returns (uint256);

    /// @notice Largest batch `redeemBatch` accepts.
    function maxBatch() external view returns (uint256);
}
