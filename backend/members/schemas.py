"""HTTP shapes of members, onboarding and sign-in."""

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from backend.core.inputs import AddressStr, Units

# PLATFORM_ROLE belongs to the platform's own contracts; no company is onboarded with it.
MemberRole = Literal["OPERATOR", "CORE_ENTERPRISE", "SUPPLIER", "FINANCIER", "INSPECTOR", "AUDITOR"]


class MemberCreate(BaseModel):
    """Onboarding after off-chain KYC. Without `address` the platform creates and keeps the key."""

    name: str = Field(min_length=1, max_length=200)
    roles: list[MemberRole] = Field(min_length=1)
    kyc_reference: str = Field(
        min_length=1,
        max_length=200,
        description="The KYC file reference; only its keccak-256 goes on-chain.",
    )
    address: AddressStr | None = Field(
        default=None,
        description="EIP-55 address of a member that holds its own key and signs in with SIWE.",
    )

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "name": "Shenzhen Precision Parts Co.",
                    "roles": ["SUPPLIER"],
                    "kyc_reference": "KYC-2024-0117",
                }
            ]
        }
    )

    @field_validator("roles")
    @classmethod
    def _distinct(cls, roles: list[str]) -> list[str]:
        if len(set(roles)) != len(roles):
            raise ValueError("roles must be distinct")
        return roles


class MemberRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    address: str
    roles: list[str]
    custodial: bool
    status: str
    kyc_hash: str
    onboarding_tx_hash: str | None
    approval_mode: str = Field(description="Which writes wait for a checker: none, all, above.")
    approval_threshold_units: str | None = None
    created_at: datetime


class DirectoryEntry(BaseModel):
    """What every member may know of another: who it is, its account, its roles, its status."""

    model_config = ConfigDict(from_attributes=True)

    name: str
    address: str
    roles: list[str]
    status: str


class OnboardingRead(BaseModel):
    member: MemberRead
    api_key: str = Field(description="Shown once: only its hash is stored.")


class SiweNonceRequest(BaseModel):
    address: AddressStr | None = Field(
        default=None,
        description="The account that will sign in: the nonce serves it only, and counts "
        "against its rate limit.",
    )


class SiweNonceRead(BaseModel):
    nonce: str
    expires_at: datetime


class SiweSignIn(BaseModel):
    message: str = Field(max_length=4096, description="The EIP-4361 message the member signed.")
    signature: str = Field(max_length=200, description="EIP-191 personal_sign signature, 0x-hex.")


class SessionKeyRead(BaseModel):
    api_key: str = Field(
        description="Shown once; use as `Authorization: Bearer <key>` until it expires."
    )
    expires_at: datetime
    member: MemberRead


class UserCreate(BaseModel):
    """A person acting for the member with an API key of its own."""

    name: str = Field(min_length=1, max_length=200)
    role: Literal["maker", "checker"] = Field(
        description="maker: prepares writes; checker: approves or rejects others' writes"
    )


class UserRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    member_id: int
    name: str
    role: str
    created_at: datetime


class UserIssued(BaseModel):
    user: UserRead
    api_key: str = Field(description="Shown once: only its hash is stored.")


class ApprovalPolicy(BaseModel):
    """Which of the member's writes wait for a checker: none, all, or those moving more than
    `threshold_units` (micro-units)."""

    mode: Literal["none", "all", "above"]
    threshold_units: Units | None = None

    @model_validator(mode="after")
    def _threshold_with_above(self) -> "ApprovalPolicy":
        if (self.mode == "above") != (self.threshold_units is not None):
            raise ValueError("threshold_units goes with mode 'above', and only with it")
        return self
