"""Quarantined events: what the indexer could not project, kept with why and skipped.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import backend.core.sqltypes

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "quarantined_events",
        sa.Column("block_hash", sa.String(length=66), nullable=False),
        sa.Column("contract", sa.String(length=32), nullable=False),
        sa.Column("event", sa.String(length=64), nullable=False),
        sa.Column("args", sa.JSON(), nullable=False),
        sa.Column("error", sa.Text(), nullable=False),
        sa.Column(
            "quarantined_at", backend.core.sqltypes.UtcDateTime(timezone=True), nullable=False
        ),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("block_number", sa.BigInteger(), nullable=False),
        sa.Column("tx_hash", sa.String(length=66), nullable=False),
        sa.Column("log_index", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("tx_hash", "log_index", name="uq_quarantined_events_log"),
    )
    with op.batch_alter_table("quarantined_events", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_quarantined_events_block_number"), ["block_number"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("quarantined_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_quarantined_events_block_number"))
    op.drop_table("quarantined_events")
