// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Consortium} from "../../../contracts/Consortium.sol";
import {CreditVoucher} from "../../../contracts/CreditVoucher.sol";
import {InvoiceRegistry} from "../../../contracts/InvoiceRegistry.sol";
import {ICreditVoucher} from "../../../contracts/interfaces/ICreditVoucher.sol";
import {Roles} from "../../../contracts/libraries/Roles.sol";
import {vm} from "../Vm.sol";
import {World} from "../invariant/World.sol";

/// @title Finding (invariant 6'): a holder sheds its exposure by transferring to itself
/// @notice Minimized from the campaign. A financier that acquired paper as a financier and then
/// lost the financier role can "transfer" the fragment to itself (ERC-721 transferFrom(f, f, id),
/// or ERC-3525 transferFrom(id, f, value)): the voucher recomputes `heldAsFinancier` from today's
/// role and calls decreaseExposure, though no value left the financier. Given the role back, it
/// can buy its whole line again: it then holds more of the obligor's paper than its line.
contract ExposureSelfTransferTest {
    World internal w;
    Consortium internal consortium;
    CreditVoucher internal voucher;
    InvoiceRegistry internal invoices;

    function setUp() public {
        w = World(vm.deployCode("World.sol:World", ""));
        consortium = w.consortium();
        voucher = w.voucher();
        invoices = w.invoices();
    }

    function test_selfTransferKeepsExposure() public {
        address core = w.actor(w.CORE_A());
        address supplier = w.actor(w.SUPPLIER_1());
        address bank = w.actor(w.BANK_A());
        uint256 tokenId = _issue(core, supplier, 100e6, "1");
        vm.prank(supplier);
        voucher.transferFrom(supplier, bank, tokenId);
        require(consortium.exposure(bank, core) == 100e6, "exposure taken on acquisition");

        vm.prank(bank);
        consortium.renounceRole(Roles.FINANCIER, bank);
        vm.prank(bank);
        voucher.transferFrom(bank, bank, tokenId);

        ICreditVoucher.Fragment memory f = voucher.fragment(tokenId);
        require(f.owner == bank && f.value == 100e6, "the bank still holds all of it");
        require(consortium.exposure(bank, core) == 100e6, "exposure fell though nothing left the bank");
    }

    /// @notice The consequence: holdings of one obligor's paper above the financier's line.
    function test_selfTransferThenFullLineAgainStaysWithinLine() public {
        address core = w.actor(w.CORE_A());
        address supplier = w.actor(w.SUPPLIER_1());
        address bank = w.actor(w.BANK_A());
        uint256 line = consortium.creditLine(bank, core);
        uint256 first = _issue(core, supplier, 100e6, "1");
        vm.prank(supplier);
        voucher.transferFrom(supplier, bank, first);
        vm.prank(bank);
        consortium.renounceRole(Roles.FINANCIER, bank);
        vm.prank(bank);
        voucher.transferFrom(first, bank, 100e6);
        address operator = w.actor(w.OPERATOR());
        vm.prank(operator);
        consortium.grantRole(Roles.FINANCIER, bank);

        uint256 second = _issue(core, supplier, line, "2");
        vm.prank(supplier);
        try voucher.transferFrom(supplier, bank, second) {} catch {}

        uint256 held = voucher.fragment(voucher.tokenCount()).value;
        if (voucher.ownerOf(second) == bank) held += line;
        require(held <= line, "the bank holds more of the obligor's paper than its line");
    }

    function _issue(address core, address supplier, uint256 face, string memory n) private returns (uint256) {
        vm.prank(supplier);
        uint256 invoiceId = invoices.register(
            core, face, block.timestamp + 90 days, keccak256(abi.encode("N", n)), keccak256(abi.encode("D", n))
        );
        vm.prank(core);
        invoices.confirm(invoiceId);
        vm.prank(core);
        return voucher.issue(invoiceId, face, block.timestamp + 60 days, 0);
    }
}
