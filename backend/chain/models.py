"""Tables of the chain layer."""

from __future__ import annotations

from sqlalchemy import BigInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from backend.core.database import Base


class SignerNonce(Base):
    """The next nonce to hand out for a signer; one row per address, locked while allocating.

    Shared by every worker process, so two requests signing for one member never get one nonce.
    """

    __tablename__ = "signer_nonces"

    address: Mapped[str] = mapped_column(String(42), primary_key=True)
    next_nonce: Mapped[int] = mapped_column(BigInteger, nullable=False)
