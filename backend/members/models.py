"""Members, their API keys and the single-use nonces of Sign-In with Ethereum."""

from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backend.core.database import Base
from backend.core.sqltypes import Address, Hash32, UtcDateTime, utc_now


class Member(Base):
    """A company onboarded by the operator; `roles` mirrors the roles granted to it on-chain."""

    __tablename__ = "members"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    address: Mapped[str] = mapped_column(Address(), unique=True)
    roles: Mapped[list[str]] = mapped_column(JSON)
    # True: the platform signs with a key from its encrypted keystore; False: the member has it.
    custodial: Mapped[bool] = mapped_column(Boolean)
    status: Mapped[str] = mapped_column(String(16), default="active")
    kyc_hash: Mapped[str] = mapped_column(Hash32())
    onboarding_tx_hash: Mapped[str | None] = mapped_column(Hash32(), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utc_now)
    # Four eyes: which of the member's writes wait for a checker's approval: none, all, or
    # those moving more than `approval_threshold_units` (decimal text, micro-units).
    approval_mode: Mapped[str] = mapped_column(String(8), default="none")
    approval_threshold_units: Mapped[str | None] = mapped_column(String(80), nullable=True)

    api_keys: Mapped[list["ApiKey"]] = relationship(back_populates="member")


class MemberUser(Base):
    """A person acting for a member with an API key of its own: a maker prepares writes, a
    checker approves them. The member's own keys (onboarding, SIWE sessions) belong to no user:
    they administer users and the approval policy."""

    __tablename__ = "member_users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utc_now)


class ApiKey(Base):
    """An API key, kept only as a peppered hash; the key itself is shown once when issued."""

    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # The first characters of the key, so a member can tell its keys apart without the secret.
    prefix: Mapped[str] = mapped_column(String(16))
    kind: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utc_now)
    expires_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    # The user the key belongs to; None for the member's own keys.
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("member_users.id", ondelete="CASCADE"), nullable=True, index=True
    )

    member: Mapped[Member] = relationship(back_populates="api_keys")
    user: Mapped[MemberUser | None] = relationship()


class SiweNonce(Base):
    """A nonce handed out for one Sign-In with Ethereum message; `used_at` makes it single-use.
    `client` (the requesting IP) and `address` (the account it was asked for, if named) are what
    the nonce rate limits count."""

    __tablename__ = "siwe_nonces"
    __table_args__ = (
        Index("ix_siwe_nonces_expires_at", "expires_at"),
        Index("ix_siwe_nonces_client_created_at", "client", "created_at"),
        Index("ix_siwe_nonces_address_created_at", "address", "created_at"),
    )

    nonce: Mapped[str] = mapped_column(String(64), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utc_now)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    client: Mapped[str | None] = mapped_column(String(64), nullable=True)
    address: Mapped[str | None] = mapped_column(Address(), nullable=True)
