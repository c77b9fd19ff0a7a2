// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Consortium} from "../../../contracts/Consortium.sol";
import {CreditVoucher} from "../../../contracts/CreditVoucher.sol";
import {InvoiceRegistry} from "../../../contracts/InvoiceRegistry.sol";
import {QualityRegistry} from "../../../contracts/QualityRegistry.sol";
import {Settlement} from "../../../contracts/Settlement.sol";
import {SettlementToken} from "../../../contracts/SettlementToken.sol";
import {ICreditVoucher} from "../../../contracts/interfaces/ICreditVoucher.sol";
import {ISettlement} from "../../../contracts/interfaces/ISettlement.sol";
import {InvariantTest} from "../InvariantTest.sol";
import {vm} from "../Vm.sol";
import {CashHandler} from "./CashHandler.sol";
import {FinanceHandler} from "./FinanceHandler.sol";
import {MembershipHandler} from "./MembershipHandler.sol";
import {SettlementHandler} from "./SettlementHandler.sol";
import {TradeHandler} from "./TradeHandler.sol";
import {VoucherHandler} from "./VoucherHandler.sol";
import {World} from "./World.sol";

/// @title What the invariant suites share: the platform, its handlers as forge's targets, and the
/// passes over every token the invariants read
/// @notice Forge runs each invariant_* function as a campaign of its own; each of the two suites
/// (value and control) has one, which checks all its rules after every call, and the two suites
/// run side by side so both cores work.
abstract contract TierCreditInvariantSetup is InvariantTest {
    uint256 internal constant _ACTORS = 14;
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
        // From the artifacts, not `new`: the creation codes of the world and five handlers would
        // put this contract's own initcode past the EIP-3860 limit.
        w = World(vm.deployCode("World.sol:World", ""));
        require(w.ACTOR_COUNT() == _ACTORS, "actor count");
        consortium = w.consortium();
        cash = w.cash();
        invoices = w.invoices();
        quality = w.quality();
        voucher = w.voucher();
        settlement = w.settlement();
        bytes memory world = abi.encode(w);
        targetContract(address(MembershipHandler(vm.deployCode("MembershipHandler.sol:MembershipHandler", world))));
        targetContract(address(CashHandler(vm.deployCode("CashHandler.sol:CashHandler", world))));
        targetContract(address(TradeHandler(vm.deployCode("TradeHandler.sol:TradeHandler", world))));
        targetContract(address(VoucherHandler(vm.deployCode("VoucherHandler.sol:VoucherHandler", world))));
        targetContract(address(FinanceHandler(vm.deployCode("FinanceHandler.sol:FinanceHandler", world))));
        targetContract(address(SettlementHandler(vm.deployCode("SettlementHandler.sol:SettlementHandler", world))));
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
    function _log(bytes32 op, uint256 count) internal view {
        (bool logged,) =
            _CONSOLE.staticcall(abi.encodeWithSignature("log(string,uint256)", string(abi.encodePacked(op)), count));
        logged;
    }

    /// @dev One pass over every token: per credit, live value, redeemed value, what its claims
    /// received, what holders and claimants can take now, and how many tokens it has.
    function _totals() internal view returns (CreditTotals[] memory t) {
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
    function _heldExposure(address[] memory obligors) internal view returns (uint256[][] memory held) {
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
                if (cl.heldAsFinancier && !cl.writtenOff) {
                    held[w.indexOf(cl.claimant)][o] += uint256(cl.value) - cl.paid;
                }
            }
        }
    }

    function _heldOutsideActors(uint256[][] memory held, uint256 obligorCount) internal pure returns (uint256 sum) {
        for (uint256 o = 0; o < obligorCount; ++o) {
            sum += held[_ACTORS][o];
        }
    }

    function _indexIn(address[] memory list, address a) internal pure returns (uint256) {
        for (uint256 i = 0; i < list.length; ++i) {
            if (list[i] == a) return i;
        }
        revert("obligor of a credit not recorded");
    }

    /// @dev Face value not yet repaid, per obligor by actor index.
    function _unrepaidByObligor(uint256[] memory credits) internal view returns (uint256[] memory sums) {
        sums = new uint256[](_ACTORS + 1);
        for (uint256 i = 0; i < credits.length; ++i) {
            ICreditVoucher.Credit memory cr = voucher.credit(credits[i]);
            sums[w.indexOf(cr.obligor)] += uint256(cr.faceValue) - settlement.account(credits[i]).repaid;
        }
    }

    function _require(bool condition, string memory message) internal pure {
        if (!condition) revert(message);
    }
}
