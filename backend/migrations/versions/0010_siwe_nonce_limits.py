"""SIWE nonces keep who asked (the client's IP) and for which account: the rate limits count them.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02 14:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("siwe_nonces", schema=None) as batch_op:
        batch_op.add_column(sa.Column("client", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("address", sa.String(length=42), nullable=True))
        batch_op.create_index(
            "ix_siwe_nonces_client_created_at", ["client", "created_at"], unique=False
        )
        batch_op.create_index(
            "ix_siwe_nonces_address_created_at", ["address", "created_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("siwe_nonces", schema=None) as batch_op:
        batch_op.drop_index("ix_siwe_nonces_address_created_at")
        batch_op.drop_index("ix_siwe_nonces_client_created_at")
        batch_op.drop_column("address")
        batch_op.drop_column("client")
