"""What a write request looks like to its member."""

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from backend.relay.models import WriteRequest


class RequestRead(BaseModel):
    """One member request: what it calls, how it is signed, where it stands, what it did."""

    request_id: str
    status: str = Field(
        description="received, pending_approval, awaiting_signature, signed, sent, done, failed, "
        "rejected, expired or handed_out (a contract wallet sends it itself)"
    )
    contract: str
    function: str
    signer: str
    signing: str = Field(description="custodial, self or wallet")
    amount_units: str | None = None
    forwarder_nonce: int | None = None
    tx_hash: str | None = None
    block_number: int | None = None
    outcome: Any = Field(
        default=None, description="Its events once done; its named error once failed."
    )
    maker_user_id: int | None = Field(
        default=None, description="The user who prepared it (None: the member's own key)."
    )
    checker_user_id: int | None = None
    decision_reason: str | None = None
    created_at: datetime
    expires_at: datetime | None = None

    @classmethod
    def of(cls, row: WriteRequest) -> "RequestRead":
        return cls(
            request_id=row.public_id,
            status=row.status,
            contract=row.contract,
            function=row.function,
            signer=row.signer,
            signing=row.signing,
            amount_units=row.amount_units,
            forwarder_nonce=row.forwarder_nonce,
            tx_hash=row.tx_hash,
            block_number=row.block_number,
            outcome=row.outcome,
            maker_user_id=row.maker_user_id,
            checker_user_id=row.checker_user_id,
            decision_reason=row.decision_reason,
            created_at=row.created_at,
            expires_at=row.expires_at,
        )
