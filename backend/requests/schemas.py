"""What a write request looks like to its member."""

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from backend.relay.models import AWAITING_SIGNATURE, HANDED_OUT, WriteRequest


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
    typed_data: dict[str, Any] | None = Field(
        default=None,
        description="While it waits for a signature (the member's, or for pending_approval a "
        "checker's): the EIP-712 typed data to sign and post to /requests/{request_id}/signature.",
    )

    @classmethod
    def of(cls, row: WriteRequest, typed_data: dict[str, Any] | None = None) -> "RequestRead":
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
            typed_data=typed_data,
        )


class RequestToSignRead(BaseModel):
    """A request recorded for its member to sign (202): sign `typed_data` (what a wallet's
    `eth_signTypedData_v4` takes) and post the signature to `/requests/{request_id}/signature`
    before `expires_at`. When pending_approval, a checker other than its maker signs it."""

    request_id: str
    status: Literal["awaiting_signature", "pending_approval"] = AWAITING_SIGNATURE
    typed_data: dict[str, Any] = Field(
        description="EIP-712 ForwardRequest of the platform's forwarder, with its domain."
    )
    expires_at: datetime


class HandedOutRequestRead(BaseModel):
    """A contract wallet's request (202): the wallet calls `to` with `data` from its own account
    (a contract cannot sign a forward request); the read models follow it by its events."""

    request_id: str
    status: Literal["handed_out"] = HANDED_OUT
    to: str
    data: str = Field(description="0x-hex calldata.")


class SignatureCreate(BaseModel):
    """The member's signature of the typed data its request was answered with."""

    signature: str = Field(
        pattern="^0x[0-9a-fA-F]{130}$",
        description="65 bytes as 0x-hex (r, s, v), as eth_signTypedData_v4 returns it.",
    )
