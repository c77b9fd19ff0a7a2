"""Stated reasons (rejections, revocations, freezes, suspensions): the text stays off-chain."""

from datetime import datetime

from sqlalchemy import ForeignKey, Text
from sqlalchemy.orm import Mapped, mapped_column

from backend.core.database import Base
from backend.core.sqltypes import Hash32, UtcDateTime, utc_now


class ReasonText(Base):
    """The text behind a `reasonHash` anchored on-chain: keccak-256 of its UTF-8 bytes."""

    __tablename__ = "reason_texts"

    reason_hash: Mapped[str] = mapped_column(Hash32(), primary_key=True)
    text: Mapped[str] = mapped_column(Text)
    # The member that first stated it.
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utc_now)
