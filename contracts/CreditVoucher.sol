// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ERC2771Context} from "@openzeppelin/contracts/metatx/ERC2771Context.sol";
import {IERC721} from "@openzeppelin/contracts/token/ERC721/IERC721.sol";
import {IERC721Receiver} from "@openzeppelin/contracts/token/ERC721/IERC721Receiver.sol";
import {IERC721Metadata} from "@openzeppelin/contracts/token/ERC721/extensions/IERC721Metadata.sol";
import {Base64} from "@openzeppelin/contracts/utils/Base64.sol";
import {Strings} from "@openzeppelin/contracts/utils/Strings.sol";
import {ERC165} from "@openzeppelin/contracts/utils/introspection/ERC165.sol";
import {IERC165} from "@openzeppelin/contracts/utils/introspection/IERC165.sol";
import {IConsortium} from "./interfaces/IConsortium.sol";
import {ICreditVoucher} from "./interfaces/ICreditVoucher.sol";
import {IERC3525, IERC3525Metadata, IERC3525Receiver} from "./interfaces/IERC3525.sol";
import {IInvoiceRegistry} from "./interfaces/IInvoiceRegistry.sol";
import {IQualityRegistry} from "./interfaces/IQualityRegistry.sol";
import {Roles} from "./libraries/Roles.sol";

// Time rules here are days or months apart (tenor, maturity, expiry, grace); the seconds of leeway a
// block producer has over `block.timestamp` cannot change an outcome that matters.
// slither-disable-start timestamp
/// @title CreditVoucher
/// @notice ERC-3525 (and ERC-721) credit vouchers of TierCredit. A credit is a slot; its fragments
/// are tokens that keep their lineage back to the root, so every value traces to a confirmed invoice.
contract CreditVoucher is ICreditVoucher, ERC165, ERC2771Context {
    using Strings for uint256;

    /// @notice Value is in SettlementToken units, which have 6 decimals.
    uint8 public constant VALUE_DECIMALS = 6;

    IConsortium private immutable _consortium;
    IInvoiceRegistry private immutable _invoices;
    IQualityRegistry private immutable _quality;
    address private _financing;
    address private _settlement;
    uint256 private _tokenCount;
    mapping(uint256 creditId => Credit) private _credits;
    mapping(uint256 tokenId => Fragment) private _fragments;
    mapping(address owner => uint256) private _balances;
    mapping(uint256 tokenId => address) private _tokenApprovals;
    mapping(address owner => mapping(address operator => bool)) private _operatorApprovals;
    // Each change of owner starts a new epoch of a token: value allowances of earlier epochs lapse for good.
    mapping(uint256 tokenId => uint256) private _ownerEpochs;
    mapping(uint256 tokenId => mapping(uint256 epoch => mapping(address operator => uint256))) private _valueAllowances;

    modifier onlyFinancing() {
        if (msg.sender != _financing) revert VoucherNotPlatform(msg.sender);
        _;
    }

    constructor(IConsortium consortium, IInvoiceRegistry invoices, IQualityRegistry quality)
        ERC2771Context(consortium.trustedForwarder())
    {
        _consortium = consortium;
        _invoices = invoices;
        _quality = quality;
    }

    // ----------------------------------------------------------------- TierCredit

    /// @inheritdoc ICreditVoucher
    /// @dev The registry and the consortium are this platform's own contracts, fixed at construction:
    /// their calls cannot re-enter, and the supplier is known only once the invoice is drawn down.
    // slither-disable-next-line reentrancy-benign,reentrancy-events
    function issue(uint256 invoiceId, uint256 faceValue, uint256 maturity, uint256 certificateId)
        external
        returns (uint256 creditId)
    {
        if (faceValue == 0 || faceValue > type(uint96).max) revert VoucherInsufficientValue(0, faceValue, type(uint96).max);
        address supplier = _invoices.drawDown(invoiceId, _msgSender(), faceValue);
        uint32 gracePeriodDays = _checkIssuance(invoiceId, supplier, faceValue, maturity, certificateId);

        creditId = ++_tokenCount;
        // Field by field, leaving the zero ones (not frozen; no certificate) unwritten: each write
        // into a packed slot reads and writes it again.
        Credit storage cr = _credits[creditId];
        cr.obligor = _msgSender();
        cr.maturity = uint40(maturity);
        if (certificateId != 0) cr.certificateId = uint48(certificateId);
        cr.faceValue = uint96(faceValue);
        cr.sourceInvoiceId = uint48(invoiceId);
        cr.issuedAt = uint40(block.timestamp);
        if (gracePeriodDays != 0) cr.gracePeriodDays = gracePeriodDays;
        // A root fragment stores only (owner, value): its lineage is its credit's.
        Fragment storage root = _fragments[creditId];
        root.owner = supplier;
        root.value = uint96(faceValue);
        ++_balances[supplier];
        emit Transfer(address(0), supplier, creditId);
        emit SlotChanged(creditId, 0, creditId);
        emit TransferValue(0, creditId, faceValue);
        emit CreditIssued(creditId, _msgSender(), supplier, faceValue, maturity, invoiceId, certificateId, gracePeriodDays);
    }

    /// @inheritdoc ICreditVoucher
    function splitTransfer(uint256 fromTokenId, address to, uint256 value, uint256 invoiceId)
        external
        returns (uint256 newTokenId)
    {
        Fragment storage source = _fragments[fromTokenId];
        (uint256 creditId, Credit storage cr) = _movable(fromTokenId, source);
        address holder = source.owner;
        _spend(fromTokenId, holder, value);
        uint8 depth = source.depth + 1;
        uint8 receiverBits = _tradeReceiverBits(fromTokenId, depth, holder, to);
        bool toFinancier = _isFinancier(receiverBits);
        newTokenId = _split(fromTokenId, source, creditId, to, value, invoiceId, depth, false, toFinancier);
        emit TradeTransferred(fromTokenId, newTokenId, invoiceId, value, depth);
        _drawInvoice(invoiceId, holder, to, value);
        _shiftExposure(cr.obligor, holder, source.heldAsFinancier, to, toFinancier, value);
        _checkValueReceiver(fromTokenId, newTokenId, to, value);
    }

    /// @inheritdoc ICreditVoucher
    function setFragmentFrozen(uint256 tokenId, bool frozen, bytes32 reasonHash) external {
        _requireSupervisor();
        Fragment storage f = _existing(tokenId);
        if (f.frozen == frozen) revert VoucherFreezeUnchanged(tokenId, frozen);
        f.frozen = frozen;
        emit FragmentFrozen(tokenId, frozen, reasonHash);
    }

    /// @inheritdoc ICreditVoucher
    function setCreditFrozen(uint256 creditId, bool frozen, bytes32 reasonHash) external {
        _requireSupervisor();
        Credit storage cr = _credits[creditId];
        if (cr.obligor == address(0)) revert VoucherNonexistentToken(creditId);
        if (cr.frozen == frozen) revert VoucherFreezeUnchanged(creditId, frozen);
        cr.frozen = frozen;
        emit CreditFrozen(creditId, frozen, reasonHash);
    }

    /// @inheritdoc ICreditVoucher
    function liftQualityFreeze(uint256 creditId, bytes32 reasonHash) external {
        _requireSupervisor();
        Credit storage cr = _credits[creditId];
        if (cr.obligor == address(0)) revert VoucherNonexistentToken(creditId);
        uint256 certificateId = cr.certificateId;
        if (!_qualityFrozen(cr)) revert VoucherNotQualityFrozen(creditId, certificateId);
        cr.qualityFreezeLifted = true;
        emit QualityFreezeLifted(creditId, _msgSender(), reasonHash);
    }

    /// @inheritdoc ICreditVoucher
    function lock(uint256 tokenId, uint256 value, address holder) external onlyFinancing returns (uint256 lockedTokenId) {
        Fragment storage source = _fragments[tokenId];
        if (source.owner != holder) revert VoucherUnauthorized(holder, tokenId);
        (uint256 creditId,) = _movable(tokenId, source);
        _consortium.requireActive(holder);
        if (value == 0 || value > source.value) revert VoucherInsufficientValue(tokenId, value, source.value);
        if (value == source.value) {
            source.locked = true;
            lockedTokenId = tokenId;
        } else {
            lockedTokenId = _split(tokenId, source, creditId, holder, value, 0, source.depth, true, source.heldAsFinancier);
        }
        emit FragmentLocked(lockedTokenId, true);
    }

    /// @inheritdoc ICreditVoucher
    function unlock(uint256 tokenId) external onlyFinancing {
        Fragment storage f = _existing(tokenId);
        if (!f.locked) revert VoucherNotLocked(tokenId);
        f.locked = false;
        emit FragmentLocked(tokenId, false);
    }

    /// @inheritdoc ICreditVoucher
    function deliverLocked(uint256 tokenId, address to) external onlyFinancing {
        Fragment storage f = _existing(tokenId);
        if (!f.locked) revert VoucherNotLocked(tokenId);
        Credit storage cr = _credits[_creditIdOf(tokenId, f)];
        if (block.timestamp >= cr.maturity) revert VoucherMatured(_creditIdOf(tokenId, f), cr.maturity);
        if (_isFrozen(f, cr)) revert VoucherFrozen(tokenId);
        address holder = f.owner;
        // A discount sells to a financier: the same counterparty rules as any plain transfer.
        (, uint8 receiverBits) = _counterpartyBits(holder, to);
        f.locked = false;
        emit FragmentLocked(tokenId, false);
        _changeOwner(tokenId, f, cr.obligor, holder, to, receiverBits);
    }

    /// @inheritdoc ICreditVoucher
    function burnForRedemption(uint256 tokenId)
        external
        returns (address holder, uint256 value, uint256 creditId, address obligor, bool heldAsFinancier)
    {
        if (msg.sender != _settlement) revert VoucherNotPlatform(msg.sender);
        Fragment storage f = _existing(tokenId);
        holder = f.owner;
        if (holder == address(0)) revert VoucherNonexistentToken(tokenId);
        creditId = _creditIdOf(tokenId, f);
        Credit storage cr = _credits[creditId];
        if (block.timestamp < cr.maturity) revert VoucherNotMatured(creditId, cr.maturity);
        if (_isFrozen(f, cr)) revert VoucherFrozen(tokenId);
        if (f.locked) revert VoucherLocked(tokenId);
        _consortium.requireActive(holder);
        value = f.value;
        obligor = cr.obligor;
        // The claim takes the exposure over: it falls only by what is paid out on it.
        heldAsFinancier = f.heldAsFinancier;
        f.value = 0;
        f.owner = address(0);
        delete _tokenApprovals[tokenId];
        --_balances[holder];
        emit TransferValue(tokenId, 0, value);
        emit SlotChanged(tokenId, creditId, 0);
        emit Transfer(holder, address(0), tokenId);
    }

    /// @inheritdoc ICreditVoucher
    function linkPlatform(address financing, address settlement) external {
        _consortium.requireActiveRole(_msgSender(), Roles.OPERATOR);
        if (_financing != address(0)) revert VoucherAlreadyLinked();
        if (financing == address(0) || settlement == address(0)) revert VoucherNotPlatform(address(0));
        _financing = financing;
        _settlement = settlement;
        emit PlatformLinked(financing, settlement);
    }

    // ----------------------------------------------------------------- ERC-3525

    /// @inheritdoc IERC3525
    function transferFrom(uint256 fromTokenId, address to, uint256 value) external returns (uint256 newTokenId) {
        Fragment storage source = _fragments[fromTokenId];
        address holder = source.owner;
        (uint256 creditId, Credit storage cr) = _movable(fromTokenId, source);
        _spend(fromTokenId, holder, value);
        (, uint8 toBits) = _counterpartyBits(holder, to);
        // Value split off to oneself keeps the source's flag: nothing is acquired.
        bool toFinancier = to == holder ? source.heldAsFinancier : _isFinancier(toBits);
        newTokenId = _split(fromTokenId, source, creditId, to, value, 0, source.depth, false, toFinancier);
        _shiftExposure(cr.obligor, holder, source.heldAsFinancier, to, toFinancier, value);
        _checkValueReceiver(fromTokenId, newTokenId, to, value);
    }

    /// @inheritdoc IERC3525
    function transferFrom(uint256 fromTokenId, uint256 toTokenId, uint256 value) external {
        Fragment storage source = _fragments[fromTokenId];
        address holder = source.owner;
        (uint256 creditId, Credit storage cr) = _movable(fromTokenId, source);
        _spend(fromTokenId, holder, value);
        (Fragment storage target, address receiver) = _valueTarget(fromTokenId, toTokenId, creditId);
        if (value == 0 || value > source.value) revert VoucherInsufficientValue(fromTokenId, value, source.value);
        (, uint8 toBits) = _counterpartyBits(holder, receiver);
        uint256 held = target.value;
        unchecked {
            source.value -= uint96(value);
            // Cannot overflow: the values of one credit sum to at most its uint96 face value.
            target.value = uint96(held + value);
        }
        emit TransferValue(fromTokenId, toTokenId, value);
        // Into one's own fragment nothing is acquired: the target keeps its flag.
        bool toCounted = receiver == holder ? target.heldAsFinancier : _recountTarget(cr.obligor, target, receiver, toBits, held);
        _shiftExposure(cr.obligor, holder, source.heldAsFinancier, receiver, toCounted, value);
        _checkValueReceiver(fromTokenId, toTokenId, receiver, value);
    }

    /// @inheritdoc IERC3525
    function approve(uint256 tokenId, address operator, uint256 value) external {
        address holder = _ownerOf(tokenId);
        if (operator == holder) revert VoucherInvalidOperator(operator);
        // EIP-3525: the owner, an operator for all its tokens, or the token's approved address.
        if (_msgSender() != holder && !_operatorApprovals[holder][_msgSender()] && _tokenApprovals[tokenId] != _msgSender()) {
            revert VoucherUnauthorized(_msgSender(), tokenId);
        }
        _consortium.requireActive(_msgSender());
        _valueAllowances[tokenId][_ownerEpochs[tokenId]][operator] = value;
        emit ApprovalValue(tokenId, operator, value);
    }

    /// @inheritdoc IERC3525
    function allowance(uint256 tokenId, address operator) external view returns (uint256) {
        _ownerOf(tokenId);
        return _valueAllowances[tokenId][_ownerEpochs[tokenId]][operator];
    }

    /// @inheritdoc IERC3525
    function valueDecimals() external pure returns (uint8) {
        return VALUE_DECIMALS;
    }

    /// @inheritdoc IERC3525
    function balanceOf(uint256 tokenId) external view returns (uint256) {
        _ownerOf(tokenId);
        return _fragments[tokenId].value;
    }

    /// @inheritdoc IERC3525
    function slotOf(uint256 tokenId) external view returns (uint256) {
        _ownerOf(tokenId);
        return _creditIdOf(tokenId, _fragments[tokenId]);
    }

    // ----------------------------------------------------------------- ERC-721

    /// @inheritdoc IERC721
    function balanceOf(address owner) external view returns (uint256) {
        if (owner == address(0)) revert VoucherInvalidOwner(owner);
        return _balances[owner];
    }

    /// @inheritdoc IERC721
    function ownerOf(uint256 tokenId) external view returns (address) {
        return _ownerOf(tokenId);
    }

    /// @inheritdoc IERC721
    function transferFrom(address from, address to, uint256 tokenId) public {
        Fragment storage f = _fragments[tokenId];
        address holder = f.owner;
        (, Credit storage cr) = _movable(tokenId, f);
        if (from != holder) revert VoucherUnauthorized(from, tokenId);
        if (_msgSender() != holder) {
            if (!_operatorApprovals[holder][_msgSender()] && _tokenApprovals[tokenId] != _msgSender()) {
                revert VoucherUnauthorized(_msgSender(), tokenId);
            }
            _consortium.requireActive(_msgSender());
        }
        (, uint8 toBits) = _counterpartyBits(holder, to);
        _changeOwner(tokenId, f, cr.obligor, holder, to, toBits);
    }

    /// @inheritdoc IERC721
    function safeTransferFrom(address from, address to, uint256 tokenId) external {
        safeTransferFrom(from, to, tokenId, "");
    }

    /// @inheritdoc IERC721
    function safeTransferFrom(address from, address to, uint256 tokenId, bytes memory data) public {
        transferFrom(from, to, tokenId);
        if (to.code.length > 0) {
            try IERC721Receiver(to).onERC721Received(_msgSender(), from, tokenId, data) returns (bytes4 retval) {
                if (retval != IERC721Receiver.onERC721Received.selector) revert VoucherInvalidReceiver(to);
            } catch {
                revert VoucherInvalidReceiver(to);
            }
        }
    }

    /// @inheritdoc IERC721
    function approve(address to, uint256 tokenId) external {
        address holder = _ownerOf(tokenId);
        if (_msgSender() != holder && !_operatorApprovals[holder][_msgSender()]) revert VoucherUnauthorized(_msgSender(), tokenId);
        _consortium.requireActive(_msgSender());
        _tokenApprovals[tokenId] = to;
        emit Approval(holder, to, tokenId);
    }

    /// @inheritdoc IERC721
    function setApprovalForAll(address operator, bool approved) external {
        if (operator == _msgSender() || operator == address(0)) revert VoucherInvalidOperator(operator);
        _consortium.requireActive(_msgSender());
        _operatorApprovals[_msgSender()][operator] = approved;
        emit ApprovalForAll(_msgSender(), operator, approved);
    }

    /// @inheritdoc IERC721
    function getApproved(uint256 tokenId) external view returns (address) {
        _ownerOf(tokenId);
        return _tokenApprovals[tokenId];
    }

    /// @inheritdoc IERC721
    function isApprovedForAll(address owner, address operator) external view returns (bool) {
        return _operatorApprovals[owner][operator];
    }

    // ----------------------------------------------------------------- metadata

    /// @inheritdoc IERC721Metadata
    function name() external pure returns (string memory) {
        return "TierCredit Credit Voucher";
    }

    /// @inheritdoc IERC721Metadata
    function symbol() external pure returns (string memory) {
        return "TCV";
    }

    /// @inheritdoc IERC721Metadata
    /// @dev On-chain JSON: the fragment, its place in the lineage and its credit's terms.
    function tokenURI(uint256 tokenId) external view returns (string memory) {
        Fragment storage f = _fragments[tokenId];
        if (f.owner == address(0)) revert VoucherNonexistentToken(tokenId);
        uint256 creditId = _creditIdOf(tokenId, f);
        Credit storage cr = _credits[creditId];
        string memory status = _isFrozen(f, cr)
            ? "frozen"
            : f.locked ? "locked in financing" : block.timestamp >= cr.maturity ? "matured" : "live";
        return _jsonURI(
            string.concat(
                '{"name":"TierCredit voucher #',
                tokenId.toString(),
                '","description":"Fragment of credit #',
                creditId.toString(),
                ', a receivable on its obligor, payable to the holder at maturity.","slot":',
                creditId.toString(),
                ',"balance":"',
                uint256(f.value).toString(),
                '","properties":{',
                _creditProperties(cr),
                ',"depth":',
                uint256(f.depth).toString(),
                ',"parent":',
                uint256(f.parentId).toString(),
                ',"status":"',
                status,
                '"}}'
            )
        );
    }

    /// @inheritdoc IERC3525Metadata
    function contractURI() external pure returns (string memory) {
        return _jsonURI(
            '{"name":"TierCredit Credit Voucher","description":"Supply-chain credit vouchers: each slot is a credit owed by a core enterprise, each token a fragment passed on tier after tier.","valueDecimals":6}'
        );
    }

    /// @inheritdoc IERC3525Metadata
    function slotURI(uint256 slot) external view returns (string memory) {
        Credit storage cr = _credits[slot];
        if (cr.obligor == address(0)) revert VoucherNonexistentToken(slot);
        string memory status = cr.frozen || _qualityFrozen(cr) ? "frozen" : block.timestamp >= cr.maturity ? "matured" : "live";
        return _jsonURI(
            string.concat(
                '{"name":"TierCredit credit #',
                slot.toString(),
                '","description":"A credit owed by its obligor, split into fragments.","properties":{',
                _creditProperties(cr),
                ',"status":"',
                status,
                '"}}'
            )
        );
    }

    // ----------------------------------------------------------------- views

    /// @inheritdoc ICreditVoucher
    function credit(uint256 creditId) external view returns (Credit memory) {
        Credit memory cr = _credits[creditId];
        if (cr.obligor == address(0)) revert VoucherNonexistentToken(creditId);
        return cr;
    }

    /// @inheritdoc ICreditVoucher
    function fragment(uint256 tokenId) external view returns (Fragment memory f) {
        f = _existing(tokenId);
        if (f.creditId == 0) {
            f.creditId = uint64(tokenId);
            f.invoiceId = _credits[tokenId].sourceInvoiceId;
        }
    }

    /// @inheritdoc ICreditVoucher
    function isTransferable(uint256 tokenId) external view returns (bool) {
        Fragment storage f = _fragments[tokenId];
        if (f.owner == address(0) || f.locked) return false;
        Credit storage cr = _credits[_creditIdOf(tokenId, f)];
        return block.timestamp < cr.maturity && !_isFrozen(f, cr);
    }

    /// @inheritdoc ICreditVoucher
    function isFrozen(uint256 tokenId) external view returns (bool) {
        Fragment storage f = _existing(tokenId);
        return _isFrozen(f, _credits[_creditIdOf(tokenId, f)]);
    }

    /// @inheritdoc ICreditVoucher
    function tokenCount() external view returns (uint256) {
        return _tokenCount;
    }

    /// @inheritdoc ERC165
    function supportsInterface(bytes4 interfaceId) public view override(ERC165, IERC165) returns (bool) {
        return interfaceId == type(IERC3525).interfaceId || interfaceId == type(IERC721).interfaceId
            || interfaceId == type(IERC721Metadata).interfaceId || interfaceId == type(IERC3525Metadata).interfaceId
            || super.supportsInterface(interfaceId);
    }

    // ----------------------------------------------------------------- internal

    /// @dev A live fragment whose value may move now; returns its credit.
    function _movable(uint256 tokenId, Fragment storage f) private view returns (uint256 creditId, Credit storage cr) {
        if (f.owner == address(0)) revert VoucherNonexistentToken(tokenId);
        creditId = _creditIdOf(tokenId, f);
        cr = _credits[creditId];
        if (block.timestamp >= cr.maturity) revert VoucherMatured(creditId, cr.maturity);
        if (f.locked) revert VoucherLocked(tokenId);
        if (_isFrozen(f, cr)) revert VoucherFrozen(tokenId);
    }

    /// @dev Frozen by an auditor (fragment or credit), or by a quality certificate gone bad.
    function _isFrozen(Fragment storage f, Credit storage cr) private view returns (bool) {
        return f.frozen || cr.frozen || _qualityFrozen(cr);
    }

    /// @dev A certificate revoked or contradicted by a failing inspection, unless a supervisor lifted that freeze.
    function _qualityFrozen(Credit storage cr) private view returns (bool) {
        uint256 certificateId = cr.certificateId;
        return certificateId != 0 && !_quality.inGoodStanding(certificateId) && !cr.qualityFreezeLifted;
    }

    /// @dev A live, unfrozen, unlocked fragment of the same credit split from the source: value never
    /// climbs to a shallower tier, and the target's parent stays the true origin of all its value.
    function _valueTarget(uint256 fromTokenId, uint256 toTokenId, uint256 creditId)
        private
        view
        returns (Fragment storage target, address receiver)
    {
        target = _existing(toTokenId);
        receiver = target.owner;
        if (receiver == address(0)) revert VoucherNonexistentToken(toTokenId);
        if (_creditIdOf(toTokenId, target) != creditId) revert VoucherSlotMismatch(fromTokenId, toTokenId);
        if (target.parentId != fromTokenId) revert VoucherLineageMismatch(fromTokenId, toTokenId, target.parentId);
        if (target.frozen) revert VoucherFrozen(toTokenId);
        if (target.locked) revert VoucherLocked(toTokenId);
    }

    /// @dev Value entering a fragment counts by its owner's role now, and the whole fragment follows:
    /// a member made a financier since it took the fragment takes on the value it already holds too.
    function _recountTarget(address obligor, Fragment storage target, address receiver, uint8 toBits, uint256 held)
        private
        returns (bool toCounted)
    {
        toCounted = _isFinancier(toBits);
        bool wasCounted = target.heldAsFinancier;
        if (wasCounted == toCounted) return toCounted;
        target.heldAsFinancier = toCounted;
        _shiftExposure(obligor, receiver, wasCounted, receiver, toCounted, held);
    }

    /// @dev The caller must be the owner, an approved operator, or hold enough value allowance, which it spends.
    /// A spender other than the owner must itself be an active member.
    function _spend(uint256 tokenId, address holder, uint256 value) private {
        if (_msgSender() == holder) return;
        _consortium.requireActive(_msgSender());
        if (_operatorApprovals[holder][_msgSender()] || _tokenApprovals[tokenId] == _msgSender()) return;
        uint256 epoch = _ownerEpochs[tokenId];
        uint256 allowed = _valueAllowances[tokenId][epoch][_msgSender()];
        if (allowed < value) revert VoucherInsufficientAllowance(_msgSender(), tokenId, allowed, value);
        if (allowed != type(uint256).max) {
            unchecked {
                allowed -= value;
            }
            _valueAllowances[tokenId][epoch][_msgSender()] = allowed;
            emit ApprovalValue(tokenId, _msgSender(), allowed);
        }
    }

    /// @dev Both owners active; between two non-financiers value moves only with a trade reference.
    function _counterpartyBits(address from, address to) private view returns (uint8 fromBits, uint8 toBits) {
        if (to == address(0)) revert VoucherInvalidReceiver(to);
        (fromBits, toBits) = _consortium.activeRoleBitsPair(from, to);
        // Platform contracts are members to hold escrow, never vouchers: nothing could move it out again.
        if (toBits & Roles.PLATFORM_BIT != 0) revert VoucherInvalidReceiver(to);
        if (from != to && (fromBits | toBits) & Roles.FINANCIER_BIT == 0) revert VoucherTradeReferenceRequired(from, to);
    }

    /// @dev The consortium checks the parties (the caller a core enterprise, the invoice's seller a
    /// supplier, both active) and draws the quota; here: maturity within the tenor cap, goods
    /// certified where the certificate is given or the obligor requires one. Returns the grace
    /// period in force, which the credit keeps.
    function _checkIssuance(
        uint256 invoiceId,
        address supplier,
        uint256 faceValue,
        uint256 maturity,
        uint256 certificateId
    ) private returns (uint32 gracePeriodDays) {
        IConsortium.TradeContext memory parties = _consortium.drawIssuance(_msgSender(), supplier, faceValue);
        uint256 maxMaturity = block.timestamp + uint256(parties.limits.maxTenorDays) * 1 days;
        if (maturity <= block.timestamp || maturity > maxMaturity) revert VoucherInvalidMaturity(maturity, maxMaturity);
        if (certificateId != 0) {
            _quality.requireUsable(certificateId, invoiceId);
        } else if (parties.fromRequiresCertificate) {
            revert VoucherCertificateRequired(_msgSender(), invoiceId);
        }
        return parties.limits.gracePeriodDays;
    }

    /// @dev A hop to a supplier: within the tier cap and between active members; the receiver's role bits.
    function _tradeReceiverBits(uint256 fromTokenId, uint8 depth, address holder, address to)
        private
        view
        returns (uint8 receiverBits)
    {
        IConsortium.TradeContext memory parties = _consortium.tradeContext(holder, to);
        uint8 maxDepth = parties.limits.maxTierDepth;
        if (depth > maxDepth) revert VoucherTierDepthExceeded(fromTokenId, depth, maxDepth);
        return parties.toRoleBits;
    }

    /// @dev The invoice registry is the platform's own: it reverts the whole hop unless the
    /// invoice is confirmed, owed by the holder and has `value` left; it must be owed to `to`.
    function _drawInvoice(uint256 invoiceId, address holder, address to, uint256 value) private {
        address seller = _invoices.drawDown(invoiceId, holder, value);
        if (seller != to) revert VoucherInvoiceSellerMismatch(invoiceId, seller, to);
    }

    /// @dev Value leaves `from`'s exposure if it counted there and joins `to`'s if it counts there,
    /// by the fragments' flags, not by today's roles: a role change never strands exposure.
    function _shiftExposure(address obligor, address from, bool fromCounted, address to, bool toCounted, uint256 value)
        private
    {
        if (from == to && fromCounted == toCounted) return;
        if (fromCounted) _consortium.decreaseExposure(from, obligor, value);
        if (toCounted) _consortium.increaseExposure(to, obligor, value);
    }

    function _isFinancier(uint8 roleBits) private pure returns (bool) {
        return roleBits & Roles.FINANCIER_BIT != 0;
    }

    /// @dev Moves `value` out of `source` into a new fragment owned by `to`.
    function _split(
        uint256 fromTokenId,
        Fragment storage source,
        uint256 creditId,
        address to,
        uint256 value,
        uint256 invoiceId,
        uint8 depth,
        bool locked,
        bool heldAsFinancier
    ) private returns (uint256 newTokenId) {
        if (to == address(0)) revert VoucherInvalidReceiver(to);
        uint256 available = source.value;
        if (value == 0 || value > available) revert VoucherInsufficientValue(fromTokenId, value, available);
        unchecked {
            source.value = uint96(available - value);
        }
        newTokenId = ++_tokenCount;
        // Field by field, leaving the zero ones unwritten (as in `issue`).
        Fragment storage created = _fragments[newTokenId];
        created.owner = to;
        created.value = uint96(value);
        created.creditId = uint64(creditId);
        created.parentId = uint64(fromTokenId);
        if (invoiceId != 0) created.invoiceId = uint48(invoiceId);
        created.depth = depth;
        if (locked) created.locked = true;
        if (heldAsFinancier) created.heldAsFinancier = true;
        ++_balances[to];
        emit Transfer(address(0), to, newTokenId);
        emit SlotChanged(newTokenId, 0, creditId);
        emit TransferValue(fromTokenId, newTokenId, value);
    }

    /// @dev The whole fragment changes hands; its value counts as exposure by the new owner's role now.
    function _changeOwner(uint256 tokenId, Fragment storage f, address obligor, address from, address to, uint8 toBits)
        private
    {
        delete _tokenApprovals[tokenId];
        ++_ownerEpochs[tokenId];
        --_balances[from];
        ++_balances[to];
        f.owner = to;
        bool fromCounted = f.heldAsFinancier;
        // To oneself nothing is acquired: the fragment keeps its flag whatever the roles are now.
        bool toCounted = from == to ? fromCounted : _isFinancier(toBits);
        if (fromCounted != toCounted) f.heldAsFinancier = toCounted;
        emit Transfer(from, to, tokenId);
        _shiftExposure(obligor, from, fromCounted, to, toCounted, f.value);
    }

    function _checkValueReceiver(uint256 fromTokenId, uint256 toTokenId, address to, uint256 value) private {
        if (to.code.length == 0) return;
        // Platform contracts and other receivers that do not speak ERC-3525 take value as-is.
        try IERC165(to).supportsInterface(type(IERC3525Receiver).interfaceId) returns (bool supported) {
            if (!supported) return;
        } catch {
            return;
        }
        bytes4 retval = IERC3525Receiver(to).onERC3525Received(_msgSender(), fromTokenId, toTokenId, value, "");
        if (retval != IERC3525Receiver.onERC3525Received.selector) revert VoucherInvalidReceiver(to);
    }

    function _requireSupervisor() private view {
        uint8 bits = _consortium.roleBitsOf(_msgSender());
        if (
            bits & (Roles.AUDITOR_BIT | Roles.OPERATOR_BIT) == 0
                || _consortium.statusOf(_msgSender()) != IConsortium.MemberStatus.Active
        ) revert VoucherNotSupervisor(_msgSender());
    }

    function _creditProperties(Credit storage cr) private view returns (string memory) {
        return string.concat(
            '"obligor":"',
            Strings.toHexString(cr.obligor),
            '","faceValue":"',
            uint256(cr.faceValue).toString(),
            '","maturity":',
            uint256(cr.maturity).toString(),
            ',"invoice":',
            uint256(cr.sourceInvoiceId).toString(),
            ',"certificate":',
            uint256(cr.certificateId).toString()
        );
    }

    function _jsonURI(string memory json) private pure returns (string memory) {
        return string.concat("data:application/json;base64,", Base64.encode(bytes(json)));
    }

    function _existing(uint256 tokenId) private view returns (Fragment storage) {
        if (tokenId == 0 || tokenId > _tokenCount) revert VoucherNonexistentToken(tokenId);
        return _fragments[tokenId];
    }

    function _ownerOf(uint256 tokenId) private view returns (address holder) {
        holder = _fragments[tokenId].owner;
        if (holder == address(0)) revert VoucherNonexistentToken(tokenId);
    }

    /// @dev A root fragment leaves the lineage fields empty (depth 0): its credit id is its own id.
    function _creditIdOf(uint256 tokenId, Fragment storage f) private view returns (uint256) {
        uint256 creditId = f.creditId;
        return creditId == 0 ? tokenId : creditId;
    }
}
// slither-disable-end timestamp
