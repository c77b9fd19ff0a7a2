"""HTTP shapes of on-chain cash (SettlementToken) and credit-line writes."""

from typing import Literal

from pydantic import BaseModel, Field

from backend.core.inputs import AddressStr, Units
from backend.reads.schemas import CreditLineRead
from backend.writes import TxRead

# The platform contracts that pull cash from a member, by the name clients use.
Spender = Literal["financing", "settlement"]
SPENDER_CONTRACTS: dict[str, str] = {"financing": "Financing", "settlement": "Settlement"}


class MintCreate(BaseModel):
    """A financier mints on-chain cash to an active member against an off-chain deposit."""

    to: AddressStr
    amount_units: Units
    deposit_reference: str = Field(
        min_length=1,
        max_length=200,
        description="The deposit's reference; its keccak-256 goes on-chain.",
    )


class BurnCreate(BaseModel):
    """A member burns its own cash to withdraw it off-chain."""

    amount_units: Units
    withdrawal_reference: str = Field(min_length=1, max_length=200)


class ApprovalCreate(BaseModel):
    """Lets a platform contract pull up to `amount_units` of the member's cash (ERC-20 approve).
    Quotes and repayments sign an EIP-2612 permit instead, so this is rarely needed."""

    spender: Spender
    amount_units: Units


class CreditLineSet(BaseModel):
    """The calling financier sets its line to a core enterprise (0 withdraws it)."""

    obligor: AddressStr
    limit_units: Units


class CashBalance(BaseModel):
    account: str
    balance_units: int


class MintWrite(TxRead):
    deposit_reference_hash: str
    recipient: CashBalance
    total_supply_units: int


class BurnWrite(TxRead):
    withdrawal_reference_hash: str
    account: CashBalance
    total_supply_units: int


class ApprovalWrite(TxRead):
    owner: str
    spender: Spender
    spender_address: str
    allowance_units: int


class CreditLineWrite(TxRead):
    credit_line: CreditLineRead
    obligor_quota_units: int = Field(
        description="The obligor's issuance quota: the sum of its lines."
    )
