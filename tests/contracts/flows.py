"""Steps shared by the voucher, financing and settlement tests: time, cash, permits, certificates.

Plain functions rather than fixtures, so each test module states which steps it takes.
"""

import itertools
import json

from brownie import chain, web3
from brownie.network.account import Account, LocalAccount
from brownie.network.contract import ProjectContract
from brownie.network.transaction import TransactionReceipt
from conftest import DAY, emitted
from hexbytes import HexBytes

Member = Account | LocalAccount
PASS, FAIL = 1, 2  # IQualityRegistry.CertificateResult
_certificate_documents = itertools.count(1)
PERMIT_TYPES = {
    "EIP712Domain": [
        {"name": "name", "type": "string"},
        {"name": "version", "type": "string"},
        {"name": "chainId", "type": "uint256"},
        {"name": "verifyingContract", "type": "address"},
    ],
    "Permit": [
        {"name": "owner", "type": "address"},
        {"name": "spender", "type": "address"},
        {"name": "value", "type": "uint256"},
        {"name": "nonce", "type": "uint256"},
        {"name": "deadline", "type": "uint256"},
    ],
}


def event_args(tx: TransactionReceipt, name: str) -> dict[str, object]:
    """The arguments of the one event `name` that `tx` emitted."""
    matching = [args for event_name, args in emitted(tx) if event_name == name]
    assert len(matching) == 1, f"{name} emitted {len(matching)} times"
    return matching[0]


def sleep_until(timestamp: int) -> None:
    """Mines a block at or just after `timestamp`, so the chain's clock has passed it."""
    chain.sleep(max(timestamp - chain.time(), 0) + 1)
    chain.mine()


def discounted_price(value: int, rate_bps: int, maturity: int, now: int) -> tuple[int, int]:
    """The brief's price, computed independently: value - value*rate*days/365, days rounded up."""
    days = -(-(maturity - now) // DAY) if maturity > now else 0
    return value - value * rate_bps * days // (365 * 10_000), days


def deposit(cash: ProjectContract, bank: Member, to: Member, amount: int) -> None:
    """`bank` mints `amount` of on-chain cash to `to` against an off-chain deposit."""
    cash.mint(to, amount, web3.keccak(text=f"deposit:{to}:{amount}"), {"from": bank})


def permit_signature(
    cash: ProjectContract,
    owner: Member,
    spender: ProjectContract,
    value: int,
    deadline: int,
    signer: Member | None = None,
) -> tuple[int, bytes, bytes]:
    """(v, r, s) of an EIP-2612 permit of `owner`, signed by `signer` (the owner unless given).

    Signed by the node (eth_signTypedData_v4), which holds the keys of its own accounts.
    """
    typed_data = {
        "types": PERMIT_TYPES,
        "primaryType": "Permit",
        "domain": {
            "name": cash.name(),
            "version": "1",
            "chainId": chain.id,
            "verifyingContract": cash.address,
        },
        "message": {
            "owner": str(owner),
            "spender": str(spender),
            "value": value,
            "nonce": cash.nonces(owner),
            "deadline": deadline,
        },
    }
    answer = web3.provider.make_request(
        "eth_signTypedData_v4", [str(signer or owner), json.dumps(typed_data)]
    )
    signature = HexBytes(answer["result"])
    return signature[64], signature[:32], signature[32:64]


def certify(
    quality: ProjectContract,
    inspector: Member,
    invoice_id: int,
    result: int = PASS,
    valid_days: int = 365,
) -> int:
    """`inspector` certifies the goods behind `invoice_id` with `result`; returns its id."""
    n = next(_certificate_documents)
    tx = quality.issue(
        invoice_id,
        web3.keccak(text=f"batch-{n}"),
        web3.keccak(text="GB/T 19001"),
        result,
        web3.keccak(text=f"certificate-{n}"),
        chain.time() + valid_days * DAY,
        {"from": inspector},
    )
    return tx.return_value


def half_day_maturity(days: int) -> int:
    """A maturity `days` and a half from now: whole days to maturity are `days + 1` all day long."""
    return chain.time() + days * DAY + DAY // 2
