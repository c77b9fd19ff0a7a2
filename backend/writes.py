"""The write pipeline every domain service uses to act on chain for the authenticated member.

One write, in order:
1. authorize: the member's key is custodial, and on-chain the member is active and holds a
   role the action needs (read from the Consortium, the source of truth, not from the mirror in
   `members.roles`);
2. send the call signed with that member's own key (a member never acts for another); a revert
   during gas estimation raises the contract's named error and nothing is sent;
3. in one database transaction: project the receipt's events into the read models (the same
   projector the indexer runs), record what belongs with them (documents, reason texts), read
   the resulting state, store it as the answer of the request's idempotency key, commit.

No database transaction is open across step 2: on SQLite the nonce allocator needs the write
lock, and a slow node must not hold database locks.
"""

from __future__ import annotations

import base64
import binascii
import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated, Any, Self, TypeVar

from eth_utils import is_address, to_checksum_address
from fastapi import Depends, Path, Request
from pydantic import AfterValidator, BaseModel, BeforeValidator, Field, model_validator
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from backend.api_deps import Reply, store_answer
from backend.chain.ids import MEMBER_STATUSES, ROLE_BITS
from backend.core.database import engine_for, transaction
from backend.core.errors import Conflict, Forbidden, NotFound, PayloadTooLarge, Unprocessable
from backend.core.settings import Settings
from backend.documents import service as documents_service
from backend.documents.hashing import keccak256, to_hex
from backend.documents.models import Document
from backend.members.keystore import Keystore
from backend.members.models import Member

if TYPE_CHECKING:
    from eth_account.signers.local import LocalAccount

    from backend.chain.client import Chain
    from backend.chain.sender import NonceAllocator, TxOutcome, TxSender

T = TypeVar("T")
log = logging.getLogger("tiercredit.writes")

ACTIVE = 1


class TxPending(BaseModel):
    """A mined write whose resulting state the read models do not hold yet (HTTP 202)."""

    tx_hash: str
    block_number: int
    detail: str


class TxRead(BaseModel):
    """What every write answers: the transaction, then the resulting state."""

    tx_hash: str = Field(description="0x-hex hash of the mined transaction.")
    block_number: int


@dataclass(frozen=True)
class Actor:
    """The authenticated member, cleared to act on chain with its own custodial key."""

    member: Member
    signer: LocalAccount

    @property
    def address(self) -> str:
        return self.member.address


class ChainWriter:
    """Authorizes, sends and records writes; one per app, shared by its requests."""

    def __init__(
        self,
        chain_provider: Callable[[], Chain],
        factory: sessionmaker[Session],
        keystore: Keystore,
        settings: Settings,
    ) -> None:
        self._chain_provider = chain_provider
        self.factory = factory
        self._keystore = keystore
        self._settings = settings
        self._nonces: NonceAllocator | None = None
        self._senders: dict[str, TxSender] = {}
        self._lock = threading.Lock()
        self._signer_locks: dict[str, threading.Lock] = {}

    @property
    def chain(self) -> Chain:
        """Connected on first use, so a replayed idempotent write needs no chain."""
        return self._chain_provider()

    def authorize(self, member: Member, *roles: str) -> Actor:
        """The member as an Actor if it may act: custodial key, active on-chain, one of `roles`
        (any active member when none are given). Raises 409 or 403 before anything is sent."""
        if not member.custodial:
            raise Conflict(
                "MemberHoldsOwnKey",
                "this member holds its own key: the platform cannot sign for it; sign and send "
                "the transaction with your own wallet",
                {"member_id": member.id, "address": member.address},
            )
        from backend.chain.client import View

        # Both read fresh on every request, in one round trip to the node. A cache per block
        # would never hit where it matters most: with automine every write is its own block.
        status, bits = self.chain.read_many(
            [
                View("Consortium", "statusOf", (member.address,)),
                View("Consortium", "roleBitsOf", (member.address,)),
            ]
        )
        if status != ACTIVE:
            raise Forbidden(
                "MemberNotActive",
                "the member is not active on-chain",
                {"address": member.address, "status": MEMBER_STATUSES[status]},
            )
        if roles and not any(bits & ROLE_BITS[role] for role in roles):
            raise Forbidden(
                "MissingRole",
                "the member lacks, on-chain, every role this action accepts",
                {"address": member.address, "required_any_of": sorted(roles)},
            )
        return Actor(member, self._keystore.account(member.address))

    def send(self, actor: Actor, contract: str, function: str, *args: Any) -> TxOutcome:
        """Sends `contract.function(*args)` signed by the actor; raises the named revert."""
        chain = self.chain
        return self._sender(chain, actor.signer).transact(chain.prepare(contract, function, *args))

    @contextmanager
    def serialized(self, actor: Actor) -> Iterator[None]:
        """Runs one signer's permit-bearing writes one at a time in this process: a permit
        signs the token's current permit nonce, which a concurrent permit would consume."""
        with self._lock:
            lock = self._signer_locks.setdefault(actor.address, threading.Lock())
        with lock:
            yield

    def record(
        self,
        outcome: TxOutcome,
        read: Callable[[Session], T],
        *,
        alongside: Callable[[Session], None] | None = None,
        state_on_chain: bool = False,
    ) -> T | Reply:
        """Projects the outcome's events, adds what goes `alongside`, returns what `read` reads
        (from the read models, or only from the chain when `state_on_chain`).

        The transaction is mined: from here nothing may fail the request, or a client retry
        would send it again. When the read models cannot take its events yet (they depend on
        blocks the indexer has not projected) or the node stops answering the reads, the answer
        is 202 with the transaction alone; the state follows once the indexer catches up.
        """
        from backend.chain.errors import ChainError
        from backend.indexer.projector import project

        timestamps = self._block_timestamps(outcome)
        with transaction(self.factory) as session:
            result = project(session, outcome.events, block_timestamps=timestamps)
            if alongside is not None:
                alongside(session)
            session.flush()
            answer: T | Reply = Reply(
                202,
                TxPending(
                    tx_hash=outcome.tx_hash,
                    block_number=outcome.block_number,
                    detail="mined; its resulting state is served once the indexer has caught up",
                ),
            )
            if state_on_chain or outcome.tx_hash not in result.deferred_txs:
                try:
                    answer = read(session)
                except (ChainError, LookupError):
                    log.warning("state after %s unreadable", outcome.tx_hash, exc_info=True)
            store_answer(session, answer)
        return answer

    def _block_timestamps(self, outcome: TxOutcome) -> dict[int, int]:
        """The mined block's time for the read models' events: from the receipt where the node
        puts it there, else asked for; left to the indexer if the node is gone."""
        from backend.chain.errors import ChainError
        from backend.chain.sender import node_errors

        if not outcome.events:
            return {}
        if outcome.block_timestamp is not None:
            return {outcome.block_number: outcome.block_timestamp}
        try:
            with node_errors():
                block = self.chain.w3.eth.get_block(outcome.block_number)
        except ChainError:
            return {}
        return {outcome.block_number: int(block["timestamp"])}

    def _sender(self, chain: Chain, signer: LocalAccount) -> TxSender:
        """One sender per signer, kept: it caches the chain id and the fee fields."""
        with self._lock:
            sender = self._senders.get(signer.address)
            if sender is None:
                if self._nonces is None:
                    from backend.chain.sender import NonceAllocator

                    engine = engine_for(self._settings.database_url)
                    self._nonces = NonceAllocator(engine, chain.w3)
                sender = chain.sender(signer, self._nonces, self._settings)
                self._senders[signer.address] = sender
            return sender


async def get_writer(request: Request) -> ChainWriter:
    state = request.app.state
    writer: ChainWriter | None = getattr(state, "chain_writer", None)
    if writer is None:
        writer = ChainWriter(
            state.chain_provider, state.session_factory, state.keystore, state.settings
        )
        state.chain_writer = writer
    return writer


WriterDep = Annotated[ChainWriter, Depends(get_writer)]


# --- request field types shared by the write schemas ---------------------------------------------


def _integer_or_decimal_text(value: Any) -> Any:
    """Amounts may come as JSON integers or decimal strings (beyond 2**53 JavaScript needs
    strings); booleans and floats are refused rather than coerced."""
    if isinstance(value, bool | float):
        raise ValueError("expected an integer")
    if isinstance(value, str) and value.isdecimal():
        return int(value)
    return value


def _unix_seconds(value: Any) -> Any:
    """Unix seconds, or an ISO 8601 datetime (UTC when it names no zone)."""
    if isinstance(value, str) and not value.isdecimal():
        try:
            moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError as exc:
            raise ValueError("expected unix seconds or an ISO 8601 datetime") from exc
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        return int(moment.timestamp())
    return _integer_or_decimal_text(value)


def _checksummed(value: str) -> str:
    if not is_address(value):
        raise ValueError("expected a 0x-prefixed 20-byte address")
    return to_checksum_address(value)


Units = Annotated[
    int,
    BeforeValidator(_integer_or_decimal_text),
    Field(strict=True, ge=0, lt=2**256, description="Amount in micro-units (6 decimals)."),
]
Id = Annotated[int, BeforeValidator(_integer_or_decimal_text), Field(strict=True, ge=0, lt=2**256)]
UnixTime = Annotated[
    int,
    BeforeValidator(_unix_seconds),
    Field(strict=True, ge=0, lt=2**63, description="Unix seconds or an ISO 8601 datetime."),
]
IdPath = Annotated[int, Path(ge=0, lt=2**256, description="An on-chain id.")]
AddressStr = Annotated[str, AfterValidator(_checksummed), Field(max_length=42)]
ReasonText = Annotated[
    str,
    Field(
        min_length=1,
        max_length=2000,
        description="Why; kept off-chain, its keccak-256 is anchored on-chain.",
    ),
]


class ReasonBody(BaseModel):
    reason: ReasonText


class ReasonRead(BaseModel):
    reason: str
    reason_hash: str


# --- documents anchored by a write ----------------------------------------------------------------


class AnchoredDocument(BaseModel):
    """The document a write anchors: its content inline, or the id of one stored before."""

    document: dict[str, Any] | None = Field(
        default=None, description="The structured document; hashed as RFC 8785 canonical JSON."
    )
    document_id: int | None = Field(
        default=None, ge=1, lt=2**31, description="A document stored by POST /documents."
    )
    pdf_base64: str | None = Field(
        default=None, description="Optional PDF rendition of an inline document, base64."
    )

    @model_validator(mode="after")
    def _one_source(self) -> Self:
        if (self.document is None) == (self.document_id is None):
            raise ValueError("give exactly one of `document` and `document_id`")
        if self.pdf_base64 is not None and self.document is None:
            raise ValueError("`pdf_base64` goes with an inline `document`")
        return self


@dataclass(frozen=True)
class PreparedDocument:
    """A validated document whose hash a write is about to anchor; stored only if it succeeds."""

    digest: bytes
    kind: str
    member_id: int
    canonical: bytes
    pdf: bytes | None

    @property
    def hash_hex(self) -> str:
        return to_hex(self.digest)

    def store(self, session: Session) -> Document:
        """Stores the document (and PDF) with the write's read models; reuses a stored copy."""
        document = session.execute(
            select(Document).where(Document.document_hash == self.hash_hex)
        ).scalar_one_or_none()
        if document is None:
            document = Document(
                kind=self.kind,
                member_id=self.member_id,
                canonical_json=self.canonical.decode("utf-8"),
                document_hash=self.hash_hex,
                size_bytes=len(self.canonical),
            )
            session.add(document)
        if self.pdf is not None and document.pdf_hash is None:
            document.pdf = self.pdf
            document.pdf_hash = to_hex(keccak256(self.pdf))
            document.pdf_size_bytes = len(self.pdf)
        session.flush()
        return document


def prepare_document(
    factory: sessionmaker[Session],
    member: Member,
    kind: str,
    source: AnchoredDocument,
    settings: Settings,
) -> PreparedDocument:
    """Validates the document before anything is sent: size, canonical form, owner, PDF."""
    with factory() as session:
        if source.document_id is not None:
            stored = session.get(Document, source.document_id)
            if stored is None:
                raise NotFound(
                    "DocumentNotFound",
                    "no document with this id",
                    {"document_id": source.document_id},
                )
            if stored.member_id != member.id:
                raise Forbidden(
                    "DocumentNotOwner",
                    "a member anchors only documents it stored",
                    {"document_id": stored.id},
                )
            if stored.kind != kind:
                raise Unprocessable(
                    "DocumentKindMismatch",
                    f"expected a document of kind {kind}",
                    {"document_id": stored.id, "kind": stored.kind},
                )
            canonical = stored.canonical_json.encode("utf-8")
            return PreparedDocument(keccak256(canonical), kind, member.id, canonical, None)
        canonical = documents_service.canonical_bytes(source.document, settings.max_document_bytes)
        digest = keccak256(canonical)
        owner = session.execute(
            select(Document.member_id).where(Document.document_hash == to_hex(digest))
        ).scalar_one_or_none()
    if owner is not None and owner != member.id:
        raise Conflict(
            "DocumentAlreadyStored",
            "another member stored this document",
            {"document_hash": to_hex(digest)},
        )
    pdf = _decoded_pdf(source, settings)
    return PreparedDocument(digest, kind, member.id, canonical, pdf)


def _decoded_pdf(source: AnchoredDocument, settings: Settings) -> bytes | None:
    if source.pdf_base64 is None:
        return None
    try:
        pdf = base64.b64decode(source.pdf_base64, validate=True)
    except binascii.Error as exc:
        raise Unprocessable("PdfInvalid", "pdf_base64 is not valid base64") from exc
    if len(pdf) > settings.max_pdf_bytes:
        raise PayloadTooLarge(
            "PdfTooLarge",
            "the PDF exceeds the size limit",
            {"size_bytes": len(pdf), "max_bytes": settings.max_pdf_bytes},
        )
    if not pdf.startswith(documents_service.PDF_MAGIC):
        raise Unprocessable("PdfInvalid", "the attachment is not a PDF file")
    assert source.document is not None
    declared = source.document.get(documents_service.PDF_HASH_FIELD)
    actual = to_hex(keccak256(pdf))
    if declared is not None and str(declared).lower() != actual:
        raise Unprocessable(
            "PdfHashMismatch",
            f"the document's {documents_service.PDF_HASH_FIELD} does not match this PDF",
            {"declared": declared, "actual": actual},
        )
    return pdf


def projected(session: Session, model: type[T], key: Any) -> T:
    """The read-model row a write's own events just created or changed."""
    row = session.get(model, key)
    if row is None:
        raise LookupError(f"the projector left no {model.__name__} {key!r} for a mined write")
    return row
