"""Off-chain documents (invoices, quality certificates) whose hashes are anchored on-chain."""

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from backend.core.database import Base
from backend.core.sqltypes import Hash32, UtcDateTime, utc_now


class Document(Base):
    """A structured document kept in its RFC 8785 canonical form, with an optional PDF rendition."""

    __tablename__ = "documents"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    canonical_json: Mapped[str] = mapped_column(Text)
    # keccak-256 of the canonical JSON bytes: the value anchored on-chain.
    document_hash: Mapped[str] = mapped_column(Hash32(), unique=True)
    size_bytes: Mapped[int] = mapped_column(Integer)
    pdf: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True, deferred=True)
    pdf_hash: Mapped[str | None] = mapped_column(Hash32(), nullable=True)
    pdf_size_bytes: Mapped[int | None] = mapped_column(Integer, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utc_now)
