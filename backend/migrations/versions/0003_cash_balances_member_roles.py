"""Cash balances and member roles in the read models.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-21 14:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import backend.core.sqltypes

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "cash_balances",
        sa.Column("account", sa.String(length=42), nullable=False),
        sa.Column("balance", backend.core.sqltypes.Uint256(precision=78, scale=0), nullable=False),
        sa.Column("block_number", sa.BigInteger(), nullable=False),
        sa.Column("updated_block", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("account"),
    )
    with op.batch_alter_table("cash_balances", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_cash_balances_block_number"), ["block_number"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_cash_balances_updated_block"), ["updated_block"], unique=False
        )
    with op.batch_alter_table("member_chain_status", schema=None) as batch_op:
        # Existing rows predate role tracking; the indexer fills roles as it sees role events.
        batch_op.add_column(sa.Column("roles", sa.JSON(), nullable=False, server_default="[]"))
    with op.batch_alter_table("member_chain_status", schema=None) as batch_op:
        batch_op.alter_column("roles", server_default=None)


def downgrade() -> None:
    with op.batch_alter_table("member_chain_status", schema=None) as batch_op:
        batch_op.drop_column("roles")
    with op.batch_alter_table("cash_balances", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_cash_balances_updated_block"))
        batch_op.drop_index(batch_op.f("ix_cash_balances_block_number"))
    op.drop_table("cash_balances")
