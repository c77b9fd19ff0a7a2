"""HTTP shapes of the operator's platform writes: limits, pause, member suspension."""

from pydantic import BaseModel, Field

from backend.writes import TxRead


class LimitsSet(BaseModel):
    """Platform limits; the Consortium caps tenor at 365 days and tier depth at 32."""

    max_tenor_days: int = Field(strict=True, ge=0, lt=2**32)
    grace_period_days: int = Field(strict=True, ge=0, lt=2**32)
    max_tier_depth: int = Field(strict=True, ge=0, lt=2**8)


class LimitsRead(LimitsSet):
    pass


class PlatformLimitsRead(LimitsRead):
    """The limits in force and whether the platform is paused, as the Consortium holds them."""

    paused: bool
    block_number: int = Field(description="The block the Consortium was read at.")


class LimitsWrite(TxRead):
    limits: LimitsRead


class PauseWrite(TxRead):
    paused: bool


class MemberStatusRead(BaseModel):
    member_id: int
    address: str
    status: str = Field(description="active | suspended, on-chain and in the member registry.")
    reason: str | None = None
    reason_hash: str | None = None


class MemberStatusWrite(TxRead):
    member: MemberStatusRead
