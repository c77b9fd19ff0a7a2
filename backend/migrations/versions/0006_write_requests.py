"""Members' write requests, recorded before they are signed or relayed, and forwarder nonces.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 12:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import backend.core.sqltypes

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "write_requests",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("public_id", sa.String(length=32), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("idempotency_key", sa.String(length=255), nullable=True),
        sa.Column("signer", sa.String(length=42), nullable=False),
        sa.Column("signing", sa.String(length=16), nullable=False),
        sa.Column("contract", sa.String(length=64), nullable=False),
        sa.Column("function", sa.String(length=64), nullable=False),
        sa.Column("target", sa.String(length=42), nullable=False),
        sa.Column("data_hex", sa.Text(), nullable=False),
        sa.Column("gas", sa.BigInteger(), nullable=False),
        sa.Column("amount_units", sa.String(length=80), nullable=True),
        sa.Column("status", sa.String(length=24), nullable=False),
        sa.Column("forwarder_nonce", sa.BigInteger(), nullable=True),
        sa.Column("deadline", sa.BigInteger(), nullable=True),
        sa.Column("signature_hex", sa.String(length=140), nullable=True),
        sa.Column("tx_hash", sa.String(length=66), nullable=True),
        sa.Column("block_number", sa.BigInteger(), nullable=True),
        sa.Column("attachments", sa.JSON(), nullable=False),
        sa.Column("outcome", sa.JSON(), nullable=True),
        sa.Column("owner", sa.String(length=32), nullable=True),
        sa.Column("lease_until", backend.core.sqltypes.UtcDateTime(timezone=True), nullable=True),
        sa.Column("created_at", backend.core.sqltypes.UtcDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", backend.core.sqltypes.UtcDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", backend.core.sqltypes.UtcDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["member_id"], ["members.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("public_id"),
    )
    with op.batch_alter_table("write_requests", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_write_requests_member_id"), ["member_id"])
        batch_op.create_index(batch_op.f("ix_write_requests_signer"), ["signer"])
        batch_op.create_index(batch_op.f("ix_write_requests_status"), ["status"])
        batch_op.create_index("ix_write_requests_status_lease", ["status", "lease_until"])
    op.create_table(
        "forwarder_nonces",
        sa.Column("address", sa.String(length=42), nullable=False),
        sa.Column("next_nonce", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("address"),
    )


def downgrade() -> None:
    op.drop_table("forwarder_nonces")
    with op.batch_alter_table("write_requests", schema=None) as batch_op:
        batch_op.drop_index("ix_write_requests_status_lease")
        batch_op.drop_index(batch_op.f("ix_write_requests_status"))
        batch_op.drop_index(batch_op.f("ix_write_requests_signer"))
        batch_op.drop_index(batch_op.f("ix_write_requests_member_id"))
    op.drop_table("write_requests")
