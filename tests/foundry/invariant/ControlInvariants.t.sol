// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IConsortium} from "../../../contracts/interfaces/IConsortium.sol";
import {ICreditVoucher} from "../../../contracts/interfaces/ICreditVoucher.sol";
import {IInvoiceRegistry} from "../../../contracts/interfaces/IInvoiceRegistry.sol";
import {IQualityRegistry} from "../../../contracts/interfaces/IQualityRegistry.sol";
import {Roles} from "../../../contracts/libraries/Roles.sol";
import {TierCreditInvariantSetup} from "./TierCreditInvariantSetup.sol";

/// @title Invariants 2, 3, 5 and 8 of DESIGN.md and its rules of control, after every handler call
/// @notice Each reads the platform's state and, where the chain alone cannot tell, compares it with
/// the ghost record the handlers kept. One invariant function runs them all, so forge makes one
/// campaign of this suite (see foundry.toml for its size) and checks every rule after every call.
contract ControlInvariants is TierCreditInvariantSetup {
    /// @notice Invariants 2, 3, 5 and 8, the rules of control and the freezes, in that order; the
    /// first broken one reverts with its number or rule.
    function invariant_controlRules() public view {
        _invoicesBackAtMostTheirAmount();
        _onlyMembersHold();
        _limits();
        _lineage();
        _rulesOfControl();
        _freezeState();
    }

    /// @notice 2. No invoice backs more than its amount, and what was drawn from it is exactly what
    /// the issues and hops that cited it took; no invoice number, invoice document or certificate
    /// document is registered twice.
    function _invoicesBackAtMostTheirAmount() internal view {
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
    function _onlyMembersHold() internal view {
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

    /// @notice 5. Tier depth of every hop within the maximum in force when it was made; tenor
    /// within the maximum in force at issue; outstanding = unrepaid face value <= quota = sum of
    /// lines; every exposure within its line.
    function _limits() internal view {
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
                cr.maturity - cr.issuedAt <= uint256(w.tenorAtIssue(creditId)) * 1 days,
                "5: tenor above the maximum in force"
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
                    _require(
                        exposure <= consortium.creditLine(actors[f], obligors[o]), "5: exposure above the credit line"
                    );
                }
            }
        }
    }

    /// @notice 8. Every fragment's parent chain reaches its credit's root; each step is the same
    /// tier or one deeper; a step one deeper is exactly a split-transfer citing an invoice.
    function _lineage() internal view {
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
            _require(
                w.createdAsHop(id) == (f.invoiceId != 0), "8: a hop without its invoice, or an invoice without a hop"
            );
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
    function _rulesOfControl() internal view {
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
        _require(
            consortium.statusOf(actors[_ACTORS - 1]) == IConsortium.MemberStatus.None, "control: stranger onboarded"
        );
    }

    /// @notice Freezes: a fragment is frozen exactly when it, its credit, or its credit's
    /// certificate gone bad (failed, revoked, or contradicted by a failing inspection not revoked)
    /// and not lifted says so; revoking the failing certificates lifts that freeze.
    function _freezeState() internal view {
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
}
