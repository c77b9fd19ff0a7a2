// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ISettlement} from "../../../contracts/interfaces/ISettlement.sol";
import {TierCreditInvariantSetup} from "./TierCreditInvariantSetup.sol";

/// @title Invariants 1, 4, 6 and 7 of DESIGN.md: value, cash and exposure, after every handler call
/// @notice Each reads the platform's state and, where the chain alone cannot tell, compares it with
/// the ghost record the handlers kept. One invariant function runs them all, so forge makes one
/// campaign of this suite (see foundry.toml for its size) and checks every rule after every call.
contract ValueInvariants is TierCreditInvariantSetup {
    /// @notice Invariants 1, 4, 6, 6' and 7, in that order; the first broken one reverts with its
    /// number and rule. The pass over every token (`_totals`) is made once and shared.
    function invariant_valueRules() public view {
        CreditTotals[] memory t = _totals();
        uint256[] memory credits = w.credits();
        address[_ACTORS] memory actors = w.actors();
        address[] memory obligors = w.obligors();
        _valueConserved(t, credits);
        _paidOutWithinPaidIn(t, credits);
        _exposureMatchesHoldings(actors, obligors);
        _exposureMatchesModel(actors, obligors);
        _noStrandedCash(t, credits);
    }

    /// @notice 1. For each credit, live fragment values plus redeemed value equal its face value;
    /// a burned fragment always left a claim.
    function _valueConserved(CreditTotals[] memory t, uint256[] memory credits) internal view {
        for (uint256 i = 0; i < credits.length; ++i) {
            uint256 creditId = credits[i];
            uint256 face = voucher.credit(creditId).faceValue;
            _require(t[creditId].live + t[creditId].redeemed == face, "1: live + redeemed != face value");
        }
    }

    /// @notice 4. Cash paid out for a credit never exceeds what was paid in for it; paid in is what
    /// the repayments brought, paid out is what its claims received.
    function _paidOutWithinPaidIn(CreditTotals[] memory t, uint256[] memory credits) internal view {
        for (uint256 i = 0; i < credits.length; ++i) {
            uint256 creditId = credits[i];
            ISettlement.CreditAccount memory acct = settlement.account(creditId);
            _require(acct.paidOut <= acct.repaid, "4: paid out more than paid in");
            _require(acct.repaid == w.repaidIn(creditId), "4: repaid differs from the repayments made");
            _require(acct.repaid <= voucher.credit(creditId).faceValue, "4: repaid past the face value");
            _require(t[creditId].claimsPaid == acct.paidOut, "4: paid out differs from what the claims received");
        }
    }

    /// @notice 6. Exposure(financier, obligor) = value of the obligor's live fragments the financier
    /// holds flagged as held as financier + unpaid rest of its flagged claims not written off.
    function _exposureMatchesHoldings(address[_ACTORS] memory actors, address[] memory obligors) internal view {
        uint256[][] memory held = _heldExposure(obligors);
        for (uint256 f = 0; f < _ACTORS; ++f) {
            for (uint256 o = 0; o < obligors.length; ++o) {
                _require(
                    consortium.exposure(actors[f], obligors[o]) == held[f][o],
                    "6: exposure != flagged holdings + claims"
                );
            }
        }
        _require(_heldOutsideActors(held, obligors.length) == 0, "6: exposure counted for a non-actor");
    }

    /// @notice 6'. Exposure follows the design's rule, kept by the handlers independently of the
    /// voucher's flags: it grows when a financier acquires value from someone else, and falls only
    /// when it passes value on, is paid out, or writes off. Moving value to oneself changes nothing.
    function _exposureMatchesModel(address[_ACTORS] memory actors, address[] memory obligors) internal view {
        for (uint256 f = 0; f < _ACTORS; ++f) {
            for (uint256 o = 0; o < obligors.length; ++o) {
                _require(
                    consortium.exposure(actors[f], obligors[o]) == w.modelExposure(actors[f], obligors[o]),
                    "6': exposure moved other than by acquisition, passing on, payout or write-off"
                );
            }
        }
    }

    /// @notice 7. No stranded cash: Settlement holds exactly what was repaid and not paid out, and
    /// for each credit what identifiable holders and claimants can take is that, less at most one
    /// unit of rounding per fragment while partly repaid, exactly that once fully repaid.
    function _noStrandedCash(CreditTotals[] memory t, uint256[] memory credits) internal view {
        uint256 held = 0;
        for (uint256 i = 0; i < credits.length; ++i) {
            uint256 creditId = credits[i];
            ISettlement.CreditAccount memory acct = settlement.account(creditId);
            uint256 unpaid = uint256(acct.repaid) - acct.paidOut;
            held += unpaid;
            uint256 claimable = t[creditId].owed;
            _require(claimable <= unpaid, "7: holders can claim more than is held for the credit");
            _require(claimable + t[creditId].tokens >= unpaid, "7: cash stranded beyond rounding");
            if (acct.repaid == voucher.credit(creditId).faceValue) {
                _require(claimable == unpaid, "7: cash stranded on a fully repaid credit");
            }
        }
        _require(cash.balanceOf(address(settlement)) == held, "7: Settlement's balance != repaid - paid out");
        _require(cash.balanceOf(address(voucher)) == 0, "7: cash held by the voucher");
        _require(cash.balanceOf(address(w.financing())) == 0, "7: cash held by Financing");
    }
}
