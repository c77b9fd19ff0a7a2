"""Shared fixtures of the contract tests: the platform deployed and wired, role-named accounts."""

import time
from collections.abc import Callable

import pytest
from brownie import (
    Consortium,
    CreditVoucher,
    Financing,
    Forwarder,
    InvoiceRegistry,
    QualityRegistry,
    Settlement,
    SettlementToken,
    accounts,
    chain,
    web3,
)
from brownie.network.transaction import Status, TransactionReceipt
from web3.exceptions import TransactionNotFound

# Brownie 1.22 declares a transaction "dropped without known replacement" when the sender's
# nonce has moved on but the node has no receipt for it yet; a loaded Anvil answers that way for a
# moment after mining. Before Brownie gives up, the receipt is asked for again for a while: a
# transaction the node mined is then confirmed as usual, one truly missing still fails.
_DROPPED_RECHECK_SECONDS = 10.0
_await_confirmation = TransactionReceipt._await_confirmation


def _patient_await_confirmation(self, block_number=None, required_confs=1):  # type: ignore[no-untyped-def]
    _await_confirmation(self, block_number, required_confs)
    if self.status != Status.Dropped:
        return
    deadline = time.monotonic() + _DROPPED_RECHECK_SECONDS
    while time.monotonic() < deadline:
        try:
            web3.eth.get_transaction_receipt(self.txid)
        except TransactionNotFound:
            time.sleep(0.1)
            continue
        self.status = Status.Pending
        self._confirmed.clear()
        _await_confirmation(self, block_number, required_confs)
        return


TransactionReceipt._await_confirmation = _patient_await_confirmation

DAY = 86_400
UNIT = 10**6  # SettlementToken and voucher value have 6 decimals
ZERO = "0x0000000000000000000000000000000000000000"
ROLE_NAMES = (
    "OPERATOR",
    "CORE_ENTERPRISE",
    "SUPPLIER",
    "FINANCIER",
    "INSPECTOR",
    "AUDITOR",
    "PLATFORM",
)
ROLE = {name: web3.keccak(text=f"{name}_ROLE") for name in ROLE_NAMES}
ACCOUNT_NAMES = (
    "operator",
    "core",
    "core2",
    "supplier1",
    "supplier2",
    "supplier3",
    "bank_a",
    "bank_b",
    "inspector",
    "auditor",
    "stranger",
    "other",
)


def err(name: str, *args: object) -> str:
    """The revert message Brownie decodes for custom error `name` with `args`: eth-abi decodes
    addresses in lower case and bytes32 as plain `bytes`, so each argument is rendered that way."""
    rendered = ", ".join(str(_as_decoded(arg)) for arg in args)
    return f"{name}: {rendered}"


def revert_data(signature: str, *args: int) -> str:
    """The ABI-encoded custom error `signature` (integer arguments only), as a hex string: what a
    contract records when it reports another's refusal, as `RedemptionSkipped` does."""
    encoded = b"".join(arg.to_bytes(32, "big") for arg in args)
    return "0x" + (bytes(web3.keccak(text=signature))[:4] + encoded).hex()


def h(text: str) -> bytes:
    """keccak-256 of a text: how invoice numbers, document ids and reasons are anchored."""
    return web3.keccak(text=text)


@pytest.fixture(scope="session")
def roles() -> dict[str, object]:
    while len(accounts) < len(ACCOUNT_NAMES):
        fresh = accounts.add()
        accounts[0].transfer(fresh, "100 ether")
    return dict(zip(ACCOUNT_NAMES, accounts, strict=False))


@pytest.fixture(scope="session")
def operator(roles):
    return roles["operator"]


@pytest.fixture(scope="session")
def core(roles):
    return roles["core"]


@pytest.fixture(scope="session")
def core2(roles):
    return roles["core2"]


@pytest.fixture(scope="session")
def supplier1(roles):
    return roles["supplier1"]


@pytest.fixture(scope="session")
def supplier2(roles):
    return roles["supplier2"]


@pytest.fixture(scope="session")
def supplier3(roles):
    return roles["supplier3"]


@pytest.fixture(scope="session")
def bank_a(roles):
    return roles["bank_a"]


@pytest.fixture(scope="session")
def bank_b(roles):
    return roles["bank_b"]


@pytest.fixture(scope="session")
def inspector(roles):
    return roles["inspector"]


@pytest.fixture(scope="session")
def auditor(roles):
    return roles["auditor"]


@pytest.fixture(scope="session")
def stranger(roles):
    return roles["stranger"]


@pytest.fixture(scope="module")
def platform(roles):
    """Deploys and wires every contract; onboards the demo members with their roles."""
    op = roles["operator"]
    forwarder = Forwarder.deploy({"from": op})
    consortium = Consortium.deploy(op, forwarder, {"from": op})
    cash = SettlementToken.deploy(consortium, {"from": op})
    invoices = InvoiceRegistry.deploy(consortium, {"from": op})
    quality = QualityRegistry.deploy(consortium, invoices, {"from": op})
    voucher = CreditVoucher.deploy(consortium, invoices, quality, {"from": op})
    financing = Financing.deploy(consortium, voucher, cash, {"from": op})
    settlement = Settlement.deploy(consortium, voucher, cash, {"from": op})
    consortium.linkVoucher(voucher, {"from": op})
    invoices.linkVoucher(voucher, {"from": op})
    voucher.linkPlatform(financing, settlement, {"from": op})
    for contract in (voucher, financing, settlement):
        consortium.onboard(contract, h("platform contract"), [ROLE["PLATFORM"]], {"from": op})
    members = {
        "core": ["CORE_ENTERPRISE"],
        "core2": ["CORE_ENTERPRISE"],
        "supplier1": ["SUPPLIER"],
        "supplier2": ["SUPPLIER"],
        "supplier3": ["SUPPLIER"],
        "bank_a": ["FINANCIER"],
        "bank_b": ["FINANCIER"],
        "inspector": ["INSPECTOR"],
        "auditor": ["AUDITOR"],
    }
    for name, role_names in members.items():
        consortium.onboard(
            roles[name], h(f"kyc:{name}"), [ROLE[r] for r in role_names], {"from": op}
        )
    return {
        "forwarder": forwarder,
        "consortium": consortium,
        "cash": cash,
        "invoices": invoices,
        "quality": quality,
        "voucher": voucher,
        "financing": financing,
        "settlement": settlement,
    }


@pytest.fixture(autouse=True)
def isolate(fn_isolation):
    """Every test starts from the module's deployment, untouched by other tests."""


@pytest.fixture(scope="module")
def forwarder(platform):
    return platform["forwarder"]


@pytest.fixture(scope="module")
def consortium(platform):
    return platform["consortium"]


@pytest.fixture(scope="module")
def cash(platform):
    return platform["cash"]


@pytest.fixture(scope="module")
def invoices(platform):
    return platform["invoices"]


@pytest.fixture(scope="module")
def quality(platform):
    return platform["quality"]


@pytest.fixture(scope="module")
def voucher(platform):
    return platform["voucher"]


@pytest.fixture(scope="module")
def financing(platform):
    return platform["financing"]


@pytest.fixture(scope="module")
def settlement(platform):
    return platform["settlement"]


@pytest.fixture(scope="module")
def confirmed_invoice(invoices) -> Callable[..., int]:
    """Registers and confirms an invoice from `seller` to `buyer`; returns its id."""
    counter = iter(range(1, 10**9))

    def make(seller, buyer, amount: int, due_in_days: int = 90) -> int:
        n = next(counter)
        tx = invoices.register(
            buyer,
            amount,
            chain.time() + due_in_days * DAY,
            h(f"INV-{n}"),
            h(f"doc-{n}"),
            {"from": seller},
        )
        invoice_id = tx.return_value
        invoices.confirm(invoice_id, {"from": buyer})
        return invoice_id

    return make


@pytest.fixture(scope="module")
def credit_line(consortium) -> Callable[..., None]:
    def grant(bank, obligor, limit: int) -> None:
        consortium.setCreditLine(obligor, limit, {"from": bank})

    return grant


@pytest.fixture(scope="module")
def issued(voucher, confirmed_invoice, credit_line, bank_a) -> Callable[..., int]:
    """Issues a credit of `face` from `obligor` to `supplier` maturing in `tenor_days`; its id."""

    def make(obligor, supplier, face: int, tenor_days: int = 90, certificate_id: int = 0) -> int:
        credit_line(bank_a, obligor, 10**9 * UNIT)
        invoice_id = confirmed_invoice(supplier, obligor, face)
        tx = voucher.issue(
            invoice_id, face, chain.time() + tenor_days * DAY, certificate_id, {"from": obligor}
        )
        return tx.return_value

    return make


def _as_decoded(arg: object) -> object:
    if hasattr(arg, "address"):  # an Account or a deployed contract
        return arg.address.lower()
    if isinstance(arg, str) and arg.startswith("0x") and len(arg) == 42:
        return arg.lower()
    if isinstance(arg, bytes):
        return bytes(arg)
    return arg


def hex32(value: bytes) -> str:
    """`value` as a 0x-hex string: the form Brownie compares bytes32 event fields against."""
    return "0x" + bytes(value).hex()


def next_block_at(timestamp: int) -> int:
    """Fixes the next block's timestamp, so an error carrying `block.timestamp` can be asserted."""
    web3.provider.make_request("evm_setNextBlockTimestamp", [timestamp])
    return timestamp


def emitted(tx) -> list[tuple[str, dict]]:
    """Every event of `tx` in emission order, as (name, arguments): assert the whole list to pin
    the exact events of a call, with nothing missing and nothing extra."""
    return [(event.name, dict(event[0])) for event in tx.events]
