// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Consortium} from "../../../contracts/Consortium.sol";
import {CreditVoucher} from "../../../contracts/CreditVoucher.sol";
import {Financing} from "../../../contracts/Financing.sol";
import {InvoiceRegistry} from "../../../contracts/InvoiceRegistry.sol";
import {QualityRegistry} from "../../../contracts/QualityRegistry.sol";
import {Settlement} from "../../../contracts/Settlement.sol";
import {SettlementToken} from "../../../contracts/SettlementToken.sol";
import {ICreditVoucher} from "../../../contracts/interfaces/ICreditVoucher.sol";
import {vm} from "../Vm.sol";
import {World} from "./World.sol";

/// @title What every handler shares: the platform, the clock and the bookkeeping of a call
/// @notice A handler call warps to the run's clock, picks existing ids from the ghost record,
/// makes one platform call as the chosen actor inside try/catch, counts it, and after a call that
/// succeeded checks the rules of control that hold for every member action: the caller was active
/// and the platform was not paused.
abstract contract HandlerBase {
    World internal immutable w;
    Consortium internal immutable consortium;
    SettlementToken internal immutable cash;
    InvoiceRegistry internal immutable invoices;
    QualityRegistry internal immutable quality;
    CreditVoucher internal immutable voucher;
    Financing internal immutable financing;
    Settlement internal immutable settlement;

    /// @notice Snapshot of what a value move may do, taken before the call.
    struct Before {
        bool paused;
        bool callerActive;
        bool sourceTransferable;
        address holder;
        uint256 sourceValue;
    }

    constructor(World world) {
        w = world;
        consortium = world.consortium();
        cash = world.cash();
        invoices = world.invoices();
        quality = world.quality();
        voucher = world.voucher();
        financing = world.financing();
        settlement = world.settlement();
    }

    modifier onClock() {
        vm.warp(w.time());
        _;
    }

    /// @dev After a member action: one that succeeded must have had an active caller on a live
    /// platform; one that reverted is re-raised (see `_settle`).
    function _member(bytes32 op, bool ok, Before memory b, bytes memory err) internal {
        if (ok) {
            if (b.paused) w.violate(string.concat(_name(op), ": member action succeeded while paused"));
            if (!b.callerActive) w.violate(string.concat(_name(op), ": inactive or unknown caller acted"));
        }
        _settle(op, ok, err);
    }

    /// @dev After a supervision action (open during a pause): it needs an active auditor or operator.
    function _supervision(bytes32 op, bool ok, bool callerWasSupervisor, bytes memory err) internal {
        if (ok && !callerWasSupervisor) w.violate(string.concat(_name(op), ": non-supervisor froze or unfroze"));
        _settle(op, ok, err);
    }

    /// @dev Counts a success in the ghost record; re-raises a platform revert as it came, so forge's
    /// metrics table counts the handler call as reverted (its state changes are discarded anyway).
    function _settle(bytes32 op, bool ok, bytes memory err) internal {
        if (ok) {
            w.recordSuccess(op);
            return;
        }
        assembly ("memory-safe") {
            revert(add(err, 32), mload(err))
        }
    }

    /// @dev Nothing to act on yet (no credit, no request...): forge counts the call as discarded.
    function _discard() internal pure {
        vm.assume(false);
    }

    function _before(address caller, uint256 tokenId) internal view returns (Before memory b) {
        b.paused = consortium.paused();
        b.callerActive = w.isActive(caller);
        if (tokenId != 0) {
            ICreditVoucher.Fragment memory f = voucher.fragment(tokenId);
            b.holder = f.owner;
            b.sourceValue = f.value;
            b.sourceTransferable = voucher.isTransferable(tokenId);
        }
    }

    /// @dev After a value move out of `tokenId` succeeded: it was movable, and the receiver may hold.
    function _checkMove(bytes32 op, Before memory b, address receiver) internal {
        if (b.paused) w.violate(string.concat(_name(op), ": value moved while paused"));
        if (!b.callerActive) w.violate(string.concat(_name(op), ": inactive or unknown caller moved value"));
        if (!b.sourceTransferable) w.violate(string.concat(_name(op), ": frozen, locked or matured value moved"));
        if (!w.isActive(receiver) || w.isPlatformContract(receiver)) {
            w.violate(string.concat(_name(op), ": value went to an inactive member or a platform contract"));
        }
        if (!w.isActive(b.holder)) w.violate(string.concat(_name(op), ": value left an inactive member"));
    }

    /// @dev Registers and confirms an invoice from `seller` to `buyer`, recording its anchors, so
    /// an issue or a hop has a trade to cite; 0 if either step is refused (the refusal is not the
    /// step's outcome, which is the issue or hop that follows).
    function _openInvoice(address seller, address buyer, uint256 amount) internal returns (uint256 id) {
        uint256 nonce = invoices.invoiceCount() + 1;
        bytes32 numberHash = keccak256(abi.encode("INV", nonce));
        bytes32 documentHash = keccak256(abi.encode("DOC", nonce));
        vm.prank(seller);
        try invoices.register(buyer, amount, block.timestamp + 90 days, numberHash, documentHash) returns (
            uint256 newId
        ) {
            id = newId;
        } catch {
            return 0;
        }
        w.recordNumber(keccak256(abi.encode(seller, numberHash)));
        w.recordInvoiceDocument(documentHash);
        vm.prank(buyer);
        try invoices.confirm(id) {}
        catch {
            return 0;
        }
    }

    /// @dev The exposure model after `value` moved from `from`'s fragment (counted or not) to `to`'s.
    function _modelMove(address obligor, address from, bool fromCounted, address to, bool toCounted, uint256 value)
        internal
    {
        if (fromCounted) w.subModelExposure(from, obligor, value);
        if (toCounted) w.addModelExposure(to, obligor, value);
    }

    /// @dev Whether the model counts a fragment `to` acquires from `from`: by `to`'s role, unless
    /// the value only moved between two fragments of the same owner.
    function _modelCountsFor(address from, bool fromCounted, address to) internal view returns (bool) {
        return from == to ? fromCounted : w.isFinancier(to);
    }

    /// @dev `value * 1 / 4` to `value`, never 0 for a non-zero value; sometimes the whole.
    function _part(uint256 value, uint256 seed) internal pure returns (uint256) {
        if (value == 0) return 0;
        uint256 mode = seed % 8;
        if (mode == 0) return value;
        if (mode == 1) return value + 1 + seed % 3;
        return 1 + (seed >> 3) % value;
    }

    function _obligorOf(uint256 tokenId) internal view returns (address) {
        return voucher.credit(voucher.fragment(tokenId).creditId).obligor;
    }

    function _name(bytes32 op) internal pure returns (string memory) {
        uint256 len = 0;
        while (len < 32 && op[len] != 0) ++len;
        bytes memory out = new bytes(len);
        for (uint256 i = 0; i < len; ++i) {
            out[i] = op[i];
        }
        return string(out);
    }
}
