"""The one mapping from decoded contract events to read-model rows.

Both the API's write path (right after its transaction is mined) and the follower (as it walks
the chain) call ``project``; whichever sees an event second skips it, because every applied event
leaves an ``audit_events`` row keyed by (tx_hash, log_index).

The two callers can see events out of chain order: the API projects its own transaction at block
N while the follower may still be at block N - k. So the projection is written to commute:

- values (fragment value, cash balance, redeemed value) change by deltas;
- monotone fields only move forward (invoice remaining takes the minimum, repaid the maximum,
  revoked/redeemed/quality-freeze-lifted only become true);
- a field set outright (owner, frozen, locked, overdue, member status, outstanding, exposure,
  lines) is not overwritten by an older event once a newer one of the same kind for the same
  subject has been applied (checked only for events older than the newest applied one).

A transaction whose events refer to rows that do not exist yet, or would take a value below
zero, depends on earlier blocks nobody has projected; the write path leaves it to the follower
(it is "deferred"), the follower (``strict=True``) treats it as an error. The follower projects
through ``project_or_quarantine``: a batch that fails is projected again one event at a time,
each in a savepoint of its own, and an event that still fails is quarantined (recorded with its
error and skipped) while the rest of the batch goes on: no event stops the indexer.

Rows are read in bulk before the events are applied and written back in bulk with upserts.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache, lru_cache
from typing import Any

from sqlalchemy import Table, and_, or_, select, text, tuple_
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.orm import Session

from backend.chain.artifacts import PLATFORM_CONTRACTS, load_artifacts
from backend.chain.errors import ErrorDecoder, jsonable
from backend.chain.events import DecodedEvent
from backend.chain.ids import ROLE_NAMES, role_id
from backend.readmodels.models import (
    AuditEvent,
    CashBalance,
    CertificateRecord,
    ClaimPaymentRecord,
    ClaimWriteOffRecord,
    CreditRecord,
    Exposure,
    FinancingRequestRecord,
    FragmentRecord,
    FreezeRecord,
    InvoiceRecord,
    MemberChainStatus,
    ObligorLimit,
    QuarantinedEvent,
    QuoteRecord,
    RedemptionRecord,
    RedemptionSkipRecord,
    RepaymentRecord,
    read_models_changed,
)

ZERO_ADDRESS = "0x0000000000000000000000000000000000000000"
ZERO_HASH = "0x" + "00" * 32
# JSON numbers beyond this lose precision in JavaScript clients; larger integers become strings.
MAX_SAFE_JSON_INT = 2**53 - 1
# Arbitrary but fixed: the PostgreSQL advisory lock that serializes projections (API and follower).
PROJECTION_LOCK_ID = 0x7469657270726F6A
_CHUNK = 500

ROLE_BY_ID = {"0x" + role_id(name).hex(): name for name in ROLE_NAMES} | {
    ZERO_HASH: "DEFAULT_ADMIN"
}
CERTIFICATE_RESULTS = {1: "pass", 2: "fail"}


class ProjectionError(Exception):
    """An event contradicts the read models (the follower's events always come in chain order)."""


class _Deferred(Exception):
    """This transaction needs earlier blocks projected first."""


@dataclass(frozen=True)
class Refusal:
    """An event the read models could not take, and why."""

    event: DecodedEvent
    error: str


@dataclass
class ProjectionResult:
    applied: int = 0
    skipped: int = 0
    deferred: int = 0
    # Transactions left to the follower, as 0x-hex hashes.
    deferred_txs: list[str] = field(default_factory=list)
    # Events recorded in quarantined_events instead (project_or_quarantine only).
    quarantined: list[Refusal] = field(default_factory=list)


def _described(exc: Exception) -> str:
    kind = ProjectionError.__name__ if isinstance(exc, _Deferred) else type(exc).__name__
    return f"{kind}: {exc}"


def _is_infrastructure(exc: BaseException) -> bool:
    """A failure of the database itself, not of the event: retried later, never quarantined."""
    return isinstance(exc, OperationalError | InterfaceError) or (
        isinstance(exc, DBAPIError) and exc.connection_invalidated
    )


@lru_cache(maxsize=1)
def _revert_decoder() -> ErrorDecoder:
    """The platform's custom errors, for the refusals a batch records (RedemptionSkipped)."""
    artifacts = load_artifacts()
    return ErrorDecoder({name: artifacts[name].abi for name in PLATFORM_CONTRACTS})


def hex32(value: bytes) -> str:
    return "0x" + bytes(value).hex()


def _json_safe(value: Any) -> Any:
    if isinstance(value, bytes):
        return "0x" + value.hex()
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return value if -MAX_SAFE_JSON_INT <= value <= MAX_SAFE_JSON_INT else str(value)
    if isinstance(value, list | tuple):
        return [_json_safe(v) for v in value]
    return value


@cache
def _upsert(table: Table, key: tuple[str, ...], dialect: str) -> Any:
    """The table's upsert on `key`, built once per dialect: building it (its `excluded`
    columns) cost more CPU than running it, once per table a batch touched."""
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(table)
    return statement.on_conflict_do_update(
        index_elements=list(key),
        set_={c.name: statement.excluded[c.name] for c in table.columns if c.name not in key},
    )


@cache
def _insert_new(table: Table, dialect: str) -> Any:
    """The table's insert of events not applied yet (by transaction hash and log index), built
    once per dialect like `_upsert`."""
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    return insert(table).on_conflict_do_nothing(index_elements=["tx_hash", "log_index"])


class _Rows:
    """One table's rows touched by this projection: read in bulk, changed in memory, upserted."""

    def __init__(self, model: type, key: tuple[str, ...]) -> None:
        self.table: Table = model.__table__  # type: ignore[attr-defined]
        self.key = key
        self.rows: dict[Any, dict[str, Any] | None] = {}
        self.dirty: set[Any] = set()

    def load(self, session: Session, keys: Iterable[Any]) -> None:
        wanted = [k for k in set(keys) if k not in self.rows]
        for k in wanted:
            self.rows[k] = None
        columns = [self.table.c[name] for name in self.key]
        for start in range(0, len(wanted), _CHUNK):
            chunk = wanted[start : start + _CHUNK]
            one = len(columns) == 1
            condition = columns[0].in_(chunk) if one else tuple_(*columns).in_(chunk)
            for row in session.execute(select(self.table).where(condition)).mappings():
                self.rows[self._key_of(row)] = dict(row)

    def _key_of(self, row: Mapping[str, Any]) -> Any:
        return row[self.key[0]] if len(self.key) == 1 else tuple(row[name] for name in self.key)

    def get(self, key: Any) -> dict[str, Any] | None:
        return self.rows.get(key)

    def put(self, key: Any, row: dict[str, Any]) -> None:
        self.rows[key] = row
        self.dirty.add(key)

    def flush(self, session: Session) -> None:
        if not self.dirty:
            return
        rows = [self.rows[k] for k in self.dirty]
        statement = _upsert(self.table, self.key, session.get_bind().dialect.name)
        for start in range(0, len(rows), _CHUNK):
            session.execute(statement, rows[start : start + _CHUNK])
        self.dirty.clear()


# Fields set outright: (events that set them, argument names that must match for "same subject").
# An older such event never overwrites what a newer one set.
_GUARDS: dict[tuple[str, str], tuple[tuple[str, ...], tuple[str, ...]]] = {
    ("Consortium", "MemberOnboarded"): (
        ("MemberOnboarded", "MemberSuspended", "MemberReinstated"),
        ("member",),
    ),
    ("Consortium", "MemberSuspended"): (
        ("MemberOnboarded", "MemberSuspended", "MemberReinstated"),
        ("member",),
    ),
    ("Consortium", "MemberReinstated"): (
        ("MemberOnboarded", "MemberSuspended", "MemberReinstated"),
        ("member",),
    ),
    ("Consortium", "RoleGranted"): (("RoleGranted", "RoleRevoked"), ("role", "account")),
    ("Consortium", "RoleRevoked"): (("RoleGranted", "RoleRevoked"), ("role", "account")),
    ("Consortium", "QualityRequirementChanged"): (("QualityRequirementChanged",), ("obligor",)),
    ("Consortium", "OutstandingChanged"): (("OutstandingChanged",), ("obligor",)),
    ("Consortium", "ExposureChanged"): (("ExposureChanged",), ("financier", "obligor")),
    ("Consortium", "CreditLineSet"): (("CreditLineSet",), ("financier", "obligor")),
    ("CreditVoucher", "Transfer"): (("Transfer",), ("tokenId",)),
    ("CreditVoucher", "FragmentFrozen"): (("FragmentFrozen",), ("tokenId",)),
    ("CreditVoucher", "FragmentLocked"): (("FragmentLocked",), ("tokenId",)),
    ("CreditVoucher", "CreditFrozen"): (("CreditFrozen",), ("creditId",)),
    ("Settlement", "CreditOverdue"): (("CreditOverdue", "CreditOverdueCleared"), ("creditId",)),
    ("Settlement", "CreditOverdueCleared"): (
        ("CreditOverdue", "CreditOverdueCleared"),
        ("creditId",),
    ),
}
# CreditLineSet also carries the obligor's quota, which any financier's newer line supersedes.
_QUOTA_GUARD = (("CreditLineSet",), ("obligor",))


# Events that change no read model: the audit trail, which keeps every event whole, is theirs.
AUDIT_ONLY_EVENTS: frozenset[tuple[str, str]] = frozenset(
    {
        # Read live from the Consortium; a credit keeps the grace period its CreditIssued names.
        ("Consortium", "LimitsChanged"),
        ("Consortium", "Paused"),
        ("Consortium", "Unpaused"),
        ("Consortium", "RoleAdminChanged"),
        # Wiring, once, at deployment.
        ("Consortium", "VoucherLinked"),
        ("InvoiceRegistry", "VoucherLinked"),
        ("CreditVoucher", "PlatformLinked"),
        # Allowances and approvals: the chain answers them; the read models hold no allowance.
        ("SettlementToken", "Approval"),
        ("CreditVoucher", "Approval"),
        ("CreditVoucher", "ApprovalForAll"),
        ("CreditVoucher", "ApprovalValue"),
        # The cash moves themselves arrive as the token's Transfer events.
        ("SettlementToken", "Deposited"),
        ("SettlementToken", "Withdrawn"),
        ("SettlementToken", "EIP712DomainChanged"),
        # The relayed request's own events say what it did; this says only that it ran (the
        # write path reads it from the batch's receipt to tell each request its outcome).
        ("Forwarder", "ExecutedForwardRequest"),
        ("Forwarder", "EIP712DomainChanged"),
    }
)


def projectable_events() -> frozenset[tuple[str, str]]:
    """Every (contract, event) the projection takes, into read models or the audit trail alone
    (tests/backend/test_indexer.py fails when a compiled event is neither)."""
    return frozenset(HANDLERS) | AUDIT_ONLY_EVENTS


class _Projection:
    def __init__(self, session: Session, strict: bool, timestamps: Mapping[int, int]) -> None:
        self.session = session
        self.strict = strict
        self.timestamps = timestamps
        self.members = _Rows(MemberChainStatus, ("address",))
        self.limits = _Rows(ObligorLimit, ("obligor",))
        self.exposures = _Rows(Exposure, ("financier", "obligor"))
        self.cash = _Rows(CashBalance, ("account",))
        self.invoices = _Rows(InvoiceRecord, ("invoice_id",))
        self.certificates = _Rows(CertificateRecord, ("certificate_id",))
        self.credits = _Rows(CreditRecord, ("credit_id",))
        self.fragments = _Rows(FragmentRecord, ("token_id",))
        self.requests = _Rows(FinancingRequestRecord, ("request_id",))
        self.quotes = _Rows(QuoteRecord, ("quote_id",))
        self.tables = (
            self.members,
            self.limits,
            self.exposures,
            self.cash,
            self.invoices,
            self.certificates,
            self.credits,
            self.fragments,
            self.requests,
            self.quotes,
        )
        self.appends: dict[Table, list[dict[str, Any]]] = {
            model.__table__: []  # type: ignore[attr-defined]
            for model in (
                RepaymentRecord,
                RedemptionRecord,
                ClaimPaymentRecord,
                ClaimWriteOffRecord,
                RedemptionSkipRecord,
                FreezeRecord,
                AuditEvent,
            )
        }
        # Tokens minted by a transaction: a TransferValue into one of them names its parent.
        self.minted: set[tuple[bytes, int]] = set()
        self.newest: tuple[int, int] = (-1, -1)
        self.event: DecodedEvent

    # ------------------------------------------------------------------ driver

    def run(self, events: Sequence[DecodedEvent]) -> ProjectionResult:
        result = ProjectionResult()
        ordered = sorted(events, key=lambda e: (e.block_number, e.log_index))
        seen = self._already_applied(ordered)
        fresh = [e for e in ordered if (hex32(e.transaction_hash), e.log_index) not in seen]
        result.skipped = len(ordered) - len(fresh)
        if not fresh:
            return result
        self.newest = self._newest_applied()
        self._prefetch(fresh)
        for tx_events in _by_transaction(fresh):
            snapshot = None if self.strict else self._snapshot()
            try:
                for event in tx_events:
                    self._apply(event)
            except _Deferred as exc:
                if self.strict:
                    raise ProjectionError(
                        f"{tx_events[0].name} in tx {hex32(tx_events[0].transaction_hash)}: {exc}"
                    ) from exc
                assert snapshot is not None
                self._restore(snapshot)
                result.deferred += len(tx_events)
                result.deferred_txs.append(hex32(tx_events[0].transaction_hash))
                continue
            result.applied += len(tx_events)
        self._flush()
        return result

    def run_isolated(self, events: Sequence[DecodedEvent]) -> ProjectionResult:
        """As ``run`` (strict), but each event in a savepoint of its own, written at once: an
        event that fails is rolled back alone and reported, the others are applied."""
        result = ProjectionResult()
        ordered = sorted(events, key=lambda e: (e.block_number, e.log_index))
        seen = self._already_applied(ordered)
        fresh = [e for e in ordered if (hex32(e.transaction_hash), e.log_index) not in seen]
        result.skipped = len(ordered) - len(fresh)
        self.newest = self._newest_applied()
        self._prefetch(fresh)
        for position, event in enumerate(fresh):
            minted = set(self.minted)
            try:
                with self.session.begin_nested():
                    self._apply(event)
                    self._flush()
            except Exception as exc:
                if _is_infrastructure(exc):
                    raise
                # The savepoint is gone, but the rows in memory may hold half of the event.
                self._forget()
                self.minted = minted
                self._prefetch(fresh[position + 1 :])
                result.quarantined.append(Refusal(event, _described(exc)))
                continue
            result.applied += 1
        return result

    def _flush(self) -> None:
        for rows in self.tables:
            rows.flush(self.session)
        self._flush_appends()

    def _forget(self) -> None:
        for rows in self.tables:
            rows.rows.clear()
            rows.dirty.clear()
        for items in self.appends.values():
            items.clear()

    def _already_applied(self, events: Sequence[DecodedEvent]) -> set[tuple[str, int]]:
        table = AuditEvent.__table__
        hashes = sorted({hex32(e.transaction_hash) for e in events})
        seen: set[tuple[str, int]] = set()
        for start in range(0, len(hashes), _CHUNK):
            rows = self.session.execute(
                select(table.c.tx_hash, table.c.log_index).where(
                    table.c.tx_hash.in_(hashes[start : start + _CHUNK])
                )
            )
            seen.update((tx, index) for tx, index in rows)
        return seen

    def _newest_applied(self) -> tuple[int, int]:
        table = AuditEvent.__table__
        row = self.session.execute(
            select(table.c.block_number, table.c.log_index)
            .order_by(table.c.block_number.desc(), table.c.log_index.desc())
            .limit(1)
        ).first()
        return (-1, -1) if row is None else (row[0], row[1])

    def _prefetch(self, events: Sequence[DecodedEvent]) -> None:
        wanted: dict[_Rows, list[Any]] = {}
        for event in events:
            for rows, key in self._keys(event):
                wanted.setdefault(rows, []).append(key)
        for rows, keys in wanted.items():
            rows.load(self.session, keys)

    def _keys(self, event: DecodedEvent) -> list[tuple[_Rows, Any]]:
        a = event.args
        contract, name = event.contract, event.name
        if contract == "Consortium":
            if name in ("MemberOnboarded", "MemberSuspended", "MemberReinstated"):
                return [(self.members, a["member"])]
            if name in ("RoleGranted", "RoleRevoked"):
                return [(self.members, a["account"])]
            if name in ("QualityRequirementChanged", "OutstandingChanged"):
                return [(self.limits, a["obligor"])]
            if name == "CreditLineSet":
                return [
                    (self.limits, a["obligor"]),
                    (self.exposures, (a["financier"], a["obligor"])),
                ]
            if name == "ExposureChanged":
                return [(self.exposures, (a["financier"], a["obligor"]))]
        elif contract == "SettlementToken" and name == "Transfer":
            return [(self.cash, a["from"]), (self.cash, a["to"])]
        elif contract == "InvoiceRegistry" and "invoiceId" in a:
            return [(self.invoices, a["invoiceId"])]
        elif contract == "QualityRegistry":
            return [(self.certificates, a["certificateId"])]
        elif contract == "CreditVoucher":
            if name == "Transfer" or name in ("SlotChanged", "FragmentFrozen", "FragmentLocked"):
                return [(self.fragments, a.get("tokenId", a.get("_tokenId")))]
            if name == "TransferValue":
                return [(self.fragments, a["_fromTokenId"]), (self.fragments, a["_toTokenId"])]
            if name == "CreditIssued":
                return [
                    (self.credits, a["creditId"]),
                    (self.fragments, a["creditId"]),
                    (self.invoices, a["invoiceId"]),
                ]
            if name == "TradeTransferred":
                return [(self.fragments, a["toTokenId"]), (self.invoices, a["invoiceId"])]
            if name in ("CreditFrozen", "QualityFreezeLifted"):
                return [(self.credits, a["creditId"])]
        elif contract == "Financing":
            if name == "QuoteSubmitted":
                return [(self.quotes, a["quoteId"]), (self.requests, a["requestId"])]
            if name == "QuoteWithdrawn":
                return [(self.quotes, a["quoteId"])]
            return [(self.requests, a["requestId"])]
        elif contract == "Settlement":
            if name in ("CreditRepaid", "CreditOverdue", "CreditOverdueCleared"):
                return [(self.credits, a["creditId"])]
            if name == "FragmentRedeemed":
                return [(self.fragments, a["tokenId"]), (self.credits, a["creditId"])]
        return []

    def _snapshot(self) -> tuple[list[tuple[dict, set]], dict[Table, int], set[tuple[bytes, int]]]:
        tables = [(copy.deepcopy(rows.rows), set(rows.dirty)) for rows in self.tables]
        return (
            tables,
            {table: len(items) for table, items in self.appends.items()},
            set(self.minted),
        )

    def _restore(
        self, snapshot: tuple[list[tuple[dict, set]], dict[Table, int], set[tuple[bytes, int]]]
    ) -> None:
        tables, lengths, minted = snapshot
        for rows, (saved, dirty) in zip(self.tables, tables, strict=True):
            rows.rows, rows.dirty = saved, dirty
        for table, length in lengths.items():
            del self.appends[table][length:]
        self.minted = minted

    def _apply(self, event: DecodedEvent) -> None:
        self.event = event
        handler = HANDLERS.get((event.contract, event.name))
        subject_kind, subject_id, document_hash = self._subject(event)
        if handler is not None:
            handler(self, event.args)
        self.appends[AuditEvent.__table__].append(
            {
                "block_number": event.block_number,
                "block_hash": hex32(event.block_hash),
                "block_timestamp": self.timestamps.get(event.block_number, 0),
                "tx_hash": hex32(event.transaction_hash),
                "log_index": event.log_index,
                "contract": event.contract,
                "event": event.name,
                "args": {k: _json_safe(v) for k, v in event.args.items()},
                "subject_kind": subject_kind,
                "subject_id": subject_id,
                "document_hash": document_hash,
            }
        )

    def _flush_appends(self) -> None:
        dialect = self.session.get_bind().dialect.name
        for table, items in self.appends.items():
            if not items:
                continue
            statement = _insert_new(table, dialect)
            for start in range(0, len(items), _CHUNK):
                self.session.execute(statement, items[start : start + _CHUNK])
            items.clear()

    # ------------------------------------------------------------------ helpers

    def _subject(self, event: DecodedEvent) -> tuple[str, str, str | None]:
        """What the event is about, and the anchored document it touches (for the audit trail)."""
        a = event.args
        if event.contract == "InvoiceRegistry" and "invoiceId" in a:
            return (
                "invoice",
                str(a["invoiceId"]),
                self._invoice_document(a["invoiceId"], a.get("documentHash")),
            )
        if event.contract == "QualityRegistry":
            certificate = self.certificates.get(a["certificateId"])
            document = (
                hex32(a["documentHash"])
                if "documentHash" in a
                else (certificate or {}).get("document_hash")
            )
            return "certificate", str(a["certificateId"]), document
        if event.name == "CreditIssued":
            return "credit", str(a["creditId"]), self._invoice_document(a["invoiceId"], None)
        if event.name == "TradeTransferred":
            return "fragment", str(a["toTokenId"]), self._invoice_document(a["invoiceId"], None)
        for kind, arg in (
            ("fragment", "tokenId"),
            ("fragment", "_tokenId"),
            ("fragment", "_toTokenId"),
            ("credit", "creditId"),
            ("request", "requestId"),
            ("quote", "quoteId"),
            ("member", "member"),
            ("member", "account"),
            ("member", "obligor"),
            ("member", "financier"),
            ("member", "from"),
        ):
            if kind == "fragment" and arg == "_toTokenId" and a.get(arg) == 0:
                return "fragment", str(a["_fromTokenId"]), None
            if arg in a and not (
                event.contract == "SettlementToken" and arg == "from" and a[arg] == ZERO_ADDRESS
            ):
                return kind, str(a[arg]), None
        if event.contract == "SettlementToken" and "to" in a:
            return "member", str(a["to"]), None
        return "contract", event.contract, None

    def _invoice_document(self, invoice_id: int, document_hash: bytes | None) -> str | None:
        if document_hash is not None:
            return hex32(document_hash)
        invoice = self.invoices.get(invoice_id)
        return None if invoice is None else invoice["document_hash"]

    def _stale(self, guard: tuple[tuple[str, ...], tuple[str, ...]]) -> bool:
        """Whether a newer event of ``guard``'s kinds for the same subject is already applied."""
        event = self.event
        if (event.block_number, event.log_index) > self.newest:
            return False
        names, match = guard
        table = AuditEvent.__table__
        later = self.session.execute(
            select(table.c.args).where(
                table.c.event.in_(names),
                table.c.contract == event.contract,
                or_(
                    table.c.block_number > event.block_number,
                    and_(
                        table.c.block_number == event.block_number,
                        table.c.log_index > event.log_index,
                    ),
                ),
            )
        ).scalars()
        mine = [_json_safe(event.args[name]) for name in match]
        return any([args.get(name) for name in match] == mine for args in later)

    def _guarded(self) -> bool:
        """True when this event may set the fields it sets outright."""
        guard = _GUARDS.get((self.event.contract, self.event.name))
        return guard is None or not self._stale(guard)

    def _touch(self, row: dict[str, Any]) -> None:
        row["updated_block"] = max(row["updated_block"], self.event.block_number)
        # A row first touched by a newer event existed since the older one (matters to unwinding).
        row["block_number"] = min(row["block_number"], self.event.block_number)

    def _created(self) -> dict[str, Any]:
        return {"block_number": self.event.block_number, "updated_block": self.event.block_number}

    def _require(self, rows: _Rows, key: Any) -> dict[str, Any]:
        row = rows.get(key)
        if row is None:
            raise _Deferred(f"no {rows.table.name} row {key!r}")
        return row

    def _tx(self) -> str:
        return hex32(self.event.transaction_hash)

    def _log_fields(self) -> dict[str, Any]:
        return {
            "block_number": self.event.block_number,
            "tx_hash": self._tx(),
            "log_index": self.event.log_index,
        }

    # ------------------------------------------------------------------ Consortium

    def _member(self, address: str) -> dict[str, Any]:
        row = self.members.get(address)
        if row is None:
            row = {
                "address": address,
                "status": "none",
                "kyc_hash": ZERO_HASH,
                "roles": [],
                **self._created(),
            }
        return row

    def _set_member(self, address: str, **changes: Any) -> None:
        row = self._member(address)
        if self._guarded():
            row.update(changes)
        self._touch(row)
        self.members.put(address, row)

    def _member_onboarded(self, a: dict[str, Any]) -> None:
        self._set_member(a["member"], status="active", kyc_hash=hex32(a["kycHash"]))

    def _member_suspended(self, a: dict[str, Any]) -> None:
        self._require(self.members, a["member"])
        self._set_member(a["member"], status="suspended")

    def _member_reinstated(self, a: dict[str, Any]) -> None:
        self._require(self.members, a["member"])
        self._set_member(a["member"], status="active")

    def _role_name(self, role: bytes) -> str:
        return ROLE_BY_ID.get(hex32(role), hex32(role))

    def _role_granted(self, a: dict[str, Any]) -> None:
        row = self._member(a["account"])
        roles = set(row["roles"])
        if self._guarded():
            roles.add(self._role_name(a["role"]))
        row["roles"] = sorted(roles)
        self._touch(row)
        self.members.put(a["account"], row)

    def _role_revoked(self, a: dict[str, Any]) -> None:
        row = self._member(a["account"])
        if self._guarded():
            row["roles"] = sorted(set(row["roles"]) - {self._role_name(a["role"])})
        self._touch(row)
        self.members.put(a["account"], row)

    def _limit(self, obligor: str) -> dict[str, Any]:
        row = self.limits.get(obligor)
        if row is None:
            row = {
                "obligor": obligor,
                "quota": 0,
                "outstanding": 0,
                "requires_certificate": False,
                **self._created(),
            }
        return row

    def _quality_requirement(self, a: dict[str, Any]) -> None:
        row = self._limit(a["obligor"])
        if self._guarded():
            row["requires_certificate"] = a["required"]
        self._touch(row)
        self.limits.put(a["obligor"], row)

    def _outstanding(self, a: dict[str, Any]) -> None:
        row = self._limit(a["obligor"])
        if self._guarded():
            row["outstanding"] = a["outstanding"]
        self._touch(row)
        self.limits.put(a["obligor"], row)

    def _line(self, financier: str, obligor: str) -> dict[str, Any]:
        row = self.exposures.get((financier, obligor))
        if row is None:
            row = {
                "financier": financier,
                "obligor": obligor,
                "credit_line": 0,
                "exposure": 0,
                **self._created(),
            }
        return row

    def _credit_line(self, a: dict[str, Any]) -> None:
        line = self._line(a["financier"], a["obligor"])
        if self._guarded():
            line["credit_line"] = a["limit"]
        self._touch(line)
        self.exposures.put((a["financier"], a["obligor"]), line)
        limit = self._limit(a["obligor"])
        if not self._stale(_QUOTA_GUARD):
            limit["quota"] = a["quota"]
        self._touch(limit)
        self.limits.put(a["obligor"], limit)

    def _exposure(self, a: dict[str, Any]) -> None:
        line = self._line(a["financier"], a["obligor"])
        if self._guarded():
            line["exposure"] = a["exposure"]
        self._touch(line)
        self.exposures.put((a["financier"], a["obligor"]), line)

    # ------------------------------------------------------------------ SettlementToken

    def _cash_transfer(self, a: dict[str, Any]) -> None:
        if a["from"] != ZERO_ADDRESS:
            # ERC-20 moves zero from anyone, so an account may send before it ever held cash.
            row = self._cash_account(a["from"])
            if row["balance"] < a["value"]:
                raise _Deferred(f"cash balance of {a['from']} below {a['value']}")
            row["balance"] -= a["value"]
            self._touch(row)
            self.cash.put(a["from"], row)
        if a["to"] != ZERO_ADDRESS:
            row = self._cash_account(a["to"])
            row["balance"] += a["value"]
            self._touch(row)
            self.cash.put(a["to"], row)

    def _cash_account(self, account: str) -> dict[str, Any]:
        return self.cash.get(account) or {"account": account, "balance": 0, **self._created()}

    # ------------------------------------------------------------------ InvoiceRegistry

    def _invoice_registered(self, a: dict[str, Any]) -> None:
        self.invoices.put(
            a["invoiceId"],
            {
                "invoice_id": a["invoiceId"],
                "seller": a["seller"],
                "buyer": a["buyer"],
                "amount": a["amount"],
                # Nothing can be drawn before the buyer confirms (InvoiceRegistry does the same).
                "remaining": 0,
                "due_date": a["dueDate"],
                "number_hash": hex32(a["numberHash"]),
                "document_hash": hex32(a["documentHash"]),
                "status": "registered",
                "reason_hash": None,
                "tx_hash": self._tx(),
                **self._created(),
            },
        )

    def _set_invoice(self, invoice_id: int, **changes: Any) -> None:
        row = self._require(self.invoices, invoice_id)
        row.update(changes)
        self._touch(row)
        self.invoices.put(invoice_id, row)

    def _invoice_confirmed(self, a: dict[str, Any]) -> None:
        row = self._require(self.invoices, a["invoiceId"])
        self._set_invoice(a["invoiceId"], status="confirmed", remaining=row["amount"])

    def _invoice_rejected(self, a: dict[str, Any]) -> None:
        self._set_invoice(a["invoiceId"], status="rejected", reason_hash=hex32(a["reasonHash"]))

    def _invoice_cancelled(self, a: dict[str, Any]) -> None:
        self._set_invoice(a["invoiceId"], status="cancelled")

    def _invoice_drawn_down(self, a: dict[str, Any]) -> None:
        row = self._require(self.invoices, a["invoiceId"])
        if row["status"] != "confirmed":
            raise _Deferred(
                f"invoice {a['invoiceId']} drawn down before its confirmation was projected"
            )
        # Remaining only falls, so the lowest value seen is the newest whatever the order.
        self._set_invoice(a["invoiceId"], remaining=min(row["remaining"], a["remaining"]))

    # ------------------------------------------------------------------ QualityRegistry

    def _certificate_issued(self, a: dict[str, Any]) -> None:
        self.certificates.put(
            a["certificateId"],
            {
                "certificate_id": a["certificateId"],
                "invoice_id": a["invoiceId"],
                "inspector": a["inspector"],
                "result": CERTIFICATE_RESULTS.get(a["result"], str(a["result"])),
                "batch_code_hash": hex32(a["batchCodeHash"]),
                "standard_code": hex32(a["standardCode"]),
                "document_hash": hex32(a["documentHash"]),
                "expires_at": a["expiresAt"],
                "revoked": False,
                "revoke_reason_hash": None,
                "tx_hash": self._tx(),
                **self._created(),
            },
        )

    def _certificate_revoked(self, a: dict[str, Any]) -> None:
        row = self._require(self.certificates, a["certificateId"])
        row.update(revoked=True, revoke_reason_hash=hex32(a["reasonHash"]))
        self._touch(row)
        self.certificates.put(a["certificateId"], row)

    # ------------------------------------------------------------------ CreditVoucher

    def _token_transfer(self, a: dict[str, Any]) -> None:
        token_id, sender, receiver = a["tokenId"], a["from"], a["to"]
        if sender == ZERO_ADDRESS:
            self.minted.add((self.event.transaction_hash, token_id))
            self.fragments.put(
                token_id,
                {
                    "token_id": token_id,
                    "credit_id": 0,
                    "parent_id": None,
                    "invoice_id": None,
                    "depth": 0,
                    "owner": receiver,
                    "value": 0,
                    "frozen": False,
                    "locked": False,
                    "redeemed": False,
                    "tx_hash": self._tx(),
                    **self._created(),
                },
            )
            return
        row = self._require(self.fragments, token_id)
        if receiver == ZERO_ADDRESS:
            # Burned at redemption: the row keeps its last holder.
            row["redeemed"] = True
        elif self._guarded():
            row["owner"] = receiver
        self._touch(row)
        self.fragments.put(token_id, row)

    def _slot_changed(self, a: dict[str, Any]) -> None:
        if a["_newSlot"] == 0:
            return
        row = self._require(self.fragments, a["_tokenId"])
        row["credit_id"] = a["_newSlot"]
        self.fragments.put(a["_tokenId"], row)

    def _transfer_value(self, a: dict[str, Any]) -> None:
        source_id, target_id, value = a["_fromTokenId"], a["_toTokenId"], a["_value"]
        source = None
        if source_id != 0:
            source = self._require(self.fragments, source_id)
            if source["value"] < value:
                raise _Deferred(f"fragment {source_id} holds less than {value}")
            source["value"] -= value
            self._touch(source)
            self.fragments.put(source_id, source)
        if target_id != 0:
            target = self._require(self.fragments, target_id)
            target["value"] += value
            if source is not None and (self.event.transaction_hash, target_id) in self.minted:
                # A split: the new fragment descends from the one its value came from.
                target["parent_id"] = source_id
                target["depth"] = source["depth"]
            self._touch(target)
            self.fragments.put(target_id, target)

    def _credit_issued(self, a: dict[str, Any]) -> None:
        credit_id = a["creditId"]
        self.credits.put(
            credit_id,
            {
                "credit_id": credit_id,
                "obligor": a["obligor"],
                "supplier": a["supplier"],
                "face_value": a["faceValue"],
                "maturity": a["maturity"],
                "invoice_id": a["invoiceId"],
                "certificate_id": a["certificateId"] or None,
                "root_token_id": credit_id,
                "frozen": False,
                "quality_freeze_lifted": False,
                "repaid": 0,
                "redeemed_value": 0,
                "overdue": False,
                "issued_at": self.timestamps.get(self.event.block_number, 0),
                "grace_period_days": a["gracePeriodDays"],
                "tx_hash": self._tx(),
                **self._created(),
            },
        )
        root = self._require(self.fragments, credit_id)
        root["invoice_id"] = a["invoiceId"]
        self.fragments.put(credit_id, root)

    def _trade_transferred(self, a: dict[str, Any]) -> None:
        row = self._require(self.fragments, a["toTokenId"])
        row.update(invoice_id=a["invoiceId"], depth=a["depth"])
        self.fragments.put(a["toTokenId"], row)

    def _fragment_frozen(self, a: dict[str, Any]) -> None:
        row = self._require(self.fragments, a["tokenId"])
        if self._guarded():
            row["frozen"] = a["frozen"]
        self._touch(row)
        self.fragments.put(a["tokenId"], row)
        self._freeze("fragment", a["tokenId"], a["frozen"], a["reasonHash"])

    def _credit_frozen(self, a: dict[str, Any]) -> None:
        row = self._require(self.credits, a["creditId"])
        if self._guarded():
            row["frozen"] = a["frozen"]
        self._touch(row)
        self.credits.put(a["creditId"], row)
        self._freeze("credit", a["creditId"], a["frozen"], a["reasonHash"])

    def _quality_freeze_lifted(self, a: dict[str, Any]) -> None:
        row = self._require(self.credits, a["creditId"])
        row["quality_freeze_lifted"] = True
        self._touch(row)
        self.credits.put(a["creditId"], row)
        self._freeze("quality", a["creditId"], False, a["reasonHash"])

    def _freeze(self, scope: str, target_id: int, frozen: bool, reason: bytes) -> None:
        self.appends[FreezeRecord.__table__].append(
            {
                "scope": scope,
                "target_id": target_id,
                "frozen": frozen,
                "reason_hash": hex32(reason),
                **self._log_fields(),
            }
        )

    def _fragment_locked(self, a: dict[str, Any]) -> None:
        row = self._require(self.fragments, a["tokenId"])
        if self._guarded():
            row["locked"] = a["locked"]
        self._touch(row)
        self.fragments.put(a["tokenId"], row)

    # ------------------------------------------------------------------ Financing

    def _financing_requested(self, a: dict[str, Any]) -> None:
        self.requests.put(
            a["requestId"],
            {
                "request_id": a["requestId"],
                "holder": a["holder"],
                "token_id": a["tokenId"],
                "value": a["value"],
                "expires_at": a["expiresAt"],
                "status": "open",
                "accepted_quote_id": None,
                "financier": None,
                "price": None,
                "days_to_maturity": None,
                "tx_hash": self._tx(),
                **self._created(),
            },
        )

    def _set_request(self, request_id: int, **changes: Any) -> None:
        row = self._require(self.requests, request_id)
        row.update(changes)
        self._touch(row)
        self.requests.put(request_id, row)

    def _quote_submitted(self, a: dict[str, Any]) -> None:
        self._require(self.requests, a["requestId"])
        self.quotes.put(
            a["quoteId"],
            {
                "quote_id": a["quoteId"],
                "request_id": a["requestId"],
                "financier": a["financier"],
                "rate_bps": a["rateBps"],
                "withdrawn": False,
                "tx_hash": self._tx(),
                **self._created(),
            },
        )

    def _quote_withdrawn(self, a: dict[str, Any]) -> None:
        row = self._require(self.quotes, a["quoteId"])
        row["withdrawn"] = True
        self._touch(row)
        self.quotes.put(a["quoteId"], row)

    def _financing_accepted(self, a: dict[str, Any]) -> None:
        self._set_request(
            a["requestId"],
            status="accepted",
            accepted_quote_id=a["quoteId"],
            financier=a["financier"],
            price=a["price"],
            days_to_maturity=a["daysToMaturity"],
        )

    def _financing_cancelled(self, a: dict[str, Any]) -> None:
        self._set_request(a["requestId"], status="cancelled")

    def _financing_expired(self, a: dict[str, Any]) -> None:
        self._set_request(a["requestId"], status="expired")

    # ------------------------------------------------------------------ Settlement

    def _credit_repaid(self, a: dict[str, Any]) -> None:
        row = self._require(self.credits, a["creditId"])
        row["repaid"] = max(row["repaid"], a["totalRepaid"])
        self._touch(row)
        self.credits.put(a["creditId"], row)
        self.appends[RepaymentRecord.__table__].append(
            {
                "credit_id": a["creditId"],
                "payer": a["payer"],
                "amount": a["amount"],
                "total_repaid": a["totalRepaid"],
                **self._log_fields(),
            }
        )

    def _fragment_redeemed(self, a: dict[str, Any]) -> None:
        fragment = self._require(self.fragments, a["tokenId"])
        fragment["redeemed"] = True
        self._touch(fragment)
        self.fragments.put(a["tokenId"], fragment)
        credit = self._require(self.credits, a["creditId"])
        credit["redeemed_value"] += a["value"]
        self._touch(credit)
        self.credits.put(a["creditId"], credit)
        self.appends[RedemptionRecord.__table__].append(
            {
                "token_id": a["tokenId"],
                "credit_id": a["creditId"],
                "holder": a["holder"],
                "value": a["value"],
                "held_as_financier": a["heldAsFinancier"],
                **self._log_fields(),
            }
        )

    def _claim_paid(self, a: dict[str, Any]) -> None:
        self.appends[ClaimPaymentRecord.__table__].append(
            {
                "token_id": a["tokenId"],
                "claimant": a["claimant"],
                "amount": a["amount"],
                "total_paid": a["totalPaid"],
                **self._log_fields(),
            }
        )

    def _claim_written_off(self, a: dict[str, Any]) -> None:
        self.appends[ClaimWriteOffRecord.__table__].append(
            {
                "token_id": a["tokenId"],
                "claimant": a["claimant"],
                "amount": a["amount"],
                "reason_hash": hex32(a["reasonHash"]),
                **self._log_fields(),
            }
        )

    def _redemption_skipped(self, a: dict[str, Any]) -> None:
        refusal = _revert_decoder().decode(bytes(a["reason"]), contract="CreditVoucher")
        self.appends[RedemptionSkipRecord.__table__].append(
            {
                "token_id": a["tokenId"],
                "error": refusal.name,
                "error_args": {k: _json_safe(jsonable(v)) for k, v in refusal.error_args.items()},
                "reason": "0x" + bytes(a["reason"]).hex(),
                **self._log_fields(),
            }
        )

    def _set_overdue(self, credit_id: int, overdue: bool) -> None:
        row = self._require(self.credits, credit_id)
        if self._guarded():
            row["overdue"] = overdue
        self._touch(row)
        self.credits.put(credit_id, row)

    def _credit_overdue(self, a: dict[str, Any]) -> None:
        self._set_overdue(a["creditId"], True)

    def _credit_overdue_cleared(self, a: dict[str, Any]) -> None:
        # Repaid in full: the credit can never be marked overdue again.
        self._set_overdue(a["creditId"], False)


# The handler of each event that changes read models, by (contract, event).
HANDLERS: dict[tuple[str, str], Callable[[_Projection, dict[str, Any]], None]] = {
    ("Consortium", "MemberOnboarded"): _Projection._member_onboarded,
    ("Consortium", "MemberSuspended"): _Projection._member_suspended,
    ("Consortium", "MemberReinstated"): _Projection._member_reinstated,
    ("Consortium", "RoleGranted"): _Projection._role_granted,
    ("Consortium", "RoleRevoked"): _Projection._role_revoked,
    ("Consortium", "QualityRequirementChanged"): _Projection._quality_requirement,
    ("Consortium", "CreditLineSet"): _Projection._credit_line,
    ("Consortium", "OutstandingChanged"): _Projection._outstanding,
    ("Consortium", "ExposureChanged"): _Projection._exposure,
    ("SettlementToken", "Transfer"): _Projection._cash_transfer,
    ("InvoiceRegistry", "InvoiceRegistered"): _Projection._invoice_registered,
    ("InvoiceRegistry", "InvoiceConfirmed"): _Projection._invoice_confirmed,
    ("InvoiceRegistry", "InvoiceRejected"): _Projection._invoice_rejected,
    ("InvoiceRegistry", "InvoiceCancelled"): _Projection._invoice_cancelled,
    ("InvoiceRegistry", "InvoiceDrawnDown"): _Projection._invoice_drawn_down,
    ("QualityRegistry", "CertificateIssued"): _Projection._certificate_issued,
    ("QualityRegistry", "CertificateRevoked"): _Projection._certificate_revoked,
    ("CreditVoucher", "Transfer"): _Projection._token_transfer,
    ("CreditVoucher", "SlotChanged"): _Projection._slot_changed,
    ("CreditVoucher", "TransferValue"): _Projection._transfer_value,
    ("CreditVoucher", "CreditIssued"): _Projection._credit_issued,
    ("CreditVoucher", "TradeTransferred"): _Projection._trade_transferred,
    ("CreditVoucher", "FragmentFrozen"): _Projection._fragment_frozen,
    ("CreditVoucher", "CreditFrozen"): _Projection._credit_frozen,
    ("CreditVoucher", "QualityFreezeLifted"): _Projection._quality_freeze_lifted,
    ("CreditVoucher", "FragmentLocked"): _Projection._fragment_locked,
    ("Financing", "FinancingRequested"): _Projection._financing_requested,
    ("Financing", "QuoteSubmitted"): _Projection._quote_submitted,
    ("Financing", "QuoteWithdrawn"): _Projection._quote_withdrawn,
    ("Financing", "FinancingAccepted"): _Projection._financing_accepted,
    ("Financing", "FinancingCancelled"): _Projection._financing_cancelled,
    ("Financing", "FinancingExpired"): _Projection._financing_expired,
    ("Settlement", "CreditRepaid"): _Projection._credit_repaid,
    ("Settlement", "FragmentRedeemed"): _Projection._fragment_redeemed,
    ("Settlement", "ClaimPaid"): _Projection._claim_paid,
    ("Settlement", "ClaimWrittenOff"): _Projection._claim_written_off,
    ("Settlement", "RedemptionSkipped"): _Projection._redemption_skipped,
    ("Settlement", "CreditOverdue"): _Projection._credit_overdue,
    ("Settlement", "CreditOverdueCleared"): _Projection._credit_overdue_cleared,
}


def _by_transaction(events: Sequence[DecodedEvent]) -> list[list[DecodedEvent]]:
    groups: list[list[DecodedEvent]] = []
    for event in events:
        if groups and groups[-1][-1].transaction_hash == event.transaction_hash:
            groups[-1].append(event)
        else:
            groups.append([event])
    return groups


def serialize_projections(session: Session) -> None:
    """Makes concurrent projections (API workers, the follower) take turns for this transaction.

    Each reads rows, changes them and writes them back, so two at once would lose updates.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": PROJECTION_LOCK_ID})
    else:
        # Any write takes SQLite's single writer lock for the rest of the transaction.
        session.execute(text("UPDATE indexer_cursor SET name = name WHERE 0 = 1"))


def project(
    session: Session,
    events: Sequence[DecodedEvent],
    *,
    block_timestamps: Mapping[int, int] | None = None,
    strict: bool = False,
) -> ProjectionResult:
    """Applies ``events`` to the read models in ``session``'s transaction (the caller commits).

    Events already applied are skipped, so the API's write path and the follower may both call
    this with the same events. ``block_timestamps`` (block number → unix time) fills the audit
    rows' and credits' times; rows projected without it get 0 until the follower passes by.
    With ``strict`` (the follower) an event the read models cannot take raises ProjectionError;
    otherwise that transaction is left for the follower and reported as deferred.
    """
    serialize_projections(session)
    result = _Projection(session, strict, block_timestamps or {}).run(events)
    if result.applied:
        read_models_changed(session)
    return result


def project_or_quarantine(
    session: Session,
    events: Sequence[DecodedEvent],
    *,
    block_timestamps: Mapping[int, int] | None = None,
) -> ProjectionResult:
    """The follower's projection: ``project(strict=True)`` in a savepoint; if anything in the
    batch fails, the batch again one event per savepoint, and each event that still fails is
    recorded in quarantined_events and skipped. A failure of the database itself is raised."""
    serialize_projections(session)
    timestamps = block_timestamps or {}
    try:
        with session.begin_nested():
            result = _Projection(session, True, timestamps).run(events)
    except Exception as exc:
        if _is_infrastructure(exc):
            raise
        result = _Projection(session, True, timestamps).run_isolated(events)
        if result.quarantined:
            session.execute(
                _insert(session, QuarantinedEvent.__table__).on_conflict_do_nothing(
                    index_elements=["tx_hash", "log_index"]
                ),
                [_quarantine_row(refusal) for refusal in result.quarantined],
            )
    if result.applied:
        read_models_changed(session)
    return result


def _insert(session: Session, table: Table) -> Any:
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    return dialect.insert(table)


def _quarantine_row(refusal: Refusal) -> dict[str, Any]:
    event = refusal.event
    return {
        "block_number": event.block_number,
        "block_hash": hex32(event.block_hash),
        "tx_hash": hex32(event.transaction_hash),
        "log_index": event.log_index,
        "contract": event.contract,
        "event": event.name,
        "args": {k: _json_safe(jsonable(v)) for k, v in event.args.items()},
        "error": refusal.error,
    }
