// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IConsortium} from "../../../contracts/interfaces/IConsortium.sol";
import {IInvoiceRegistry} from "../../../contracts/interfaces/IInvoiceRegistry.sol";
import {IQualityRegistry} from "../../../contracts/interfaces/IQualityRegistry.sol";
import {vm} from "../Vm.sol";
import {HandlerBase} from "./HandlerBase.sol";
import {World} from "./World.sol";

/// @title Handler: trade backgrounds and issuance
/// @notice Invoices (register, duplicates included; confirm, reject, cancel), quality certificates
/// (pass or fail; revoke) and the issue of credits, with and without a certificate.
contract TradeHandler is HandlerBase {
    constructor(World world) HandlerBase(world) {}

    /// @notice A supplier registers an invoice to a core enterprise or another supplier; now and
    /// then with a number or document already registered. Half of the time the buyer confirms it
    /// in the same step, so trades have backgrounds to cite.
    function registerInvoice(
        uint256 sellerSeed,
        uint256 buyerSeed,
        uint256 amountSeed,
        uint256 dupSeed,
        uint256 confirmSeed
    ) external onClock {
        address seller = w.pick(sellerSeed, w.SUPPLIER_1(), w.SUPPLIER_4());
        address buyer = buyerSeed % 2 == 0
            ? w.pick(buyerSeed >> 1, w.CORE_A(), w.CORE_B())
            : w.pick(buyerSeed >> 1, w.SUPPLIER_1(), w.SUPPLIER_4());
        uint256 count = invoices.invoiceCount();
        (bytes32 numberHash, bytes32 documentHash) = _anchors(count, dupSeed);
        uint256 amount = amountSeed % 16 == 0 ? 0 : 1 + amountSeed % (2_000 * w.UNIT());
        uint256 dueDate = block.timestamp + 1 days + (amountSeed >> 8) % 200 days;
        bool seen = w.numberSeen(keccak256(abi.encode(seller, numberHash))) || w.invoiceDocumentSeen(documentHash);
        Before memory b = _before(seller, 0);
        bool ok;
        bytes memory err;
        vm.prank(seller);
        try invoices.register(buyer, amount, dueDate, numberHash, documentHash) {
            ok = true;
        } catch (bytes memory e) {
            err = e;
        }
        _member("registerInvoice", ok, b, err);
        if (seen) w.violate("registerInvoice: invoice number or document registered twice");
        w.recordNumber(keccak256(abi.encode(seller, numberHash)));
        w.recordInvoiceDocument(documentHash);
        if (confirmSeed % 2 == 0) _confirm(count + 1, buyer, false);
    }

    /// @dev Number and document hashes: fresh mostly, now and then one already used.
    function _anchors(uint256 count, uint256 dupSeed) private pure returns (bytes32 numberHash, bytes32 documentHash) {
        uint256 numberNonce = dupSeed % 8 == 0 ? (dupSeed >> 3) % (count + 1) : count + 1;
        uint256 documentNonce = dupSeed % 16 == 1 ? (dupSeed >> 4) % (count + 1) : count + 1;
        numberHash = keccak256(abi.encode("INV", numberNonce));
        documentHash = keccak256(abi.encode("DOC", documentNonce));
    }

    function confirmInvoice(uint256 invoiceSeed, uint256 callerSeed) external onClock {
        uint256 id = w.pickInvoiceWithStatus(IInvoiceRegistry.InvoiceStatus.Registered, invoiceSeed);
        if (id == 0) return _discard();
        _confirm(id, w.mostly(callerSeed, invoices.invoice(id).buyer), true);
    }

    function rejectInvoice(uint256 invoiceSeed, uint256 callerSeed) external onClock {
        uint256 id = w.pickInvoiceWithStatus(IInvoiceRegistry.InvoiceStatus.Registered, invoiceSeed);
        if (id == 0) return _discard();
        address caller = w.mostly(callerSeed, invoices.invoice(id).buyer);
        Before memory b = _before(caller, 0);
        bool ok;
        bytes memory err;
        vm.prank(caller);
        try invoices.reject(id, keccak256("not delivered")) {
            ok = true;
        } catch (bytes memory e) {
            err = e;
        }
        _member("rejectInvoice", ok, b, err);
    }

    function cancelInvoice(uint256 invoiceSeed, uint256 callerSeed) external onClock {
        uint256 id = w.pickInvoiceWithStatus(IInvoiceRegistry.InvoiceStatus.Registered, invoiceSeed);
        if (id == 0) return _discard();
        address caller = w.mostly(callerSeed, invoices.invoice(id).seller);
        Before memory b = _before(caller, 0);
        bool ok;
        bytes memory err;
        vm.prank(caller);
        try invoices.cancel(id) {
            ok = true;
        } catch (bytes memory e) {
            err = e;
        }
        _member("cancelInvoice", ok, b, err);
    }

    /// @notice The inspector certifies an invoice's goods: mostly a pass, one in eight a fail.
    function issueCertificate(uint256 invoiceSeed, uint256 callerSeed, uint256 resultSeed, uint256 dupSeed)
        external
        onClock
    {
        uint256 invoiceId = w.pickInvoice(invoiceSeed);
        if (invoiceId == 0) return _discard();
        address caller = w.mostly(callerSeed, w.actor(w.INSPECTOR()));
        IQualityRegistry.CertificateResult result = resultSeed % 16 == 0
            ? IQualityRegistry.CertificateResult.None
            : (resultSeed % 8 == 1 ? IQualityRegistry.CertificateResult.Fail : IQualityRegistry.CertificateResult.Pass);
        uint256 count = w.certificateCount();
        uint256 nonce = dupSeed % 8 == 0 ? (dupSeed >> 3) % (count + 1) : count + 1;
        bytes32 documentHash = keccak256(abi.encode("CERT", nonce));
        uint256 expiresAt = block.timestamp + 1 + (resultSeed >> 4) % 400 days;
        bool seen = w.certificateDocumentSeen(documentHash);
        Before memory b = _before(caller, 0);
        bool ok;
        bytes memory err;
        vm.prank(caller);
        try quality.issue(invoiceId, keccak256("batch"), keccak256("GB/T 19001"), result, documentHash, expiresAt) {
            ok = true;
        } catch (bytes memory e) {
            err = e;
        }
        _member("issueCertificate", ok, b, err);
        if (seen) w.violate("issueCertificate: certificate document registered twice");
        w.recordCertificate(documentHash, invoiceId, result == IQualityRegistry.CertificateResult.Fail);
    }

    /// @notice The inspector revokes a certificate: mostly a failing one (lifting the freeze it caused).
    function revokeCertificate(uint256 certificateSeed, uint256 callerSeed) external onClock {
        uint256 id = w.pickCertificateToRevoke(certificateSeed);
        if (id == 0) return _discard();
        IQualityRegistry.Certificate memory cert = quality.certificate(id);
        address caller = w.mostly(callerSeed, cert.inspector);
        Before memory b = _before(caller, 0);
        bool ok;
        bytes memory err;
        vm.prank(caller);
        try quality.revoke(id, keccak256("sample failed")) {
            ok = true;
        } catch (bytes memory e) {
            err = e;
        }
        _member("revokeCertificate", ok, b, err);
        if (ok && cert.result == IQualityRegistry.CertificateResult.Fail) w.recordRevokedFailing(cert.invoiceId);
    }

    /// @notice A core enterprise issues against a confirmed invoice it owes, within the tenor
    /// mostly, citing a certificate of the goods half of the time.
    function issueCredit(
        uint256 obligorSeed,
        uint256 invoiceSeed,
        uint256 faceSeed,
        uint256 tenorSeed,
        uint256 certSeed
    ) external onClock {
        address obligor = w.pick(obligorSeed, w.CORE_A(), w.CORE_B());
        uint256 invoiceId = w.pickOpenInvoiceOwedBy(obligor, invoiceSeed);
        if (invoiceId == 0 && invoiceSeed % 4 != 0) {
            address seller = w.pick(invoiceSeed >> 2, w.SUPPLIER_1(), w.SUPPLIER_4());
            invoiceId = _openInvoice(seller, obligor, 1 + (faceSeed >> 8) % (2_000 * w.UNIT()));
        }
        if (invoiceId == 0) invoiceId = w.pickInvoice(invoiceSeed);
        if (invoiceId == 0) return _discard();
        IInvoiceRegistry.Invoice memory inv = invoices.invoice(invoiceId);
        uint256 face = _part(inv.remaining, faceSeed);
        if (face == 0) face = 1 + faceSeed % (1_000 * w.UNIT());
        IConsortium.Limits memory limits = consortium.limits();
        uint256 tenorDays =
            tenorSeed % 8 == 0 ? limits.maxTenorDays + tenorSeed % 3 : 1 + tenorSeed % limits.maxTenorDays;
        uint256 maturity = block.timestamp + tenorDays * 1 days - (tenorSeed >> 8) % 1 days;
        uint256 certificateId = _certificateFor(obligor, invoiceId, certSeed);
        Before memory b = _before(obligor, 0);
        bool ok;
        bytes memory err;
        uint256 creditId;
        vm.prank(obligor);
        try voucher.issue(invoiceId, face, maturity, certificateId) returns (uint256 id) {
            ok = true;
            creditId = id;
        } catch (bytes memory e) {
            err = e;
        }
        _member("issueCredit", ok, b, err);
        if (maturity <= block.timestamp || maturity > block.timestamp + uint256(limits.maxTenorDays) * 1 days) {
            w.violate("issueCredit: maturity outside the tenor in force");
        }
        if (!w.isActive(inv.seller) || w.isPlatformContract(inv.seller)) {
            w.violate("issueCredit: root fragment minted to an inactive member");
        }
        w.recordCredit(creditId, obligor, limits.maxTenorDays);
        w.recordFragment(creditId, limits.maxTierDepth, false);
        w.recordDraw(invoiceId, face);
    }

    /// @dev Half of the time (always if the obligor requires one) a certificate: one of the
    /// invoice's goods if there is one, else mostly a passing one the inspector issues now.
    function _certificateFor(address obligor, uint256 invoiceId, uint256 seed) private returns (uint256 id) {
        if (seed % 2 == 0 && !consortium.requiresQualityCertificate(obligor)) return 0;
        id = w.pickCertificateFor(invoiceId, seed >> 1);
        if ((id != 0 && quality.certificate(id).invoiceId == invoiceId) || seed % 8 == 7) return id;
        uint256 nonce = w.certificateCount() + 1;
        bytes32 documentHash = keccak256(abi.encode("CERT", nonce));
        vm.prank(w.actor(w.INSPECTOR()));
        try quality.issue(
            invoiceId,
            keccak256("batch"),
            keccak256("GB/T 19001"),
            IQualityRegistry.CertificateResult.Pass,
            documentHash,
            block.timestamp + 365 days
        ) returns (
            uint256 newId
        ) {
            w.recordCertificate(documentHash, invoiceId, false);
            return newId;
        } catch {}
    }

    /// @dev `standalone`: a revert is the call's outcome; otherwise (right after registering) it is only skipped.
    function _confirm(uint256 id, address caller, bool standalone) private {
        Before memory b = _before(caller, 0);
        bool ok;
        bytes memory err;
        vm.prank(caller);
        try invoices.confirm(id) {
            ok = true;
        } catch (bytes memory e) {
            err = e;
        }
        if (ok || standalone) _member("confirmInvoice", ok, b, err);
    }
}
