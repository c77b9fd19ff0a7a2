"""Tables of the chain layer."""

from __future__ import annotations

from sqlalchemy import BigInteger, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from backend.core.database import Base


class SignerNonce(Base):
    """The next nonce to hand out for a signer; one row per address, locked while allocating.

    Shared by every worker process, so two requests signing for one member never get one nonce.
    """

    __tablename__ = "signer_nonces"

    address: Mapped[str] = mapped_column(String(42), primary_key=True)
    next_nonce: Mapped[int] = mapped_column(BigInteger, nullable=False)


class SentTransaction(Base):
    """The signed bytes of a transaction at a signer's nonce, recorded before it is sent.

    A reorg may take a sent transaction out of the chain, and the node forgets it: any process
    that finds the nonce missing sends these bytes again instead of filling the nonce with an
    empty transfer, which would lose what the transaction carried (a relayed batch's requests).
    """

    __tablename__ = "sent_transactions"

    address: Mapped[str] = mapped_column(String(42), primary_key=True)
    nonce: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    tx_hash: Mapped[str] = mapped_column(String(66), nullable=False)
    raw_hex: Mapped[str] = mapped_column(Text, nullable=False)


# What a TxSender needs in its database (tests that build only the chain layer create these).
CHAIN_TABLES = [SignerNonce.__table__, SentTransaction.__table__]
