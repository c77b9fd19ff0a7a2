"""HTTP routes of on-chain cash and credit lines; each takes an `Idempotency-Key`."""

from fastapi import APIRouter, Response

from backend.api_deps import CurrentMember, IdempotencyDep
from backend.cash import service
from backend.cash.schemas import (
    ApprovalCreate,
    ApprovalWrite,
    BurnCreate,
    BurnWrite,
    CreditLineSet,
    CreditLineWrite,
    MintCreate,
    MintWrite,
)
from backend.writes import WriterDep

router = APIRouter(tags=["cash"])


@router.post("/cash/mint", response_model=MintWrite)
def mint(
    member: CurrentMember, body: MintCreate, writer: WriterDep, idempotent: IdempotencyDep
) -> Response:
    """A financier mints on-chain cash to a member against an off-chain deposit."""
    return idempotent.respond(lambda: service.mint(writer, member, body))


@router.post("/cash/burn", response_model=BurnWrite)
def burn(
    member: CurrentMember, body: BurnCreate, writer: WriterDep, idempotent: IdempotencyDep
) -> Response:
    """A member burns its own on-chain cash to withdraw it."""
    return idempotent.respond(lambda: service.burn(writer, member, body))


@router.post("/cash/approvals", response_model=ApprovalWrite)
def approve(
    member: CurrentMember, body: ApprovalCreate, writer: WriterDep, idempotent: IdempotencyDep
) -> Response:
    """Lets the Financing or Settlement contract pull the member's cash (ERC-20 approve)."""
    return idempotent.respond(lambda: service.approve(writer, member, body))


@router.post("/credit-lines", response_model=CreditLineWrite)
def set_credit_line(
    member: CurrentMember, body: CreditLineSet, writer: WriterDep, idempotent: IdempotencyDep
) -> Response:
    """A financier sets its credit line to a core enterprise (0 withdraws it)."""
    return idempotent.respond(lambda: service.set_credit_line(writer, member, body))
