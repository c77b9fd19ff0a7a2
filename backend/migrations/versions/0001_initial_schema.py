"""Initial schema: members, API keys, SIWE nonces, documents, idempotency, signer nonces,
read models.

Revision ID: 0001
Revises:
Create Date: 2026-11-21 13:57:44.946921
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import backend.core.sqltypes

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "audit_events",
        sa.Column("block_hash", sa.String(length=66), nullable=False),
        sa.Column("block_timestamp", sa.BigInteger(), nullable=False),
        sa.Column("contract", sa.String(length=32), nullable=False),
        sa.Column("event", sa.String(length=64), nullable=False),
        sa.Column("args", sa.JSON(), nullable=False),
        sa.Column("subject_kind", sa.String(length=16), nullable=False),
        sa.Column("subject_id", sa.String(length=66), nullable=False),
        sa.Column("document_hash", sa.String(length=66), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("block_number", sa.BigInteger(), nullable=False),
        sa.Column("tx_hash", sa.String(length=66), nullable=False),
        sa.Column("log_index", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("tx_hash", "log_index", name="uq_audit_events_log"),
    )
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_audit_events_block_number"), ["block_number"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_audit_events_document_hash"), ["document_hash"], unique=False
        )
        batch_op.create_index(
            "ix_audit_events_subject", ["subject_kind", "subject_id"], unique=False
        )

    op.create_table(
        "certificates",
        sa.Column("certificate_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("invoice_id", sa.BigInteger(), nullable=False),
        sa.Column("inspector", sa.String(length=42), nullable=False),
        sa.Column("result", sa.String(length=8), nullable=False),
        sa.Column("batch_code_hash", sa.String(length=66), nullable=False),
        sa.Column("standard_code", sa.String(length=66), nullable=False),
        sa.Column("document_hash", sa.String(length=66), nullable=False),
        sa.Column("expires_at", sa.BigInteger(), nullable=False),
        sa.Column("revoked", sa.Boolean(), nullable=False),
        sa.Column("revoke_reason_hash", sa.String(length=66), nullable=True),
        sa.Column("tx_hash", sa.String(length=66), nullable=False),
        sa.Column("block_number", sa.BigInteger(), nullable=False),
        sa.Column("updated_block", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("certificate_id"),
    )
    with op.batch_alter_table("certificates", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_certificates_block_number"), ["block_number"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_certificates_document_hash"), ["document_hash"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_certificates_inspector"), ["inspector"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_certificates_invoice_id"), ["invoice_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_certificates_updated_block"), ["updated_block"], unique=False
        )

    op.create_table(
        "claim_payments",
        sa.Column("token_id", sa.BigInteger(), nullable=False),
        sa.Column("claimant", sa.String(length=42), nullable=False),
        sa.Column("amount", backend.core.sqltypes.Uint256(precision=78, scale=0), nullable=False),
        sa.Column(
            "total_paid", backend.core.sqltypes.Uint256(precision=78, scale=0), nullable=False
        ),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("block_number", sa.BigInteger(), nullable=False),
        sa.Column("tx_hash", sa.String(length=66), nullable=False),
        sa.Column("log_index", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("tx_hash", "log_index", name="uq_claim_payments_log"),
    )
    with op.batch_alter_table("claim_payments", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_claim_payments_block_number"), ["block_number"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_claim_payments_claimant"), ["claimant"], unique=False)
        batch_op.create_index(batch_op.f("ix_claim_payments_token_id"), ["token_id"], unique=False)

    op.create_table(
        "credits",
        sa.Column("credit_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("obligor", sa.String(length=42), nullable=False),
        sa.Column("supplier", sa.String(length=42), nullable=False),
        sa.Column(
            "face_value", backend.core.sqltypes.Uint256(precision=78, scale=0), nullable=False
        ),
        sa.Column("maturity", sa.BigInteger(), nullable=False),
        sa.Column("invoice_id", sa.BigInteger(), nullable=False),
        sa.Column("certificate_id", sa.BigInteger(), nullable=True),
        sa.Column("root_token_id", sa.BigInteger(), nullable=True),
        sa.Column("frozen", sa.Boolean(), nullable=False),
        sa.Column("repaid", backend.core.sqltypes.Uint256(precision=78, scale=0), nullable=False),
        sa.Column(
            "redeemed_value", backend.core.sqltypes.Uint256(precision=78, scale=0), nullable=False
        ),
        sa.Column("overdue", sa.Boolean(), nullable=False),
        sa.Column("issued_at", sa.BigInteger(), nullable=False),
        sa.Column("tx_hash", sa.String(length=66), nullable=False),
        sa.Column("block_number", sa.BigInteger(), nullable=False),
        sa.Column("updated_block", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("credit_id"),
    )
    with op.batch_alter_table("credits", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_credits_block_number"), ["block_number"], unique=False)
        batch_op.create_index(batch_op.f("ix_credits_invoice_id"), ["invoice_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_credits_maturity"), ["maturity"], unique=False)
        batch_op.create_index(batch_op.f("ix_credits_obligor"), ["obligor"], unique=False)
        batch_op.create_index("ix_credits_overdue_maturity", ["overdue", "maturity"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_credits_updated_block"), ["updated_block"], unique=False
        )

    op.create_table(
        "exposures",
        sa.Column("financier", sa.String(length=42), nullable=False),
        sa.Column("obligor", sa.String(length=42), nullable=False),
        sa.Column(
            "credit_line", backend.core.sqltypes.Uint256(precision=78, scale=0), nullable=False
        ),
        sa.Column("exposure", backend.core.sqltypes.Uint256(precision=78, scale=0), nullable=False),
        sa.Column("block_number", sa.BigInteger(), nullable=False),
        sa.Column("updated_block", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("financier", "obligor"),
    )
    with op.batch_alter_table("exposures", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_exposures_block_number"), ["block_number"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_exposures_obligor"), ["obligor"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_exposures_updated_block"), ["updated_block"], unique=False
        )

    op.create_table(
        "financing_requests",
        sa.Column("request_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("holder", sa.String(length=42), nullable=False),
        sa.Column("token_id", sa.BigInteger(), nullable=False),
        sa.Column("value", backend.core.sqltypes.Uint256(precision=78, scale=0), nullable=False),
        sa.Column("expires_at", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("accepted_quote_id", sa.BigInteger(), nullable=True),
        sa.Column("financier", sa.String(length=42), nullable=True),
        sa.Column("price", backend.core.sqltypes.Uint256(precision=78, scale=0), nullable=True),
        sa.Column("days_to_maturity", sa.Integer(), nullable=True),
        sa.Column("tx_hash", sa.String(length=66), nullable=False),
        sa.Column("block_number", sa.BigInteger(), nullable=False),
        sa.Column("updated_block", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("request_id"),
    )
    with op.batch_alter_table("financing_requests", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_financing_requests_block_number"), ["block_number"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_financing_requests_financier"), ["financier"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_financing_requests_holder"), ["holder"], unique=False)
        batch_op.create_index(
            "ix_financing_requests_status_expires", ["status", "expires_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_financing_requests_token_id"), ["token_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_financing_requests_updated_block"), ["updated_block"], unique=False
        )

    op.create_table(
        "fragments",
        sa.Column("token_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("credit_id", sa.BigInteger(), nullable=False),
        sa.Column("parent_id", sa.BigInteger(), nullable=True),
        sa.Column("invoice_id", sa.BigInteger(), nullable=True),
        sa.Column("depth", sa.SmallInteger(), nullable=False),
        sa.Column("owner", sa.String(length=42), nullable=False),
        sa.Column("value", backend.core.sqltypes.Uint256(precision=78, scale=0), nullable=False),
        sa.Column("frozen", sa.Boolean(), nullable=False),
        sa.Column("locked", sa.Boolean(), nullable=False),
        sa.Column("redeemed", sa.Boolean(), nullable=False),
        sa.Column("tx_hash", sa.String(length=66), nullable=False),
        sa.Column("block_number", sa.BigInteger(), nullable=False),
        sa.Column("updated_block", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("token_id"),
    )
    with op.batch_alter_table("fragments", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_fragments_block_number"), ["block_number"], unique=False
        )
        batch_op.create_index(
            "ix_fragments_credit_parent", ["credit_id", "parent_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_fragments_invoice_id"), ["invoice_id"], unique=False)
        batch_op.create_index("ix_fragments_owner_live", ["owner", "redeemed"], unique=False)
        batch_op.create_index(batch_op.f("ix_fragments_parent_id"), ["parent_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_fragments_updated_block"), ["updated_block"], unique=False
        )

    op.create_table(
        "freezes",
        sa.Column("scope", sa.String(length=16), nullable=False),
        sa.Column("target_id", sa.BigInteger(), nullable=False),
        sa.Column("frozen", sa.Boolean(), nullable=False),
        sa.Column("reason_hash", sa.String(length=66), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("block_number", sa.BigInteger(), nullable=False),
        sa.Column("tx_hash", sa.String(length=66), nullable=False),
        sa.Column("log_index", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("tx_hash", "log_index", name="uq_freezes_log"),
    )
    with op.batch_alter_table("freezes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_freezes_block_number"), ["block_number"], unique=False)
        batch_op.create_index("ix_freezes_target", ["scope", "target_id"], unique=False)

    op.create_table(
        "indexed_blocks",
        sa.Column("number", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("hash", sa.String(length=66), nullable=False),
        sa.Column("parent_hash", sa.String(length=66), nullable=False),
        sa.PrimaryKeyConstraint("number"),
    )
    op.create_table(
        "indexer_cursor",
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("block_number", sa.BigInteger(), nullable=False),
        sa.Column("block_hash", sa.String(length=66), nullable=False),
        sa.Column("updated_at", backend.core.sqltypes.UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )
    op.create_table(
        "invoices",
        sa.Column("invoice_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("seller", sa.String(length=42), nullable=False),
        sa.Column("buyer", sa.String(length=42), nullable=False),
        sa.Column("amount", backend.core.sqltypes.Uint256(precision=78, scale=0), nullable=False),
        sa.Column(
            "remaining", backend.core.sqltypes.Uint256(precision=78, scale=0), nullable=False
        ),
        sa.Column("due_date", sa.BigInteger(), nullable=False),
        sa.Column("number_hash", sa.String(length=66), nullable=False),
        sa.Column("document_hash", sa.String(length=66), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("reason_hash", sa.String(length=66), nullable=True),
        sa.Column("tx_hash", sa.String(length=66), nullable=False),
        sa.Column("block_number", sa.BigInteger(), nullable=False),
        sa.Column("updated_block", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("invoice_id"),
    )
    with op.batch_alter_table("invoices", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_invoices_block_number"), ["block_number"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_invoices_buyer"), ["buyer"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_invoices_document_hash"), ["document_hash"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_invoices_seller"), ["seller"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_invoices_updated_block"), ["updated_block"], unique=False
        )

    op.create_table(
        "member_chain_status",
        sa.Column("address", sa.String(length=42), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("kyc_hash", sa.String(length=66), nullable=False),
        sa.Column("block_number", sa.BigInteger(), nullable=False),
        sa.Column("updated_block", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("address"),
    )
    with op.batch_alter_table("member_chain_status", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_member_chain_status_block_number"), ["block_number"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_member_chain_status_updated_block"), ["updated_block"], unique=False
        )

    op.create_table(
        "members",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("address", sa.String(length=42), nullable=False),
        sa.Column("roles", sa.JSON(), nullable=False),
        sa.Column("custodial", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("kyc_hash", sa.String(length=66), nullable=False),
        sa.Column("onboarding_tx_hash", sa.String(length=66), nullable=True),
        sa.Column("created_at", backend.core.sqltypes.UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("address"),
    )
    op.create_table(
        "obligor_limits",
        sa.Column("obligor", sa.String(length=42), nullable=False),
        sa.Column("quota", backend.core.sqltypes.Uint256(precision=78, scale=0), nullable=False),
        sa.Column(
            "outstanding", backend.core.sqltypes.Uint256(precision=78, scale=0), nullable=False
        ),
        sa.Column("requires_certificate", sa.Boolean(), nullable=False),
        sa.Column("block_number", sa.BigInteger(), nullable=False),
        sa.Column("updated_block", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("obligor"),
    )
    with op.batch_alter_table("obligor_limits", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_obligor_limits_block_number"), ["block_number"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_obligor_limits_updated_block"), ["updated_block"], unique=False
        )

    op.create_table(
        "quotes",
        sa.Column("quote_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("request_id", sa.BigInteger(), nullable=False),
        sa.Column("financier", sa.String(length=42), nullable=False),
        sa.Column("rate_bps", sa.Integer(), nullable=False),
        sa.Column("withdrawn", sa.Boolean(), nullable=False),
        sa.Column("tx_hash", sa.String(length=66), nullable=False),
        sa.Column("block_number", sa.BigInteger(), nullable=False),
        sa.Column("updated_block", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("quote_id"),
    )
    with op.batch_alter_table("quotes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_quotes_block_number"), ["block_number"], unique=False)
        batch_op.create_index(batch_op.f("ix_quotes_financier"), ["financier"], unique=False)
        batch_op.create_index(batch_op.f("ix_quotes_request_id"), ["request_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_quotes_updated_block"), ["updated_block"], unique=False
        )

    op.create_table(
        "redemptions",
        sa.Column("token_id", sa.BigInteger(), nullable=False),
        sa.Column("credit_id", sa.BigInteger(), nullable=False),
        sa.Column("holder", sa.String(length=42), nullable=False),
        sa.Column("value", backend.core.sqltypes.Uint256(precision=78, scale=0), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("block_number", sa.BigInteger(), nullable=False),
        sa.Column("tx_hash", sa.String(length=66), nullable=False),
        sa.Column("log_index", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("tx_hash", "log_index", name="uq_redemptions_log"),
    )
    with op.batch_alter_table("redemptions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_redemptions_block_number"), ["block_number"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_redemptions_credit_id"), ["credit_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_redemptions_holder"), ["holder"], unique=False)
        batch_op.create_index(batch_op.f("ix_redemptions_token_id"), ["token_id"], unique=False)

    op.create_table(
        "repayments",
        sa.Column("credit_id", sa.BigInteger(), nullable=False),
        sa.Column("payer", sa.String(length=42), nullable=False),
        sa.Column("amount", backend.core.sqltypes.Uint256(precision=78, scale=0), nullable=False),
        sa.Column(
            "total_repaid", backend.core.sqltypes.Uint256(precision=78, scale=0), nullable=False
        ),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("block_number", sa.BigInteger(), nullable=False),
        sa.Column("tx_hash", sa.String(length=66), nullable=False),
        sa.Column("log_index", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("tx_hash", "log_index", name="uq_repayments_log"),
    )
    with op.batch_alter_table("repayments", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_repayments_block_number"), ["block_number"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_repayments_credit_id"), ["credit_id"], unique=False)

    op.create_table(
        "signer_nonces",
        sa.Column("address", sa.String(length=42), nullable=False),
        sa.Column("next_nonce", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("address"),
    )
    op.create_table(
        "siwe_nonces",
        sa.Column("nonce", sa.String(length=64), nullable=False),
        sa.Column("created_at", backend.core.sqltypes.UtcDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", backend.core.sqltypes.UtcDateTime(timezone=True), nullable=False),
        sa.Column("used_at", backend.core.sqltypes.UtcDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("nonce"),
    )
    with op.batch_alter_table("siwe_nonces", schema=None) as batch_op:
        batch_op.create_index("ix_siwe_nonces_expires_at", ["expires_at"], unique=False)

    op.create_table(
        "api_keys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("prefix", sa.String(length=16), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("created_at", backend.core.sqltypes.UtcDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", backend.core.sqltypes.UtcDateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", backend.core.sqltypes.UtcDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["member_id"], ["members.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("key_hash"),
    )
    with op.batch_alter_table("api_keys", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_api_keys_member_id"), ["member_id"], unique=False)

    op.create_table(
        "documents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("canonical_json", sa.Text(), nullable=False),
        sa.Column("document_hash", sa.String(length=66), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("pdf", sa.LargeBinary(), nullable=True),
        sa.Column("pdf_hash", sa.String(length=66), nullable=True),
        sa.Column("pdf_size_bytes", sa.Integer(), nullable=True),
        sa.Column("created_at", backend.core.sqltypes.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("document_hash"),
    )
    with op.batch_alter_table("documents", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_documents_member_id"), ["member_id"], unique=False)

    op.create_table(
        "idempotency_records",
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("request_fingerprint", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("response_status", sa.Integer(), nullable=True),
        sa.Column("response_json", sa.JSON(), nullable=True),
        sa.Column("created_at", backend.core.sqltypes.UtcDateTime(timezone=True), nullable=False),
        sa.Column("completed_at", backend.core.sqltypes.UtcDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["member_id"], ["members.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("member_id", "key"),
    )


def downgrade() -> None:
    op.drop_table("idempotency_records")
    with op.batch_alter_table("documents", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_documents_member_id"))

    op.drop_table("documents")
    with op.batch_alter_table("api_keys", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_api_keys_member_id"))

    op.drop_table("api_keys")
    with op.batch_alter_table("siwe_nonces", schema=None) as batch_op:
        batch_op.drop_index("ix_siwe_nonces_expires_at")

    op.drop_table("siwe_nonces")
    op.drop_table("signer_nonces")
    with op.batch_alter_table("repayments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_repayments_credit_id"))
        batch_op.drop_index(batch_op.f("ix_repayments_block_number"))

    op.drop_table("repayments")
    with op.batch_alter_table("redemptions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_redemptions_token_id"))
        batch_op.drop_index(batch_op.f("ix_redemptions_holder"))
        batch_op.drop_index(batch_op.f("ix_redemptions_credit_id"))
        batch_op.drop_index(batch_op.f("ix_redemptions_block_number"))

    op.drop_table("redemptions")
    with op.batch_alter_table("quotes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_quotes_updated_block"))
        batch_op.drop_index(batch_op.f("ix_quotes_request_id"))
        batch_op.drop_index(batch_op.f("ix_quotes_financier"))
        batch_op.drop_index(batch_op.f("ix_quotes_block_number"))

    op.drop_table("quotes")
    with op.batch_alter_table("obligor_limits", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_obligor_limits_updated_block"))
        batch_op.drop_index(batch_op.f("ix_obligor_limits_block_number"))

    op.drop_table("obligor_limits")
    op.drop_table("members")
    with op.batch_alter_table("member_chain_status", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_member_chain_status_updated_block"))
        batch_op.drop_index(batch_op.f("ix_member_chain_status_block_number"))

    op.drop_table("member_chain_status")
    with op.batch_alter_table("invoices", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_invoices_updated_block"))
        batch_op.drop_index(batch_op.f("ix_invoices_seller"))
        batch_op.drop_index(batch_op.f("ix_invoices_document_hash"))
        batch_op.drop_index(batch_op.f("ix_invoices_buyer"))
        batch_op.drop_index(batch_op.f("ix_invoices_block_number"))

    op.drop_table("invoices")
    op.drop_table("indexer_cursor")
    op.drop_table("indexed_blocks")
    with op.batch_alter_table("freezes", schema=None) as batch_op:
        batch_op.drop_index("ix_freezes_target")
        batch_op.drop_index(batch_op.f("ix_freezes_block_number"))

    op.drop_table("freezes")
    with op.batch_alter_table("fragments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_fragments_updated_block"))
        batch_op.drop_index(batch_op.f("ix_fragments_parent_id"))
        batch_op.drop_index("ix_fragments_owner_live")
        batch_op.drop_index(batch_op.f("ix_fragments_invoice_id"))
        batch_op.drop_index("ix_fragments_credit_parent")
        batch_op.drop_index(batch_op.f("ix_fragments_block_number"))

    op.drop_table("fragments")
    with op.batch_alter_table("financing_requests", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_financing_requests_updated_block"))
        batch_op.drop_index(batch_op.f("ix_financing_requests_token_id"))
        batch_op.drop_index("ix_financing_requests_status_expires")
        batch_op.drop_index(batch_op.f("ix_financing_requests_holder"))
        batch_op.drop_index(batch_op.f("ix_financing_requests_financier"))
        batch_op.drop_index(batch_op.f("ix_financing_requests_block_number"))

    op.drop_table("financing_requests")
    with op.batch_alter_table("exposures", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_exposures_updated_block"))
        batch_op.drop_index(batch_op.f("ix_exposures_obligor"))
        batch_op.drop_index(batch_op.f("ix_exposures_block_number"))

    op.drop_table("exposures")
    with op.batch_alter_table("credits", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_credits_updated_block"))
        batch_op.drop_index("ix_credits_overdue_maturity")
        batch_op.drop_index(batch_op.f("ix_credits_obligor"))
        batch_op.drop_index(batch_op.f("ix_credits_maturity"))
        batch_op.drop_index(batch_op.f("ix_credits_invoice_id"))
        batch_op.drop_index(batch_op.f("ix_credits_block_number"))

    op.drop_table("credits")
    with op.batch_alter_table("claim_payments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_claim_payments_token_id"))
        batch_op.drop_index(batch_op.f("ix_claim_payments_claimant"))
        batch_op.drop_index(batch_op.f("ix_claim_payments_block_number"))

    op.drop_table("claim_payments")
    with op.batch_alter_table("certificates", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_certificates_updated_block"))
        batch_op.drop_index(batch_op.f("ix_certificates_invoice_id"))
        batch_op.drop_index(batch_op.f("ix_certificates_inspector"))
        batch_op.drop_index(batch_op.f("ix_certificates_document_hash"))
        batch_op.drop_index(batch_op.f("ix_certificates_block_number"))

    op.drop_table("certificates")
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_events_subject")
        batch_op.drop_index(batch_op.f("ix_audit_events_document_hash"))
        batch_op.drop_index(batch_op.f("ix_audit_events_block_number"))

    op.drop_table("audit_events")
