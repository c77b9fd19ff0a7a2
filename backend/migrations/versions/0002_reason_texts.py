"""Reason texts: the off-chain text behind each anchored reason hash.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-21 14:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import backend.core.sqltypes

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "reason_texts",
        sa.Column("reason_hash", sa.String(length=66), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("created_at", backend.core.sqltypes.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["member_id"], ["members.id"]),
        sa.PrimaryKeyConstraint("reason_hash"),
    )
    with op.batch_alter_table("reason_texts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_reason_texts_member_id"), ["member_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("reason_texts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_reason_texts_member_id"))
    op.drop_table("reason_texts")
