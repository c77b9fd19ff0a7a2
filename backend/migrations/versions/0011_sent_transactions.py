"""Signed transactions by signer and nonce, recorded before they are sent: a reorg's dropped
transaction is sent again from here by whichever process finds its nonce missing.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02 19:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "sent_transactions",
        sa.Column("address", sa.String(length=42), nullable=False),
        sa.Column("nonce", sa.BigInteger(), nullable=False),
        sa.Column("tx_hash", sa.String(length=66), nullable=False),
        sa.Column("raw_hex", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("address", "nonce"),
    )


def downgrade() -> None:
    op.drop_table("sent_transactions")
