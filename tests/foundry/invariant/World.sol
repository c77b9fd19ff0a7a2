// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Consortium} from "../../../contracts/Consortium.sol";
import {CreditVoucher} from "../../../contracts/CreditVoucher.sol";
import {Financing} from "../../../contracts/Financing.sol";
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
import {vm} from "../Vm.sol";

/// @title The platform under test, its actors and the ghost record the invariants compare against
/// @notice Deploys and wires TierCredit as backend/chain/deploy.py does, onboards one actor per
/// role (two core enterprises, four suppliers, two financiers), leaves two latecomers for the
/// operator to onboard during a run and one stranger who is never onboarded. The handlers write
/// the ghost record after every call that succeeded; the invariant test reads it.
contract World {
    uint256 public constant UNIT = 1e6;
    uint256 public constant OPERATOR = 0;
    uint256 public constant CORE_A = 1;
    uint256 public constant CORE_B = 2;
    uint256 public constant SUPPLIER_1 = 3;
    uint256 public constant SUPPLIER_4 = 6;
    uint256 public constant BANK_A = 7;
    uint256 public constant BANK_B = 8;
    uint256 public constant INSPECTOR = 9;
    uint256 public constant AUDITOR = 10;
    uint256 public constant LATE_SUPPLIER = 11;
    uint256 public constant LATE_BANK = 12;
    uint256 public constant STRANGER = 13;
    uint256 public constant ACTOR_COUNT = 14;
    uint256 public constant START_TIME = 1_750_000_000;
    /// @notice Each core's line from each bank at the start: room for a run's issues and discounts.
    uint256 public constant INITIAL_LINE = 50_000 * UNIT;

    Consortium public immutable consortium;
    SettlementToken public immutable cash;
    InvoiceRegistry public immutable invoices;
    QualityRegistry public immutable quality;
    CreditVoucher public immutable voucher;
    Financing public immutable financing;
    Settlement public immutable settlement;

    address[ACTOR_COUNT] private _actors;
    uint256[ACTOR_COUNT] private _keys;
    mapping(address account => uint256 indexPlusOne) private _actorIndex;

    // ---------------------------------------------------------------- ghost record

    /// @notice The run's clock: every handler call warps here first, so time only moves by `warp`.
    uint256 public time = START_TIME;
    uint256 public certificateCount;
    uint256 public requestCount;
    uint256 public quoteCount;
    uint256[] private _credits;
    address[] private _obligors;
    /// @notice (financier, obligor) pairs whose line was ever set: the only lines that can be non-zero.
    address[2][] private _linePairs;
    mapping(address financier => mapping(address obligor => bool)) private _lineSet;
    mapping(address obligor => bool) private _isObligor;
    /// @notice Value drawn from each invoice by the issues and hops that succeeded.
    mapping(uint256 invoiceId => uint256) public drawn;
    mapping(bytes32 sellerNumberKey => bool) public numberSeen;
    mapping(bytes32 documentHash => bool) public invoiceDocumentSeen;
    mapping(bytes32 documentHash => bool) public certificateDocumentSeen;
    /// @notice The platform's maximum tier depth when the fragment was created.
    mapping(uint256 tokenId => uint8) public maxDepthAtCreation;
    /// @notice Created by a split-transfer citing an invoice: the only way one tier deeper.
    mapping(uint256 tokenId => bool) public createdAsHop;
    mapping(uint256 creditId => uint32) public tenorAtIssue;
    mapping(uint256 creditId => uint256) public repaidIn;
    /// @notice Failing certificates of an invoice's goods that are not revoked, counted here.
    mapping(uint256 invoiceId => uint256) public failingCertificates;
    /// @notice The design's exposure model: a financier's exposure grows when it acquires value
    /// from someone else while it holds the financier role, and falls only when it passes value
    /// on, is paid out, or writes a claim off. A member moving value to itself changes nothing.
    mapping(address financier => mapping(address obligor => uint256)) public modelExposure;
    mapping(uint256 tokenId => bool) public modelCounted;
    mapping(uint256 tokenId => bool) public modelRedeemed;
    /// @notice Calls that succeeded in this run, per operation (reverted ones are re-raised to forge).
    mapping(bytes32 op => uint256) public succeeded;
    bytes32[] private _ops;
    uint256 public violations;
    string public firstViolation;

    constructor() {
        for (uint256 i = 0; i < ACTOR_COUNT; ++i) {
            _keys[i] = 0xA11CE000 + i;
            _actors[i] = vm.addr(_keys[i]);
            _actorIndex[_actors[i]] = i + 1;
        }
        address op = _actors[OPERATOR];
        vm.warp(START_TIME);
        // From the artifacts, not `new`: embedding seven creation codes would put World's own
        // initcode past the EIP-3860 limit that the project's forge settings enforce.
        consortium = Consortium(vm.deployCode("Consortium.sol:Consortium", abi.encode(op, address(0))));
        cash = SettlementToken(vm.deployCode("SettlementToken.sol:SettlementToken", abi.encode(consortium)));
        invoices = InvoiceRegistry(vm.deployCode("InvoiceRegistry.sol:InvoiceRegistry", abi.encode(consortium)));
        quality =
            QualityRegistry(vm.deployCode("QualityRegistry.sol:QualityRegistry", abi.encode(consortium, invoices)));
        voucher =
            CreditVoucher(vm.deployCode("CreditVoucher.sol:CreditVoucher", abi.encode(consortium, invoices, quality)));
        financing = Financing(vm.deployCode("Financing.sol:Financing", abi.encode(consortium, voucher, cash)));
        settlement = Settlement(vm.deployCode("Settlement.sol:Settlement", abi.encode(consortium, voucher, cash)));
        vm.startPrank(op);
        consortium.linkVoucher(address(voucher));
        invoices.linkVoucher(address(voucher));
        voucher.linkPlatform(address(financing), address(settlement));
        // Financing too: SettlementToken lets only active members spend an allowance, and
        // Financing pulls the financier's cash at acceptance (regressions/DiscountWiring.t.sol).
        consortium.onboard(address(voucher), keccak256("platform contract"), _roles(Roles.PLATFORM));
        consortium.onboard(address(financing), keccak256("platform contract"), _roles(Roles.PLATFORM));
        consortium.onboard(address(settlement), keccak256("platform contract"), _roles(Roles.PLATFORM));
        consortium.onboard(_actors[CORE_A], keccak256("kyc:core-a"), _roles(Roles.CORE_ENTERPRISE));
        consortium.onboard(_actors[CORE_B], keccak256("kyc:core-b"), _roles(Roles.CORE_ENTERPRISE));
        for (uint256 i = SUPPLIER_1; i <= SUPPLIER_4; ++i) {
            consortium.onboard(_actors[i], keccak256(abi.encode("kyc:supplier", i)), _roles(Roles.SUPPLIER));
        }
        consortium.onboard(_actors[BANK_A], keccak256("kyc:bank-a"), _roles(Roles.FINANCIER));
        consortium.onboard(_actors[BANK_B], keccak256("kyc:bank-b"), _roles(Roles.FINANCIER));
        consortium.onboard(_actors[INSPECTOR], keccak256("kyc:inspector"), _roles(Roles.INSPECTOR));
        consortium.onboard(_actors[AUDITOR], keccak256("kyc:auditor"), _roles(Roles.AUDITOR));
        vm.stopPrank();
        _fund(BANK_A);
        _fund(BANK_B);
        // Core B issues only against certified goods; core A only when it cites a certificate.
        vm.prank(_actors[CORE_B]);
        consortium.setQualityRequirement(true);
        _label();
    }

    // ---------------------------------------------------------------- actors

    function actors() external view returns (address[ACTOR_COUNT] memory) {
        return _actors;
    }

    /// @notice The obligors of the credits issued so far: the only ones anyone can have exposure to.
    function obligors() external view returns (address[] memory) {
        return _obligors;
    }

    function linePairs() external view returns (address[2][] memory) {
        return _linePairs;
    }

    function credits() external view returns (uint256[] memory) {
        return _credits;
    }

    function actor(uint256 index) public view returns (address) {
        return _actors[index];
    }

    function keyOf(uint256 index) external view returns (uint256) {
        return _keys[index];
    }

    /// @notice The actor's index, or ACTOR_COUNT for an address that is no actor.
    function indexOf(address account) public view returns (uint256) {
        uint256 indexPlusOne = _actorIndex[account];
        return indexPlusOne == 0 ? ACTOR_COUNT : indexPlusOne - 1;
    }

    /// @notice Any actor, the stranger and the latecomers included.
    function anyActor(uint256 seed) public view returns (address) {
        return _actors[seed % ACTOR_COUNT];
    }

    /// @notice Mostly one of `first..last`, one time in eight any actor at all.
    function pick(uint256 seed, uint256 first, uint256 last) public view returns (address) {
        if (seed % 8 == 7) return anyActor(seed >> 3);
        return _actors[first + (seed >> 3) % (last - first + 1)];
    }

    /// @notice Mostly `preferred`, one time in eight any actor at all.
    function mostly(uint256 seed, address preferred) public view returns (address) {
        return seed % 8 == 7 ? anyActor(seed >> 3) : preferred;
    }

    function isActive(address account) public view returns (bool) {
        return consortium.statusOf(account) == IConsortium.MemberStatus.Active;
    }

    function isFinancier(address account) public view returns (bool) {
        return consortium.roleBitsOf(account) & Roles.FINANCIER_BIT != 0;
    }

    function isPlatformContract(address account) public view returns (bool) {
        return account == address(voucher) || account == address(settlement) || account == address(financing)
            || account == address(cash) || account == address(invoices) || account == address(quality)
            || account == address(consortium);
    }

    // ---------------------------------------------------------------- picking existing ids

    function creditCount() external view returns (uint256) {
        return _credits.length;
    }

    function creditAt(uint256 i) external view returns (uint256) {
        return _credits[i];
    }

    /// @notice A credit id, or 0 if none was issued yet.
    function pickCredit(uint256 seed) external view returns (uint256) {
        uint256 n = _credits.length;
        return n == 0 ? 0 : _credits[seed % n];
    }

    /// @notice Seven times in eight a credit not yet repaid in full (if any), else any; 0 if none.
    function pickUnpaidCredit(uint256 seed) external view returns (uint256) {
        uint256 n = _credits.length;
        if (n == 0) return 0;
        uint256 start = (seed >> 3) % n;
        if (seed % 8 != 7) {
            for (uint256 k = 0; k < n; ++k) {
                uint256 id = _credits[(start + k) % n];
                if (settlement.account(id).repaid < voucher.credit(id).faceValue) return id;
            }
        }
        return _credits[start];
    }

    /// @notice Seven times in eight a credit its certificate gone bad froze (if any), else any; 0 if none.
    function pickQualityFrozenCredit(uint256 seed) external view returns (uint256) {
        uint256 n = _credits.length;
        if (n == 0) return 0;
        uint256 start = (seed >> 3) % n;
        if (seed % 8 != 7) {
            for (uint256 k = 0; k < n; ++k) {
                uint256 id = _credits[(start + k) % n];
                ICreditVoucher.Credit memory cr = voucher.credit(id);
                if (cr.certificateId != 0 && !cr.qualityFreezeLifted && !quality.inGoodStanding(cr.certificateId)) {
                    return id;
                }
            }
        }
        return _credits[start];
    }

    /// @notice Three times in four a failing certificate not revoked (if any), else any; 0 if none.
    function pickCertificateToRevoke(uint256 seed) external view returns (uint256) {
        uint256 n = certificateCount;
        if (n == 0) return 0;
        uint256 start = (seed >> 2) % n;
        if (seed % 4 != 3) {
            for (uint256 k = 0; k < n; ++k) {
                uint256 id = (start + k) % n + 1;
                IQualityRegistry.Certificate memory cert = quality.certificate(id);
                if (cert.result == IQualityRegistry.CertificateResult.Fail && !cert.revoked) return id;
            }
        }
        return start + 1;
    }

    /// @notice A live fragment, or 0 if none.
    function pickLiveToken(uint256 seed) public view returns (uint256) {
        uint256 n = voucher.tokenCount();
        if (n == 0) return 0;
        uint256 start = seed % n;
        for (uint256 k = 0; k < n; ++k) {
            uint256 id = (start + k) % n + 1;
            if (voucher.fragment(id).owner != address(0)) return id;
        }
        return 0;
    }

    /// @notice Seven times in eight a fragment whose value may move now (not matured, frozen or
    /// locked) if there is one; otherwise any live fragment, or 0.
    function pickMovableToken(uint256 seed) external view returns (uint256) {
        uint256 n = voucher.tokenCount();
        if (n == 0) return 0;
        if (seed % 8 != 7) {
            uint256 start = (seed >> 3) % n;
            for (uint256 k = 0; k < n; ++k) {
                uint256 id = (start + k) % n + 1;
                if (voucher.isTransferable(id) && voucher.fragment(id).value != 0) return id;
            }
        }
        return pickLiveToken(seed >> 3);
    }

    /// @notice Seven times in eight a live fragment whose credit has matured if there is one;
    /// otherwise any live fragment, or 0.
    function pickMaturedToken(uint256 seed) external view returns (uint256) {
        uint256 n = voucher.tokenCount();
        if (n == 0) return 0;
        if (seed % 8 != 7) {
            uint256 start = (seed >> 3) % n;
            for (uint256 k = 0; k < n; ++k) {
                uint256 id = (start + k) % n + 1;
                ICreditVoucher.Fragment memory f = voucher.fragment(id);
                if (f.owner != address(0) && f.value != 0 && voucher.credit(f.creditId).maturity <= block.timestamp) {
                    return id;
                }
            }
        }
        return pickLiveToken(seed >> 3);
    }

    /// @notice A fragment held by `owner`, or 0 if it holds none.
    function pickTokenOf(address owner, uint256 seed) external view returns (uint256) {
        uint256 n = voucher.tokenCount();
        if (n == 0) return 0;
        uint256 start = seed % n;
        for (uint256 k = 0; k < n; ++k) {
            uint256 id = (start + k) % n + 1;
            if (voucher.fragment(id).owner == owner) return id;
        }
        return 0;
    }

    /// @notice A live child of `parentId` (the only kind of token value may move into), or 0.
    function pickChild(uint256 parentId, uint256 seed) external view returns (uint256) {
        uint256 n = voucher.tokenCount();
        if (n <= parentId) return 0;
        uint256 span = n - parentId;
        uint256 start = seed % span;
        for (uint256 k = 0; k < span; ++k) {
            uint256 id = parentId + 1 + (start + k) % span;
            ICreditVoucher.Fragment memory f = voucher.fragment(id);
            if (f.owner != address(0) && f.parentId == parentId) return id;
        }
        return 0;
    }

    /// @notice A burned fragment with a claim, or 0; if `counted`, preferably one whose unpaid
    /// rest still counts toward its claimant's exposure (what a write-off acts on).
    function pickClaim(uint256 seed, bool counted) external view returns (uint256 found) {
        uint256 n = voucher.tokenCount();
        if (n == 0) return 0;
        uint256 start = seed % n;
        for (uint256 k = 0; k < n; ++k) {
            uint256 id = (start + k) % n + 1;
            ISettlement.Claim memory c = settlement.claimOf(id);
            if (c.claimant == address(0)) continue;
            if (!counted || (c.heldAsFinancier && !c.writtenOff && c.paid < c.value)) return id;
            if (found == 0) found = id;
        }
    }

    /// @notice An invoice id (any status), or 0 if none.
    function pickInvoice(uint256 seed) external view returns (uint256) {
        uint256 n = invoices.invoiceCount();
        return n == 0 ? 0 : seed % n + 1;
    }

    /// @notice A confirmed invoice owed by `buyer` with value left, or 0.
    function pickOpenInvoiceOwedBy(address buyer, uint256 seed) external view returns (uint256) {
        uint256 n = invoices.invoiceCount();
        if (n == 0) return 0;
        uint256 start = seed % n;
        for (uint256 k = 0; k < n; ++k) {
            uint256 id = (start + k) % n + 1;
            IInvoiceRegistry.Invoice memory inv = invoices.invoice(id);
            if (inv.buyer == buyer && inv.status == IInvoiceRegistry.InvoiceStatus.Confirmed && inv.remaining > 0) {
                return id;
            }
        }
        return 0;
    }

    /// @notice An invoice in `status`, or any invoice if none is.
    function pickInvoiceWithStatus(IInvoiceRegistry.InvoiceStatus status, uint256 seed)
        external
        view
        returns (uint256)
    {
        uint256 n = invoices.invoiceCount();
        if (n == 0) return 0;
        uint256 start = seed % n;
        for (uint256 k = 0; k < n; ++k) {
            uint256 id = (start + k) % n + 1;
            if (invoices.statusOf(id) == status) return id;
        }
        return start + 1;
    }

    /// @notice An active member holding the operator role (the first operator if none is): who an
    /// operator action is mostly made by, as operators take over from each other.
    function activeOperator(uint256 seed) external view returns (address) {
        uint256 start = seed % ACTOR_COUNT;
        for (uint256 k = 0; k < ACTOR_COUNT; ++k) {
            address a = _actors[(start + k) % ACTOR_COUNT];
            if (consortium.roleBitsOf(a) & Roles.OPERATOR_BIT != 0 && isActive(a)) return a;
        }
        return _actors[OPERATOR];
    }

    /// @notice A frozen fragment (any, if none is frozen).
    function pickFrozenToken(uint256 seed) external view returns (uint256) {
        uint256 n = voucher.tokenCount();
        if (n == 0) return 0;
        uint256 start = seed % n;
        for (uint256 k = 0; k < n; ++k) {
            uint256 id = (start + k) % n + 1;
            if (voucher.fragment(id).frozen) return id;
        }
        return start + 1;
    }

    /// @notice A suspended actor, or any actor if none is.
    function pickSuspended(uint256 seed) external view returns (address) {
        uint256 start = seed % ACTOR_COUNT;
        for (uint256 k = 0; k < ACTOR_COUNT; ++k) {
            address a = _actors[(start + k) % ACTOR_COUNT];
            if (consortium.statusOf(a) == IConsortium.MemberStatus.Suspended) return a;
        }
        return _actors[start];
    }

    /// @notice A certificate id, preferring one of `invoiceId`'s goods; 0 if none was issued.
    function pickCertificateFor(uint256 invoiceId, uint256 seed) external view returns (uint256) {
        uint256 n = certificateCount;
        if (n == 0) return 0;
        uint256 start = seed % n;
        for (uint256 k = 0; k < n; ++k) {
            uint256 id = (start + k) % n + 1;
            if (quality.certificate(id).invoiceId == invoiceId) return id;
        }
        return start + 1;
    }

    // ---------------------------------------------------------------- ghost writes (handlers)

    function setTime(uint256 newTime) external {
        time = newTime;
    }

    function recordSuccess(bytes32 op) external {
        if (succeeded[op] == 0) _ops.push(op);
        ++succeeded[op];
    }

    function violate(string calldata what) external {
        if (violations == 0) firstViolation = what;
        ++violations;
    }

    function recordNumber(bytes32 key) external {
        numberSeen[key] = true;
    }

    function recordInvoiceDocument(bytes32 documentHash) external {
        invoiceDocumentSeen[documentHash] = true;
    }

    function recordCertificate(bytes32 documentHash, uint256 invoiceId, bool failing) external {
        certificateDocumentSeen[documentHash] = true;
        ++certificateCount;
        if (failing) ++failingCertificates[invoiceId];
    }

    function recordRevokedFailing(uint256 invoiceId) external {
        --failingCertificates[invoiceId];
    }

    function recordDraw(uint256 invoiceId, uint256 value) external {
        drawn[invoiceId] += value;
    }

    function recordCredit(uint256 creditId, address obligor, uint32 maxTenorDays) external {
        _credits.push(creditId);
        if (!_isObligor[obligor]) {
            _isObligor[obligor] = true;
            _obligors.push(obligor);
        }
        tenorAtIssue[creditId] = maxTenorDays;
    }

    function recordFragment(uint256 tokenId, uint8 maxDepth, bool hop) external {
        maxDepthAtCreation[tokenId] = maxDepth;
        if (hop) createdAsHop[tokenId] = true;
    }

    function recordLine(address financier, address obligor) public {
        if (_lineSet[financier][obligor]) return;
        _lineSet[financier][obligor] = true;
        _linePairs.push([financier, obligor]);
    }

    function recordRepayment(uint256 creditId, uint256 amount) external {
        repaidIn[creditId] += amount;
    }

    function recordRequest() external {
        ++requestCount;
    }

    function recordQuote() external {
        ++quoteCount;
    }

    function setModelCounted(uint256 tokenId, bool counted) external {
        modelCounted[tokenId] = counted;
    }

    function recordRedeemed(uint256 tokenId) external {
        modelRedeemed[tokenId] = true;
    }

    function addModelExposure(address financier, address obligor, uint256 amount) external {
        modelExposure[financier][obligor] += amount;
    }

    /// @notice Lowers the model exposure; a fall below zero is itself a violation.
    function subModelExposure(address financier, address obligor, uint256 amount) external {
        uint256 current = modelExposure[financier][obligor];
        if (amount > current) {
            if (violations == 0) firstViolation = "exposure model: fell below zero";
            ++violations;
            modelExposure[financier][obligor] = 0;
        } else {
            modelExposure[financier][obligor] = current - amount;
        }
    }

    function opCount() external view returns (uint256) {
        return _ops.length;
    }

    function opAt(uint256 i) external view returns (bytes32) {
        return _ops[i];
    }

    // ---------------------------------------------------------------- setup

    function _fund(uint256 bank) private {
        address b = _actors[bank];
        vm.startPrank(b);
        consortium.setCreditLine(_actors[CORE_A], INITIAL_LINE);
        consortium.setCreditLine(_actors[CORE_B], INITIAL_LINE);
        recordLine(b, _actors[CORE_A]);
        recordLine(b, _actors[CORE_B]);
        cash.mint(b, 1e9 * UNIT, keccak256("deposit"));
        cash.mint(_actors[CORE_A], 1e9 * UNIT, keccak256("deposit"));
        cash.mint(_actors[CORE_B], 1e9 * UNIT, keccak256("deposit"));
        cash.approve(address(financing), type(uint256).max);
        vm.stopPrank();
        vm.prank(_actors[CORE_A]);
        cash.approve(address(settlement), type(uint256).max);
        vm.prank(_actors[CORE_B]);
        cash.approve(address(settlement), type(uint256).max);
    }

    function _roles(bytes32 role) private pure returns (bytes32[] memory roles) {
        roles = new bytes32[](1);
        roles[0] = role;
    }

    function _label() private {
        string[ACTOR_COUNT] memory names = [
            "operator",
            "coreA",
            "coreB",
            "supplier1",
            "supplier2",
            "supplier3",
            "supplier4",
            "bankA",
            "bankB",
            "inspector",
            "auditor",
            "lateSupplier",
            "lateBank",
            "stranger"
        ];
        for (uint256 i = 0; i < ACTOR_COUNT; ++i) {
            vm.label(_actors[i], names[i]);
        }
        vm.label(address(consortium), "Consortium");
        vm.label(address(cash), "SettlementToken");
        vm.label(address(invoices), "InvoiceRegistry");
        vm.label(address(quality), "QualityRegistry");
        vm.label(address(voucher), "CreditVoucher");
        vm.label(address(financing), "Financing");
        vm.label(address(settlement), "Settlement");
    }
}
