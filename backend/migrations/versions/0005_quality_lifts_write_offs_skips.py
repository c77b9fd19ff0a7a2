"""Quality-freeze lifts and each credit's grace period on credits, whether a redemption's claim
counts as exposure, claim write-offs, skipped redemptions, and the indexer cursor's block time.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import backend.core.sqltypes

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("credits", schema=None) as batch_op:
        # No lift could happen before the contracts had one; the indexer sets it from events.
        batch_op.add_column(
            sa.Column(
                "quality_freeze_lifted", sa.Boolean(), nullable=False, server_default=sa.false()
            )
        )
        # Credits indexed before CreditIssued carried it get the Consortium's default (30 days).
        batch_op.add_column(
            sa.Column(
                "grace_period_days", sa.BigInteger(), nullable=False, server_default=sa.text("30")
            )
        )
    with op.batch_alter_table("credits", schema=None) as batch_op:
        batch_op.alter_column("quality_freeze_lifted", server_default=None)
        batch_op.alter_column("grace_period_days", server_default=None)

    with op.batch_alter_table("redemptions", schema=None) as batch_op:
        # Before FragmentRedeemed said so, no redeemed claim counted toward exposure.
        batch_op.add_column(
            sa.Column("held_as_financier", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    with op.batch_alter_table("redemptions", schema=None) as batch_op:
        batch_op.alter_column("held_as_financier", server_default=None)

    with op.batch_alter_table("indexer_cursor", schema=None) as batch_op:
        # Filled by the indexer's next batch.
        batch_op.add_column(sa.Column("block_timestamp", sa.BigInteger(), nullable=True))

    op.create_table(
        "claim_write_offs",
        sa.Column("token_id", sa.BigInteger(), nullable=False),
        sa.Column("claimant", sa.String(length=42), nullable=False),
        sa.Column("amount", backend.core.sqltypes.Uint256(precision=78, scale=0), nullable=False),
        sa.Column("reason_hash", sa.String(length=66), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("block_number", sa.BigInteger(), nullable=False),
        sa.Column("tx_hash", sa.String(length=66), nullable=False),
        sa.Column("log_index", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("tx_hash", "log_index", name="uq_claim_write_offs_log"),
    )
    with op.batch_alter_table("claim_write_offs", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_claim_write_offs_block_number"), ["block_number"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_claim_write_offs_claimant"), ["claimant"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_claim_write_offs_token_id"), ["token_id"], unique=False
        )

    op.create_table(
        "redemption_skips",
        sa.Column("token_id", sa.BigInteger(), nullable=False),
        sa.Column("error", sa.String(length=64), nullable=False),
        sa.Column("error_args", sa.JSON(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("block_number", sa.BigInteger(), nullable=False),
        sa.Column("tx_hash", sa.String(length=66), nullable=False),
        sa.Column("log_index", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("tx_hash", "log_index", name="uq_redemption_skips_log"),
    )
    with op.batch_alter_table("redemption_skips", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_redemption_skips_block_number"), ["block_number"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_redemption_skips_token_id"), ["token_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("redemption_skips", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_redemption_skips_token_id"))
        batch_op.drop_index(batch_op.f("ix_redemption_skips_block_number"))
    op.drop_table("redemption_skips")
    with op.batch_alter_table("claim_write_offs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_claim_write_offs_token_id"))
        batch_op.drop_index(batch_op.f("ix_claim_write_offs_claimant"))
        batch_op.drop_index(batch_op.f("ix_claim_write_offs_block_number"))
    op.drop_table("claim_write_offs")
    with op.batch_alter_table("indexer_cursor", schema=None) as batch_op:
        batch_op.drop_column("block_timestamp")
    with op.batch_alter_table("redemptions", schema=None) as batch_op:
        batch_op.drop_column("held_as_financier")
    with op.batch_alter_table("credits", schema=None) as batch_op:
        batch_op.drop_column("grace_period_days")
        batch_op.drop_column("quality_freeze_lifted")
