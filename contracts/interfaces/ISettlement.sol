// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title TierCredit settlement: repayment by the obligor and redemption by holders
/// @notice The obligor repays a credit in parts at any time. From maturity each holder redeems its
/// fragments (pull), or any member pushes a bounded batch, which skips what it cannot redeem.
/// Past maturity plus the credit's grace period an unpaid credit can be marked overdue; if a
/// credit is only partly funded, redemption pays pro rata and the rest stays claimable as late
/// repayments arrive. For every credit, cash paid in = paid out + what its holders and claimants
/// can still take (up to one unit of rounding per fragment while a credit is partly repaid).
interface ISettlement {
    /// @dev One slot: repaid, paid out and the overdue mark.
    struct CreditAccount {
        uint96 repaid;
        uint96 paidOut;
        bool overdue;
    }

    /// @dev Two slots: (claimant, value) and (paid, creditId, heldAsFinancier, writtenOff).
    /// `heldAsFinancier`: the redeemed value counted toward the claimant's exposure, which falls
    /// only by what is paid out on the claim, or by the rest when the claimant writes it off.
    struct Claim {
        address claimant;
        uint96 value;
        uint96 paid;
        uint64 creditId;
        bool heldAsFinancier;
        bool writtenOff;
    }

    /// @notice Emitted when the obligor repays part of a credit.
    /// @param creditId the credit
    /// @param payer the obligor
    /// @param amount the amount repaid now
    /// @param totalRepaid the running sum
    event CreditRepaid(uint256 indexed creditId, address indexed payer, uint256 amount, uint256 totalRepaid);
    /// @notice Emitted when a fragment is redeemed in favour of its holder.
    /// @param tokenId the fragment, now burned
    /// @param creditId its credit
    /// @param holder the claimant
    /// @param value the fragment's value
    /// @param heldAsFinancier whether the claim counts toward the holder's exposure until paid or written off
    event FragmentRedeemed(
        uint256 indexed tokenId, uint256 indexed creditId, address indexed holder, uint256 value, bool heldAsFinancier
    );
    /// @notice Emitted whenever a claim is paid: at redemption and on later claims after late repayment.
    /// @param tokenId the redeemed fragment
    /// @param claimant who is paid
    /// @param amount the amount paid now
    /// @param totalPaid the claim's running sum
    event ClaimPaid(uint256 indexed tokenId, address indexed claimant, uint256 amount, uint256 totalPaid);
    /// @notice Emitted when a financier writes off the unpaid rest of a claim from its exposure.
    /// The claim itself stays payable if the obligor repays later.
    /// @param tokenId the redeemed fragment
    /// @param claimant the financier
    /// @param amount the exposure written off
    /// @param reasonHash anchors the stated reason
    event ClaimWrittenOff(uint256 indexed tokenId, address indexed claimant, uint256 amount, bytes32 reasonHash);
    /// @notice Emitted when a batch skips a fragment it cannot redeem; the rest of the batch goes on.
    /// @param tokenId the fragment skipped
    /// @param reason the revert data of the refusal (the voucher's or the consortium's custom error, with its values)
    event RedemptionSkipped(uint256 indexed tokenId, bytes reason);
    /// @notice Emitted when a credit is marked overdue.
    /// @param creditId the credit
    /// @param repaid what was repaid so far
    /// @param faceValue its face value
    event CreditOverdue(uint256 indexed creditId, uint256 repaid, uint256 faceValue);
    /// @notice Emitted when an overdue credit is repaid in full: it is overdue no more.
    /// @param creditId the credit
    /// @param totalRepaid its face value, now repaid
    event CreditOverdueCleared(uint256 indexed creditId, uint256 totalRepaid);

    /// @notice Only the obligor repays its credit.
    /// @param creditId the credit
    /// @param caller the caller
    error SettlementNotObligor(uint256 creditId, address caller);
    /// @notice Repayment of zero or past the face value.
    /// @param creditId the credit
    /// @param amount the amount offered
    /// @param outstanding what is left to repay
    error SettlementInvalidRepayment(uint256 creditId, uint256 amount, uint256 outstanding);
    /// @notice Only the holder redeems its own fragment (others use the batch push).
    /// @param tokenId the fragment
    /// @param caller the caller
    error SettlementNotHolder(uint256 tokenId, address caller);
    /// @notice The batch is empty or larger than `maxBatch`.
    /// @param size the batch's size
    /// @param maxBatch the largest batch
    error SettlementInvalidBatch(uint256 size, uint256 maxBatch);
    /// @notice No claim exists for this token.
    /// @param tokenId the token
    error SettlementNoClaim(uint256 tokenId);
    /// @notice Nothing is owed on this claim right now.
    /// @param tokenId the token
    error SettlementNothingOwed(uint256 tokenId);
    /// @notice Only the claimant writes off its claim.
    /// @param tokenId the redeemed fragment
    /// @param caller the caller
    error SettlementNotClaimant(uint256 tokenId, address caller);
    /// @notice The claim does not count toward exposure, is already written off, or is paid in full.
    /// @param tokenId the redeemed fragment
    error SettlementNothingToWriteOff(uint256 tokenId);
    /// @notice The credit is not overdue: before maturity plus grace, repaid in full, or already marked.
    /// @param creditId the credit
    /// @param overdueAt when it can become overdue
    /// @param repaid what was repaid so far
    /// @param faceValue its face value
    error SettlementNotOverdue(uint256 creditId, uint256 overdueAt, uint256 repaid, uint256 faceValue);

    /// @notice The obligor repays part or all of what is left of the credit; approval of SettlementToken needed.
    /// @param creditId the credit
    /// @param amount the amount to repay
    function repay(uint256 creditId, uint256 amount) external;

    /// @notice As `repay`, approving the payment with an EIP-2612 permit in the same call.
    /// @param creditId the credit
    /// @param amount the amount to repay, also the permit's value
    /// @param deadline the permit's deadline
    /// @param v the permit signature's v
    /// @param r the permit signature's r
    /// @param s the permit signature's s
    function repayWithPermit(uint256 creditId, uint256 amount, uint256 deadline, uint8 v, bytes32 r, bytes32 s) external;

    /// @notice The holder redeems a matured fragment and is paid what has been repaid of it.
    /// @param tokenId the fragment
    /// @return paid the SettlementToken amount paid now
    function redeem(uint256 tokenId) external returns (uint256 paid);

    /// @notice Any active member redeems a bounded batch of matured fragments, paying each holder;
    /// a fragment that cannot be redeemed is skipped with `RedemptionSkipped`.
    /// @param tokenIds the fragments
    /// @return paid the SettlementToken amount paid now, in total
    function redeemBatch(uint256[] calldata tokenIds) external returns (uint256 paid);

    /// @notice Pays the claimant of a redeemed fragment what later repayments owe it. Any active
    /// member may push it; a frozen fragment is not paid, as it is not redeemed.
    /// @param tokenId the redeemed fragment
    /// @return paid the SettlementToken amount paid now
    function claim(uint256 tokenId) external returns (uint256 paid);

    /// @notice The claimant (a financier) writes off the unpaid rest of its claim from its exposure.
    /// @param tokenId the redeemed fragment
    /// @param reasonHash anchors the stated reason
    /// @return amount the exposure written off
    function writeOff(uint256 tokenId, bytes32 reasonHash) external returns (uint256 amount);

    /// @notice Any active member marks a credit overdue once its maturity plus its grace period passed unpaid.
    /// @param creditId the credit
    function markOverdue(uint256 creditId) external;

    /// @notice Repayment and payout totals of a credit.
    /// @param creditId the credit
    /// @return acct its account
    function account(uint256 creditId) external view returns (CreditAccount memory acct);

    /// @notice The claim recorded when a fragment was redeemed.
    /// @param tokenId the redeemed fragment
    /// @return c the claim (claimant zero if none)
    function claimOf(uint256 tokenId) external view returns (Claim memory c);

    /// @notice What the claim of a redeemed fragment would pay now.
    /// @param tokenId the redeemed fragment
    /// @return amount the amount owed now
    function owed(uint256 tokenId) external view returns (uint256 amount);

    /// @notice Largest batch `redeemBatch` accepts.
    /// @return size the largest batch
    function maxBatch() external view returns (uint256 size);
}
