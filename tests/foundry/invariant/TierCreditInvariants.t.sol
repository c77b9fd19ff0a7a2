// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Consortium} from "../../../contracts/Consortium.sol";
import {CreditVoucher} from "../../../contracts/CreditVoucher.sol";
import {InvoiceRegistry} from "../../../contracts/InvoiceRegistry.sol";
import {QualityRegistry} from "../../../contracts/QualityRegistry.sol";
import {Settlement} from "../../../contracts/Settlement.sol";
import {SettlementToken} from "../../../contracts/SettlementToken.sol";
import {IConsortium} from "../../../contracts/interfaces/IConsortium.sol";
import {ICreditVoucher} from "../../../contracts/interfaces/ICreditVoucher.sol";
import {IInvoiceRegistry} from "../../../contracts/interfaces/IInvoiceRegistry.sol";
import {IQualityRegistry} from "../../../contracts/interfaces/IQualityRegistry.sol";
import {ISettlement} from "../../../contracts/interfaces/ISettlement.sol";
import {Roles} from "../../../contracts/libraries/Roles.sol";
import {InvariantTest} from "../InvariantTest.sol";
import {FinanceHandler} from "./FinanceHandler.sol";
import {OperatorHandler} from "./OperatorHandler.sol";
import {SettlementHandler} from "./SettlementHandler.sol";
import {TradeHandler} from "./TradeHandler.sol";
import {VoucherHandler} from "./VoucherHandler.sol";
import {World} from "./World.sol";

/// @title The eight invariants of DESIGN.md and the rules of control, after every handler call
/// @notice Each invariant reads the platform's state and, where the chain alone cannot tell,
/// compares it with the ghost record the handlers kept. See foundry.toml for the campaign's size.
contract TierCreditInvariants is InvariantTest {
    uint256 private constant _ACTORS = 14;
    address private constant _CONSOLE = 0x000000000000000000636F6e736F6c652e6c6f67;

    World internal w;
    Consortium internal consortium;
    SettlementToken internal cash;
    InvoiceRegistry internal invoices;
    QualityRegistry internal quality;
    CreditVoucher internal voucher;
    Settlement internal settlement;

    /// @dev What one pass over every token learns of a credit.
    struct CreditTotals {
        uint256 live;
        uint256 redeemed;
        uint256 claimsPaid;
        uint256 owed;
        uint256 tokens;
    }

    function setUp() public {
        w = new World();
        require(w.ACTOR_COUNT() == _ACTORS, "actor count");
        consortium = w.consortium();
        cash = w.cash();
        invoices = w.invoices();
        quality = w.quality();
        voucher = w.voucher();
        settlement = w.settlement();
        targetContract(address(new OperatorHandler(w)));
        targetContract(address(new TradeHandler(w)));
        targetContract(address(new VoucherHandler(w)));
        targetContract(address(new FinanceHandler(w)));
        targetContract(address(new SettlementHandler(w)));
    }

    /// @notice 1. For each credit, live fragment values plus redeemed value equal its face value;
    /// a burned fragment always left a claim.
    function invariant_valueConserved() public view {
        CreditTotals[] memory t = _totals();
        uint256[] memory credits = w.credits();
        for (uint256 i = 0; i < credits.length; ++i) {
            uint256 creditId = credits[i];
            uint256 face = voucher.credit(creditId).faceValue;
            _require(t[creditId].live + t[creditId].redeemed == face, "1: live + redeemed != face value");
        }
    }

    /// @notice 2. No invoice backs more than its amount, and what was drawn from it is exactly what
    /// the issues and hops that cited it took; no invoice number, invoice document or certificate
    /// document is registered twice.
    function invariant_invoicesBackAtMostTheirAmount() public view {
        uint256 n = invoices.invoiceCount();
        for (uint256 id = 1; id <= n; ++id) {
            IInvoiceRegistry.Invoice memory inv = invoices.invoice(id);
            _require(inv.remaining <= inv.amount, "2: invoice remaining above its amount");
            if (inv.status == IInvoiceRegistry.InvoiceStatus.Confirmed) {
                _require(inv.amount - inv.remaining == w.drawn(id), "2: invoice drawn down by other than its trades");
            } else {
                _require(inv.remaining == 0 && w.drawn(id) == 0, "2: unconfirmed invoice backs value");
            }
            _require(invoices.invoiceIdByNumber(inv.seller, inv.numberHash) == id, "2: invoice number registered twice");
            _require(invoices.invoiceIdByDocument(inv.documentHash) == id, "2: invoice document registered twice");
        }
        uint256 certificates = w.certificateCount();
        for (uint256 id = 1; id <= certificates; ++id) {
            bytes32 documentHash = quality.certificate(id).documentHash;
            _require(quality.certificateIdByDocument(documentHash) == id, "2: certificate document registered twice");
        }
    }

    /// @notice 3. Live fragments are held only by onboarded members, never by a platform contract
    /// or the stranger; ERC-721 balances count them. (That value only ever went to active members,
    /// and frozen or locked value never moved, the handlers check on every call: see rules of control.)
    function invariant_onlyMembersHold() public view {
        uint256 n = voucher.tokenCount();
        uint256[] memory held = new uint256[](_ACTORS + 1);
        for (uint256 id = 1; id <= n; ++id) {
            address owner = voucher.fragment(id).owner;
            if (owner == address(0)) continue;
            _require(!w.isPlatformContract(owner), "3: a platform contract holds a fragment");
            _require(consortium.statusOf(owner) != IConsortium.MemberStatus.None, "3: a non-member holds a fragment");
            ++held[w.indexOf(owner)];
        }
        _require(held[_ACTORS] == 0, "3: a fragment is held outside the actors");
        address[_ACTORS] memory actors = w.actors();
        for (uint256 i = 0; i < _ACTORS; ++i) {
            _require(voucher.balanceOf(actors[i]) == held[i], "3: ERC-721 balance does not count the fragments held");
        }
    }

    /// @notice 4. Cash paid out for a credit never exceeds what was paid in for it; paid in is what
    /// the repayments brought, paid out is what its claims received.
    function invariant_paidOutWithinPaidIn() public view {
        CreditTotals[] memory t = _totals();
        uint256[] memory credits = w.credits();
        for (uint256 i = 0; i < credits.length; ++i) {
            uint256 creditId = credits[i];
            ISettlement.CreditAccount memory acct = settlement.account(creditId);
            _require(acct.paidOut <= acct.repaid, "4: paid out more than paid in");
            _require(acct.repaid == w.repaidIn(creditId), "4: repaid differs from the repayments made");
            _require(acct.repaid <= voucher.credit(creditId).faceValue, "4: repaid past the face value");
            _require(t[creditId].claimsPaid == acct.paidOut, "4: paid out differs from what the claims received");
        }
    }

    /// @notice 5. Tier depth of every hop within the maximum in force when it was made; tenor
    /// within the maximum in force at issue; outstanding = unrepaid face value <= quota = sum of
    /// lines; every exposure within its line.
    function invariant_limits() public view {
        uint256 n = voucher.tokenCount();
        for (uint256 id = 1; id <= n; ++id) {
            ICreditVoucher.Fragment memory f = voucher.fragment(id);
            _require(f.depth <= 32, "5: depth above the cap");
            if (f.parentId != 0 && f.depth == voucher.fragment(f.parentId).depth + 1) {
                _require(f.depth <= w.maxDepthAtCreation(id), "5: hop deeper than the maximum in force");
            }
        }
        uint256[] memory credits = w.credits();
        for (uint256 i = 0; i < credits.length; ++i) {
            uint256 creditId = credits[i];
            ICreditVoucher.Credit memory cr = voucher.credit(creditId);
            _require(cr.maturity > cr.issuedAt, "5: maturity not after issue");
            _require(
                cr.maturity - cr.issuedAt <= uint256(w.tenorAtIssue(creditId)) * 1 days, "5: tenor above the maximum in force"
            );
        }
        address[_ACTORS] memory actors = w.actors();
        uint256[] memory unrepaid = _unrepaidByObligor(credits);
        uint256[] memory lines = new uint256[](_ACTORS + 1);
        address[2][] memory pairs = w.linePairs();
        for (uint256 k = 0; k < pairs.length; ++k) {
            uint256 line = consortium.creditLine(pairs[k][0], pairs[k][1]);
            lines[w.indexOf(pairs[k][1])] += line;
            _require(consortium.exposure(pairs[k][0], pairs[k][1]) <= line, "5: exposure above the credit line");
        }
        for (uint256 o = 0; o < _ACTORS; ++o) {
            uint256 quota = consortium.issuanceQuota(actors[o]);
            uint256 outstanding = consortium.outstanding(actors[o]);
            _require(quota == lines[o], "5: quota is not the sum of the lines");
            _require(outstanding <= quota, "5: outstanding above quota");
            _require(outstanding == unrepaid[o], "5: outstanding is not the unrepaid face value");
        }
        // Exposure without any line set (a line of 0) must be 0.
        address[] memory obligors = w.obligors();
        for (uint256 o = 0; o < obligors.length; ++o) {
            for (uint256 f = 0; f < _ACTORS; ++f) {
                uint256 exposure = consortium.exposure(actors[f], obligors[o]);
                if (exposure != 0) {
                    _require(exposure <= consortium.creditLine(actors[f], obligors[o]), "5: exposure above the credit line");
                }
            }
        }
    }

    /// @notice 6. Exposure(financier, obligor) = value of the obligor's live fragments the financier
    /// holds flagged as held as financier + unpaid rest of its flagged claims not written off.
    function invariant_exposureMatchesHoldings() public view {
        address[_ACTORS] memory actors = w.actors();
        address[] memory obligors = w.obligors();
        uint256[][] memory held = _heldExposure(obligors);
        for (uint256 f = 0; f < _ACTORS; ++f) {
            for (uint256 o = 0; o < obligors.length; ++o) {
                _require(consortium.exposure(actors[f], obligors[o]) == held[f][o], "6: exposure != flagged holdings + claims");
            }
        }
        _require(_heldOutsideActors(held, obligors.length) == 0, "6: exposure counted for a non-actor");
    }

    /// @notice 6'. Exposure follows the design's rule, kept by the handlers independently of the
    /// voucher's flags: it grows when a financier acquires value from someone else, and falls only
    /// when it passes value on, is paid out, or writes off. Moving value to oneself changes nothing.
    function invariant_exposureMatchesModel() public view {
        address[_ACTORS] memory actors = w.actors();
        address[] memory obligors = w.obligors();
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
    function invariant_noStrandedCash() public view {
        CreditTotals[] memory t = _totals();
        uint256[] memory credits = w.credits();
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

    /// @notice 8. Every fragment's parent chain reaches its credit's root; each step is the same
    /// tier or one deeper; a step one deeper is exactly a split-transfer citing an invoice.
    function invariant_lineage() public view {
        uint256 n = voucher.tokenCount();
        for (uint256 id = 1; id <= n; ++id) {
            ICreditVoucher.Fragment memory f = voucher.fragment(id);
            if (f.creditId == id) {
                _require(f.parentId == 0 && f.depth == 0, "8: a root with a parent or a depth");
                continue;
            }
            _require(f.parentId != 0 && f.parentId < id, "8: parent missing or younger than its child");
            ICreditVoucher.Fragment memory p = voucher.fragment(f.parentId);
            _require(p.creditId == f.creditId, "8: parent of another credit");
            _require(f.depth == p.depth || f.depth == p.depth + 1, "8: a step that is not the same tier or one deeper");
            _require((f.depth == p.depth + 1) == w.createdAsHop(id), "8: a tier step without its split-transfer");
            _require(w.createdAsHop(id) == (f.invoiceId != 0), "8: a hop without its invoice, or an invoice without a hop");
            uint256 cursor = f.parentId;
            uint256 steps = 0;
            while (cursor != f.creditId) {
                cursor = voucher.fragment(cursor).parentId;
                _require(cursor != 0 && ++steps < n, "8: the parent chain does not reach the root");
            }
        }
    }

    /// @notice Rules of control: no handler saw a member act while paused or inactive, value move
    /// frozen, locked or matured, value reach a non-member, a batch fail whole or skip a redeemable
    /// fragment, or role bits stop mirroring roles. The active operators are counted right and
    /// never run out; the stranger is never onboarded.
    function invariant_rulesOfControl() public view {
        _require(w.violations() == 0, w.firstViolation());
        uint256 operators = 0;
        address[_ACTORS] memory actors = w.actors();
        for (uint256 i = 0; i < _ACTORS; ++i) {
            if (
                consortium.roleBitsOf(actors[i]) & Roles.OPERATOR_BIT != 0
                    && consortium.statusOf(actors[i]) == IConsortium.MemberStatus.Active
            ) ++operators;
        }
        _require(operators >= 1, "control: no active operator left");
        _require(consortium.activeOperatorCount() == operators, "control: active operator count is off");
        _require(consortium.statusOf(actors[_ACTORS - 1]) == IConsortium.MemberStatus.None, "control: stranger onboarded");
    }

    /// @notice Freezes: a fragment is frozen exactly when it, its credit, or its credit's
    /// certificate gone bad (failed, revoked, or contradicted by a failing inspection not revoked)
    /// and not lifted says so; revoking the failing certificates lifts that freeze.
    function invariant_freezeState() public view {
        uint256 n = voucher.tokenCount();
        for (uint256 id = 1; id <= n; ++id) {
            ICreditVoucher.Fragment memory f = voucher.fragment(id);
            ICreditVoucher.Credit memory cr = voucher.credit(f.creditId);
            bool qualityFrozen = false;
            if (cr.certificateId != 0 && !cr.qualityFreezeLifted) {
                IQualityRegistry.Certificate memory cert = quality.certificate(cr.certificateId);
                qualityFrozen = cert.result != IQualityRegistry.CertificateResult.Pass || cert.revoked
                    || w.failingCertificates(cert.invoiceId) != 0;
            }
            _require(voucher.isFrozen(id) == (f.frozen || cr.frozen || qualityFrozen), "freeze: frozen state is off");
        }
    }

    /// @notice After each run, the run's successful calls per operation go to the log; `-vv`
    /// shows the last run's. Calls and reverts per handler over the campaign are in forge's table.
    function afterInvariant() public view {
        uint256 n = w.opCount();
        for (uint256 i = 0; i < n; ++i) {
            bytes32 op = w.opAt(i);
            _log(op, w.succeeded(op));
        }
    }

    // ---------------------------------------------------------------- helpers

    /// @dev console.log(string, uint256) of forge's console, without forge-std.
    function _log(bytes32 op, uint256 count) private view {
        (bool logged,) =
            _CONSOLE.staticcall(abi.encodeWithSignature("log(string,uint256)", string(abi.encodePacked(op)), count));
        logged;
    }

    /// @dev One pass over every token: per credit, live value, redeemed value, what its claims
    /// received, what holders and claimants can take now, and how many tokens it has.
    function _totals() private view returns (CreditTotals[] memory t) {
        uint256 n = voucher.tokenCount();
        t = new CreditTotals[](n + 1);
        for (uint256 id = 1; id <= n; ++id) {
            ICreditVoucher.Fragment memory f = voucher.fragment(id);
            uint256 creditId = f.creditId;
            ICreditVoucher.Credit memory cr = voucher.credit(creditId);
            uint256 repaid = settlement.account(creditId).repaid;
            CreditTotals memory c = t[creditId];
            ++c.tokens;
            if (f.owner != address(0)) {
                c.live += f.value;
                c.owed += (uint256(f.value) * repaid) / cr.faceValue;
            } else {
                ISettlement.Claim memory cl = settlement.claimOf(id);
                _require(cl.claimant != address(0) && cl.creditId == creditId, "1: a burned fragment left no claim");
                _require(f.value == 0, "1: a burned fragment kept value");
                c.redeemed += cl.value;
                c.claimsPaid += cl.paid;
                uint256 entitled = (uint256(cl.value) * repaid) / cr.faceValue;
                _require(entitled >= cl.paid, "7: a claim was paid more than its share");
                _require(settlement.owed(id) == entitled - cl.paid, "7: owed() differs from the claim's share");
                c.owed += entitled - cl.paid;
            }
        }
    }

    /// @dev Exposure by the voucher's flags: [financier actor index][obligor index]; the last
    /// financier row gathers any non-actor.
    function _heldExposure(address[] memory obligors) private view returns (uint256[][] memory held) {
        held = new uint256[][](_ACTORS + 1);
        for (uint256 i = 0; i <= _ACTORS; ++i) {
            held[i] = new uint256[](obligors.length);
        }
        uint256 n = voucher.tokenCount();
        for (uint256 id = 1; id <= n; ++id) {
            ICreditVoucher.Fragment memory f = voucher.fragment(id);
            uint256 o = _indexIn(obligors, voucher.credit(f.creditId).obligor);
            if (f.owner != address(0)) {
                if (f.heldAsFinancier) held[w.indexOf(f.owner)][o] += f.value;
            } else {
                ISettlement.Claim memory cl = settlement.claimOf(id);
                if (cl.heldAsFinancier && !cl.writtenOff) held[w.indexOf(cl.claimant)][o] += uint256(cl.value) - cl.paid;
            }
        }
    }

    function _heldOutsideActors(uint256[][] memory held, uint256 obligorCount) private pure returns (uint256 sum) {
        for (uint256 o = 0; o < obligorCount; ++o) {
            sum += held[_ACTORS][o];
        }
    }

    function _indexIn(address[] memory list, address a) private pure returns (uint256) {
        for (uint256 i = 0; i < list.length; ++i) {
            if (list[i] == a) return i;
        }
        revert("obligor of a credit not recorded");
    }

    /// @dev Face value not yet repaid, per obligor by actor index.
    function _unrepaidByObligor(uint256[] memory credits) private view returns (uint256[] memory sums) {
        sums = new uint256[](_ACTORS + 1);
        for (uint256 i = 0; i < credits.length; ++i) {
            ICreditVoucher.Credit memory cr = voucher.credit(credits[i]);
            sums[w.indexOf(cr.obligor)] += uint256(cr.faceValue) - settlement.account(credits[i]).repaid;
        }
    }

    function _require(bool condition, string memory message) private pure {
        if (!condition) revert(message);
    }
}
