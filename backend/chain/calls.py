"""A contract call as the write path takes it: which platform contract, which function, which
arguments. The typed constructors live with each contract (backend/chain/<contract>.py), so
services name what they do (`credit_voucher.split_transfer(...)`) and no ABI string."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class ContractCall:
    contract: str
    function: str
    args: tuple[Any, ...] = ()
