"""Typed calls of the Consortium: members, roles, limits, credit lines, pause."""

from __future__ import annotations

from collections.abc import Sequence

from backend.chain.calls import ContractCall
from backend.chain.ids import role_id

CONSORTIUM = "Consortium"


def onboard(address: str, kyc_hash: bytes, roles: Sequence[str]) -> ContractCall:
    return ContractCall(CONSORTIUM, "onboard", (address, kyc_hash, [role_id(r) for r in roles]))


def suspend(address: str, reason_hash: bytes) -> ContractCall:
    return ContractCall(CONSORTIUM, "suspend", (address, reason_hash))


def reinstate(address: str) -> ContractCall:
    return ContractCall(CONSORTIUM, "reinstate", (address,))


def set_limits(max_tenor_days: int, grace_period_days: int, max_tier_depth: int) -> ContractCall:
    return ContractCall(
        CONSORTIUM, "setLimits", (max_tenor_days, grace_period_days, max_tier_depth)
    )


def set_paused(paused: bool) -> ContractCall:
    return ContractCall(CONSORTIUM, "pause" if paused else "unpause")


def set_quality_requirement(required: bool) -> ContractCall:
    return ContractCall(CONSORTIUM, "setQualityRequirement", (required,))


def set_credit_line(obligor: str, limit_units: int) -> ContractCall:
    return ContractCall(CONSORTIUM, "setCreditLine", (obligor, limit_units))
