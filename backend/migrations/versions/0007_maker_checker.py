"""Maker-checker: a member's users with API keys of their own, its approval policy, and who
prepared and decided each write request.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 13:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import backend.core.sqltypes

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "member_users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("created_at", backend.core.sqltypes.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["member_id"], ["members.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("member_users", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_member_users_member_id"), ["member_id"])
    with op.batch_alter_table("members", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("approval_mode", sa.String(length=8), nullable=False, server_default="none")
        )
        batch_op.add_column(
            sa.Column("approval_threshold_units", sa.String(length=80), nullable=True)
        )
    with op.batch_alter_table("members", schema=None) as batch_op:
        batch_op.alter_column("approval_mode", server_default=None)
    with op.batch_alter_table("api_keys", schema=None) as batch_op:
        batch_op.add_column(sa.Column("user_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_api_keys_user_id"), ["user_id"])
        batch_op.create_foreign_key(
            "fk_api_keys_user_id_member_users",
            "member_users",
            ["user_id"],
            ["id"],
            ondelete="CASCADE",
        )
    with op.batch_alter_table("write_requests", schema=None) as batch_op:
        batch_op.add_column(sa.Column("maker_user_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("checker_user_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("decision_reason", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("write_requests", schema=None) as batch_op:
        batch_op.drop_column("decision_reason")
        batch_op.drop_column("checker_user_id")
        batch_op.drop_column("maker_user_id")
    with op.batch_alter_table("api_keys", schema=None) as batch_op:
        batch_op.drop_constraint("fk_api_keys_user_id_member_users", type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_api_keys_user_id"))
        batch_op.drop_column("user_id")
    with op.batch_alter_table("members", schema=None) as batch_op:
        batch_op.drop_column("approval_threshold_units")
        batch_op.drop_column("approval_mode")
    with op.batch_alter_table("member_users", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_member_users_member_id"))
    op.drop_table("member_users")
