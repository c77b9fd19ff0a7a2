"""Chain errors: reverts decoded into the contracts' named custom errors, and node failures.

Every exception here is a domain error (backend.core.errors.DomainError), so the API's one
exception handler renders them without knowing about the chain; a node that does not answer is the
one 503 class, Unavailable. Imports only the standard library, eth_abi, eth_utils and
backend.core.errors (deploy.py runs inside Brownie's environment).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from eth_abi import decode as abi_decode
from eth_abi.exceptions import DecodingError
from eth_utils import function_signature_to_4byte_selector, to_checksum_address

from backend.chain.artifacts import canonical_type
from backend.core.errors import DomainError, Unavailable

ERROR_STRING_SELECTOR = function_signature_to_4byte_selector("Error(string)")
PANIC_SELECTOR = function_signature_to_4byte_selector("Panic(uint256)")

NOT_FOUND, FORBIDDEN, CONFLICT, UNPROCESSABLE = 404, 403, 409, 422

# Solidity's panic codes (docs.soliditylang.org, "Panic via assert and Error via require").
PANIC_REASONS: dict[int, str] = {
    0x00: "generic compiler panic",
    0x01: "assertion failed",
    0x11: "arithmetic overflow",
    0x12: "division by zero",
    0x21: "invalid enum value",
    0x22: "invalid storage byte array",
    0x31: "pop on an empty array",
    0x32: "array index out of bounds",
    0x41: "out of memory",
    0x51: "call to an uninitialized function",
}

# The HTTP status of every custom error the platform's contracts can raise, in one table.
# tests/backend/chain/test_errors.py fails when a compiled ABI declares an error missing here.
ERROR_HTTP_STATUS: dict[str, int] = {
    # Something named does not exist.
    "ConsortiumUnknownMember": NOT_FOUND,
    "FinancingQuoteNotFound": NOT_FOUND,
    "FinancingRequestNotFound": NOT_FOUND,
    "InvoiceNotFound": NOT_FOUND,
    "QualityCertificateNotFound": NOT_FOUND,
    "VoucherNonexistentToken": NOT_FOUND,
    # The caller may not do this.
    "AccessControlBadConfirmation": FORBIDDEN,
    "AccessControlUnauthorizedAccount": FORBIDDEN,
    "ConsortiumMemberNotActive": FORBIDDEN,
    "ConsortiumMissingRole": FORBIDDEN,
    # Only the linked voucher draws issuance (linkVoucher also answers it for the zero address,
    # which only the deployment ever passes).
    "ConsortiumNotVoucher": FORBIDDEN,
    "ERC20InsufficientAllowance": FORBIDDEN,
    "ERC2612InvalidSigner": FORBIDDEN,
    # A forward request whose signature is not its `from`'s, or a target that does not trust the
    # forwarder: the platform checks both before relaying, so a client meets them only when it
    # signed the wrong typed data.
    "ERC2771ForwarderInvalidSigner": FORBIDDEN,
    "ERC2771UntrustfulTarget": FORBIDDEN,
    "FinancingUnauthorized": FORBIDDEN,
    "InvoiceUnauthorizedCaller": FORBIDDEN,
    "InvoiceUnauthorizedParty": FORBIDDEN,
    "QualityNotIssuer": FORBIDDEN,
    "SettlementNotClaimant": FORBIDDEN,
    "SettlementNotHolder": FORBIDDEN,
    "SettlementNotObligor": FORBIDDEN,
    "VoucherInsufficientAllowance": FORBIDDEN,
    "VoucherNotPlatform": FORBIDDEN,
    "VoucherNotSupervisor": FORBIDDEN,
    "VoucherUnauthorized": FORBIDDEN,
    # The request is well formed but the current state forbids it.
    "ConsortiumCreditLineBelowExposure": CONFLICT,
    "ConsortiumExposureLimitExceeded": CONFLICT,
    "ConsortiumInvalidStatus": CONFLICT,
    "ConsortiumLastOperator": CONFLICT,
    "ConsortiumMemberExists": CONFLICT,
    "ConsortiumQuotaBelowOutstanding": CONFLICT,
    "ConsortiumQuotaExceeded": CONFLICT,
    "ConsortiumUnderflow": CONFLICT,
    "ConsortiumVoucherAlreadyLinked": CONFLICT,
    "ERC2612ExpiredSignature": CONFLICT,
    "EnforcedPause": CONFLICT,
    "ExpectedPause": CONFLICT,
    "FinancingQuoteWithdrawn": CONFLICT,
    "FinancingRequestExpired": CONFLICT,
    "FinancingRequestNotExpired": CONFLICT,
    "FinancingRequestNotOpen": CONFLICT,
    "InvalidAccountNonce": CONFLICT,
    # A signed forward request past its deadline; sign a fresh one.
    "ERC2771ForwarderExpiredRequest": CONFLICT,
    "InvoiceAlreadyRegistered": CONFLICT,
    "InvoiceDocumentAlreadyRegistered": CONFLICT,
    "InvoiceInsufficientRemaining": CONFLICT,
    "InvoiceInvalidStatus": CONFLICT,
    "InvoiceVoucherAlreadyLinked": CONFLICT,
    "QualityCertificateAlreadyRevoked": CONFLICT,
    "QualityCertificateNotUsable": CONFLICT,
    "QualityDocumentAlreadyRegistered": CONFLICT,
    "QualityTooManyCertificates": CONFLICT,
    "ReentrancyGuardReentrantCall": CONFLICT,
    "SafeERC20FailedOperation": CONFLICT,
    "SettlementNoClaim": CONFLICT,
    "SettlementNotOverdue": CONFLICT,
    "SettlementNothingOwed": CONFLICT,
    "SettlementNothingToWriteOff": CONFLICT,
    "VoucherAlreadyLinked": CONFLICT,
    "VoucherCertificateRequired": CONFLICT,
    "VoucherFreezeUnchanged": CONFLICT,
    "VoucherFrozen": CONFLICT,
    "VoucherLocked": CONFLICT,
    "VoucherMatured": CONFLICT,
    "VoucherNotLocked": CONFLICT,
    "VoucherNotMatured": CONFLICT,
    "VoucherNotQualityFrozen": CONFLICT,
    # The values themselves are unacceptable.
    "ConsortiumInvalidLimits": UNPROCESSABLE,
    "ConsortiumQuotaOverflow": UNPROCESSABLE,
    "ConsortiumSelfCreditLine": UNPROCESSABLE,
    "ECDSAInvalidSignature": UNPROCESSABLE,
    "ECDSAInvalidSignatureLength": UNPROCESSABLE,
    "ECDSAInvalidSignatureS": UNPROCESSABLE,
    "ERC20InsufficientBalance": UNPROCESSABLE,
    "ERC20InvalidApprover": UNPROCESSABLE,
    "ERC20InvalidReceiver": UNPROCESSABLE,
    "ERC20InvalidSender": UNPROCESSABLE,
    "ERC20InvalidSpender": UNPROCESSABLE,
    "FinancingInvalidExpiry": UNPROCESSABLE,
    "FinancingInvalidRate": UNPROCESSABLE,
    "FinancingNothingToPay": UNPROCESSABLE,
    "InvalidShortString": UNPROCESSABLE,
    # Members' requests carry no ether, and the relayer sends none (FailedCall and
    # InsufficientBalance come from the forwarder's value transfer).
    "ERC2771ForwarderMismatchedValue": UNPROCESSABLE,
    "FailedCall": UNPROCESSABLE,
    "InsufficientBalance": UNPROCESSABLE,
    "InvoiceInvalidAmount": UNPROCESSABLE,
    "InvoiceInvalidDueDate": UNPROCESSABLE,
    "InvoiceInvalidParties": UNPROCESSABLE,
    "InvoicePartyMismatch": UNPROCESSABLE,
    "QualityInvalidExpiry": UNPROCESSABLE,
    "QualityInvalidResult": UNPROCESSABLE,
    "SettlementInvalidBatch": UNPROCESSABLE,
    "SettlementInvalidRepayment": UNPROCESSABLE,
    "StringTooLong": UNPROCESSABLE,
    "VoucherInsufficientValue": UNPROCESSABLE,
    "VoucherInvalidMaturity": UNPROCESSABLE,
    "VoucherInvalidOperator": UNPROCESSABLE,
    "VoucherInvalidOwner": UNPROCESSABLE,
    "VoucherInvalidReceiver": UNPROCESSABLE,
    "VoucherInvoiceSellerMismatch": UNPROCESSABLE,
    "VoucherLineageMismatch": UNPROCESSABLE,
    "VoucherSlotMismatch": UNPROCESSABLE,
    "VoucherTierDepthExceeded": UNPROCESSABLE,
    "VoucherTradeReferenceRequired": UNPROCESSABLE,
    # Solidity's built-in reverts: a require message is a refusal; a panic (an overflow, a
    # division by zero) is what the values asked of the contract, so it is the client's 4xx.
    "Error": UNPROCESSABLE,
    "Panic": UNPROCESSABLE,
    # OpenZeppelin's Strings, for token metadata: never met with the lengths the voucher asks for.
    "StringsInsufficientHexLength": 500,
    "UnknownRevert": 500,
}


class ChainError(DomainError):
    """Base of every chain failure; named after its class unless given a name (a revert's)."""

    http_status = 500

    def __init__(
        self, message: str = "", *, code: str | None = None, args: Mapping[str, Any] | None = None
    ) -> None:
        super().__init__(code or type(self).__name__, message, dict(args or {}))
        # str() stays the message alone, as the logs and the CLI show it.
        self.args = (message,)


class ContractRevert(ChainError):
    """A call or transaction reverted with custom error `name`, `error_args` decoded from `raw`."""

    def __init__(
        self,
        name: str,
        args: Mapping[str, Any],
        raw: bytes,
        contract: str | None = None,
        tx_hash: str | None = None,
    ) -> None:
        shown = ", ".join(f"{k}={jsonable(v)}" for k, v in args.items())
        super().__init__(f"{name}({shown})", code=name, args=args)
        self.name = name
        self.raw = raw
        self.contract = contract
        self.tx_hash = tx_hash
        # The problem's `detail`: a sentence; the values are in `args`.
        self.message = f"{contract or 'the contract'} reverted with {name}"

    @property
    def http_status(self) -> int:  # type: ignore[override]
        return ERROR_HTTP_STATUS.get(self.name, 500)

    @property
    def public_args(self) -> dict[str, Any]:
        return {k: jsonable(v) for k, v in self.error_args.items()}

    @property
    def context(self) -> dict[str, Any]:
        context: dict[str, Any] = {}
        if self.contract is not None:
            context["contract"] = self.contract
        if self.tx_hash is not None:
            context["tx_hash"] = self.tx_hash
        return context


class ChainUnavailable(ChainError, Unavailable):
    """The node did not answer; the request may be retried later (503 with Retry-After)."""

    http_status = 503


class ReceiptTimeout(ChainError):
    """A transaction was sent but no receipt (with the required confirmations) came in time."""

    http_status = 504

    def __init__(self, tx_hash: str, timeout_seconds: float) -> None:
        super().__init__(f"no receipt for {tx_hash} within {timeout_seconds} s")
        self.tx_hash = tx_hash

    @property
    def context(self) -> dict[str, Any]:
        return {"tx_hash": self.tx_hash}


class TransactionFailed(ChainError):
    """A mined transaction failed and replaying it gave no revert reason (e.g. out of gas)."""

    def __init__(self, tx_hash: str) -> None:
        super().__init__(f"transaction {tx_hash} failed without a revert reason")
        self.tx_hash = tx_hash

    @property
    def context(self) -> dict[str, Any]:
        return {"tx_hash": self.tx_hash}


def jsonable(value: Any) -> Any:
    """A decoded ABI value as JSON: bytes as 0x-hex, tuples as lists, the rest unchanged."""
    if isinstance(value, bytes):
        return "0x" + value.hex()
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    return value


@lru_cache(maxsize=65_536)
def checksummed(address: str) -> str:
    """EIP-55 form of ``address``; cached, since a keccak per address dominated log decoding and
    the same members and contracts recur in almost every log."""
    return to_checksum_address(address)


def normalize(abi_type: str, value: Any) -> Any:
    """eth_abi decodes addresses lowercase; the backend speaks checksummed addresses."""
    if abi_type == "address":
        return checksummed(value)
    if abi_type.startswith("address[") and isinstance(value, list | tuple):
        return [checksummed(v) for v in value]
    return value


@dataclass(frozen=True)
class _ErrorEntry:
    name: str
    names: tuple[str, ...]
    types: tuple[str, ...]
    contracts: tuple[str, ...]


class ErrorDecoder:
    """Selector → custom error over the union of the given ABIs."""

    def __init__(self, abis: Mapping[str, Iterable[dict]]) -> None:
        entries: dict[bytes, _ErrorEntry] = {}
        for contract, abi in abis.items():
            for item in abi:
                if item.get("type") != "error":
                    continue
                types = tuple(canonical_type(p) for p in item["inputs"])
                selector = function_signature_to_4byte_selector(
                    f"{item['name']}({','.join(types)})"
                )
                known = entries.get(selector)
                contracts = (*known.contracts, contract) if known else (contract,)
                entries[selector] = _ErrorEntry(
                    item["name"],
                    tuple(p["name"] or f"arg{i}" for i, p in enumerate(item["inputs"])),
                    types,
                    contracts,
                )
        self._entries = entries

    @property
    def error_names(self) -> set[str]:
        return {entry.name for entry in self._entries.values()}

    def decode(
        self, data: bytes, *, contract: str | None = None, tx_hash: str | None = None
    ) -> ContractRevert:
        """The named error in revert ``data``; never raises (unknown data → ``UnknownRevert``)."""
        selector, payload = data[:4], data[4:]
        try:
            if selector == ERROR_STRING_SELECTOR:
                (message,) = abi_decode(["string"], payload)
                return ContractRevert("Error", {"message": message}, data, contract, tx_hash)
            if selector == PANIC_SELECTOR:
                (code,) = abi_decode(["uint256"], payload)
                reason = PANIC_REASONS.get(code, "unknown panic code")
                return ContractRevert(
                    "Panic", {"code": code, "reason": reason}, data, contract, tx_hash
                )
            entry = self._entries.get(selector)
            if entry is not None:
                values = abi_decode(list(entry.types), payload)
                args = {
                    name: normalize(type_, value)
                    for name, type_, value in zip(entry.names, entry.types, values, strict=True)
                }
                owner = contract or (entry.contracts[0] if len(entry.contracts) == 1 else None)
                return ContractRevert(entry.name, args, data, owner, tx_hash)
        except DecodingError:
            pass
        return ContractRevert("UnknownRevert", {"data": data}, data, contract, tx_hash)


def revert_data(exc: BaseException) -> bytes | None:
    """The raw revert data carried by a web3 exception, whatever shape the node gave it.

    Anvil and web3's ContractLogicError put a 0x-hex string in ``data``; Ganache nests it in a
    dict (``{"result": "0x…"}`` or ``{"data": "0x…"}``); a revert without data gives ``0x``. A
    Web3RPCError also carries the JSON-RPC response whose ``error`` holds the same shapes.
    """
    candidates: list[Any] = [getattr(exc, "data", None), getattr(exc, "rpc_response", None)]
    candidates.extend(arg for arg in exc.args if isinstance(arg, dict | str))
    while candidates:
        item = candidates.pop(0)
        if isinstance(item, bytes):
            return item
        if isinstance(item, str) and item.startswith("0x"):
            try:
                return bytes.fromhex(item[2:])
            except ValueError:
                continue
        if isinstance(item, dict):
            candidates.extend(item.get(key) for key in ("data", "result", "return"))
            candidates.extend(item.get(key) for key in ("error",))
    return None
