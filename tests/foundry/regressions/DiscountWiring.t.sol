// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Consortium} from "../../../contracts/Consortium.sol";
import {CreditVoucher} from "../../../contracts/CreditVoucher.sol";
import {Financing} from "../../../contracts/Financing.sol";
import {InvoiceRegistry} from "../../../contracts/InvoiceRegistry.sol";
import {QualityRegistry} from "../../../contracts/QualityRegistry.sol";
import {Settlement} from "../../../contracts/Settlement.sol";
import {SettlementToken} from "../../../contracts/SettlementToken.sol";
import {Roles} from "../../../contracts/libraries/Roles.sol";
import {vm} from "../Vm.sol";

/// @title Regression: with the wiring of backend/chain/deploy.py, a discount settles
/// @notice SettlementToken.transferFrom requires its caller to be an active member, and
/// Financing.accept pulls the price with transferFrom as the spender: a deployment that does not
/// onboard Financing reverts every acceptance with ConsortiumMemberNotActive(Financing, None), as
/// deploy.py once did. This test wires the platform exactly as deploy.py does, step by step.
contract DiscountWiringTest {
    address private constant _OPERATOR = address(0x0A);
    address private constant _CORE = address(0x0C);
    address private constant _SUPPLIER = address(0x05);
    address private constant _BANK = address(0x0B);

    function test_discountSettlesWithTheDeployScriptsWiring() public {
        vm.warp(1_750_000_000);
        Consortium consortium = Consortium(vm.deployCode("Consortium.sol:Consortium", abi.encode(_OPERATOR, address(0))));
        SettlementToken cash =
            SettlementToken(vm.deployCode("SettlementToken.sol:SettlementToken", abi.encode(consortium)));
        InvoiceRegistry invoices =
            InvoiceRegistry(vm.deployCode("InvoiceRegistry.sol:InvoiceRegistry", abi.encode(consortium)));
        QualityRegistry quality =
            QualityRegistry(vm.deployCode("QualityRegistry.sol:QualityRegistry", abi.encode(consortium, invoices)));
        CreditVoucher voucher =
            CreditVoucher(vm.deployCode("CreditVoucher.sol:CreditVoucher", abi.encode(consortium, invoices, quality)));
        Financing financing = Financing(vm.deployCode("Financing.sol:Financing", abi.encode(consortium, voucher, cash)));
        Settlement settlement =
            Settlement(vm.deployCode("Settlement.sol:Settlement", abi.encode(consortium, voucher, cash)));
        vm.startPrank(_OPERATOR);
        consortium.linkVoucher(address(voucher));
        invoices.linkVoucher(address(voucher));
        voucher.linkPlatform(address(financing), address(settlement));
        consortium.onboard(address(voucher), keccak256("platform contract"), _roles(Roles.PLATFORM));
        consortium.onboard(address(financing), keccak256("platform contract"), _roles(Roles.PLATFORM));
        consortium.onboard(address(settlement), keccak256("platform contract"), _roles(Roles.PLATFORM));
        consortium.onboard(_CORE, keccak256("kyc"), _roles(Roles.CORE_ENTERPRISE));
        consortium.onboard(_SUPPLIER, keccak256("kyc"), _roles(Roles.SUPPLIER));
        consortium.onboard(_BANK, keccak256("kyc"), _roles(Roles.FINANCIER));
        vm.stopPrank();
        vm.startPrank(_BANK);
        consortium.setCreditLine(_CORE, 1_000e6);
        cash.mint(_BANK, 1_000e6, keccak256("deposit"));
        cash.approve(address(financing), type(uint256).max);
        vm.stopPrank();
        vm.prank(_SUPPLIER);
        uint256 invoiceId =
            invoices.register(_CORE, 100e6, block.timestamp + 90 days, keccak256("INV-1"), keccak256("DOC-1"));
        vm.prank(_CORE);
        invoices.confirm(invoiceId);
        vm.prank(_CORE);
        uint256 creditId = voucher.issue(invoiceId, 100e6, block.timestamp + 90 days, 0);
        vm.prank(_SUPPLIER);
        uint256 requestId = financing.requestFinancing(creditId, 100e6, block.timestamp + 7 days);
        vm.prank(_BANK);
        uint256 quoteId = financing.submitQuote(requestId, 500);

        vm.prank(_SUPPLIER);
        financing.accept(requestId, quoteId);

        require(voucher.ownerOf(creditId) == _BANK, "fragment not delivered");
        require(consortium.exposure(_BANK, _CORE) == 100e6, "exposure not taken");
    }

    function _roles(bytes32 role) private pure returns (bytes32[] memory roles) {
        roles = new bytes32[](1);
        roles[0] = role;
    }
}
