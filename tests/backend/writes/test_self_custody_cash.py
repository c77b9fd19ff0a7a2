"""Writes that draw a member's cash, for members whose key the platform does not hold, over HTTP
on a real chain, on SQLite and PostgreSQL: the platform cannot sign them an EIP-2612 permit, so
they get the contracts' plain calls (`Financing.submitQuote`, `Settlement.repay`), drawing on the
allowance the member granted with its own forwarded approval; a short allowance is the token's
named error with its values."""

from __future__ import annotations

from typing import Any

import pytest
from eth_account import Account
from eth_account.signers.local import LocalAccount

from backend.chain.artifacts import load_artifacts
from tests.backend.writes.test_self_custody import (
    invoice_body,
    rows_of,
    send_as,
    signed,
    to_sign,
)
from tests.consortium_api import DAY, LINE, UNIT, Consortium, Party, PrivateChain, issued_credit

TOKEN = "SettlementToken"


def cash_of(chain: PrivateChain, address: str) -> int:
    return int(chain.client.read(TOKEN, "balanceOf", address))


def allowance_of(chain: PrivateChain, owner: str, spender: str) -> int:
    return int(chain.client.read(TOKEN, "allowance", owner, chain.manifest.address(spender)))


def calldata(chain: PrivateChain, contract: str, function: str, *args: Any) -> str:
    return "0x" + chain.client.prepare(contract, function, *args).data.hex()


def self_signed(party: Party, key: LocalAccount, path: str, body: dict[str, Any]) -> Any:
    """A write the member signs itself: the typed data, then its signature; the request done."""
    return signed(party, key, to_sign(party.post(path, body)))


@pytest.fixture
def self_bank(consortium: Consortium) -> tuple[Party, LocalAccount]:
    """A financier holding its own key, with a line to core and 2,000.00 of cash."""
    key: LocalAccount = Account.create()
    bank = consortium.onboard("self-bank", ["FINANCIER"], address=key.address)
    core = consortium["core"]
    self_signed(bank, key, "/credit-lines", {"obligor": core.address, "limit_units": LINE})
    consortium["bank_a"].ok(
        "/cash/mint", {"to": bank.address, "amount_units": 2_000 * UNIT, "deposit_reference": "D"}
    )
    return bank, key


def open_request(chain: PrivateChain, consortium: Consortium, value: int) -> int:
    """supplier1 holds a credit of core and asks for cash on `value` of it."""
    credit = issued_credit(chain, consortium, 1_000 * UNIT)["credit"]
    asked = consortium["supplier1"].ok(
        "/financing/requests",
        {"token_id": credit["credit_id"], "value_units": value, "expires_at": chain.now() + DAY},
        status=201,
    )
    return int(asked["request"]["request_id"])


def test_a_self_custody_financier_quotes_on_its_own_approval_and_is_paid_from_it(
    consortium: Consortium, private_chain: PrivateChain, self_bank: tuple[Party, LocalAccount]
) -> None:
    bank, key = self_bank
    holder = consortium["supplier1"]
    request_id = open_request(private_chain, consortium, 400 * UNIT)
    approved = self_signed(
        bank, key, "/cash/approvals", {"spender": "financing", "amount_units": 400 * UNIT}
    )

    handed = to_sign(bank.post(f"/financing/requests/{request_id}/quotes", {"rate_bps": 600}))
    quoted = signed(bank, key, handed)
    quote_id = quoted["outcome"]["events"][0]["args"]["quoteId"]
    price = int(private_chain.client.read("Financing", "priceOf", request_id, quote_id)[0])
    holder_cash = cash_of(private_chain, holder.address)
    accepted = holder.ok(f"/financing/requests/{request_id}/accept", {"quote_id": quote_id})

    assert approved["outcome"]["events"][0]["name"] == "Approval"
    # The member signed the plain quote: no permit, which only the platform could have signed.
    assert (handed["typed_data"]["message"]["to"], handed["typed_data"]["message"]["data"]) == (
        private_chain.manifest.address("Financing"),
        calldata(private_chain, "Financing", "submitQuote", request_id, 600),
    )
    assert quoted["function"] == "submitQuote"
    assert quoted["outcome"]["events"] == [
        {
            "contract": "Financing",
            "name": "QuoteSubmitted",
            "args": {
                "quoteId": quote_id,
                "requestId": request_id,
                "financier": bank.address,
                "rateBps": 600,
            },
        }
    ]
    assert private_chain.client.read("Financing", "quote", quote_id) == (
        bank.address,
        request_id,
        600,
        False,
    )
    # At acceptance Financing drew the price on the financier's own approval.
    assert accepted["quote"] == {
        "quote_id": quote_id,
        "request_id": request_id,
        "financier": bank.address,
        "rate_bps": 600,
        "withdrawn": False,
    }
    assert accepted["request"]["status"] == "accepted"
    assert (accepted["request"]["financier"], accepted["request"]["price_units"]) == (
        bank.address,
        price,
    )
    assert accepted["fragment"]["holder"] == bank.address
    assert (
        accepted["holder_cash_units"]
        == holder_cash + price
        == cash_of(private_chain, holder.address)
    )
    assert cash_of(private_chain, bank.address) == 2_000 * UNIT - price
    assert allowance_of(private_chain, bank.address, "Financing") == 400 * UNIT - price


def test_a_quote_without_the_financiers_approval_cannot_be_accepted(
    consortium: Consortium, private_chain: PrivateChain, self_bank: tuple[Party, LocalAccount]
) -> None:
    bank, key = self_bank
    holder = consortium["supplier1"]
    request_id = open_request(private_chain, consortium, 300 * UNIT)
    quoted = self_signed(bank, key, f"/financing/requests/{request_id}/quotes", {"rate_bps": 500})
    quote_id = quoted["outcome"]["events"][0]["args"]["quoteId"]
    price = int(private_chain.client.read("Financing", "priceOf", request_id, quote_id)[0])
    block = private_chain.block_number()

    refused = holder.post(f"/financing/requests/{request_id}/accept", {"quote_id": quote_id})
    sent_for_the_refusal = private_chain.block_number() - block
    self_signed(bank, key, "/cash/approvals", {"spender": "financing", "amount_units": price})
    accepted = holder.ok(f"/financing/requests/{request_id}/accept", {"quote_id": quote_id})

    assert refused.status_code == 403
    assert (refused.json()["error"], refused.json()["args"]) == (
        "ERC20InsufficientAllowance",
        {"spender": private_chain.manifest.address("Financing"), "allowance": 0, "needed": price},
    )
    assert sent_for_the_refusal == 0
    assert accepted["request"]["price_units"] == price
    assert cash_of(private_chain, bank.address) == 2_000 * UNIT - price
    assert allowance_of(private_chain, bank.address, "Financing") == 0


def test_a_self_custody_core_enterprise_repays_on_its_own_approval(
    consortium: Consortium, private_chain: PrivateChain
) -> None:
    key: LocalAccount = Account.create()
    core = consortium.onboard("self-core", ["CORE_ENTERPRISE"], address=key.address)
    supplier = consortium["supplier1"]
    consortium["bank_a"].ok("/credit-lines", {"obligor": core.address, "limit_units": LINE})
    invoice = supplier.ok(
        "/invoices", invoice_body(private_chain, supplier, core, 1_000 * UNIT), status=201
    )
    invoice_id = invoice["invoice"]["invoice_id"]
    self_signed(core, key, f"/invoices/{invoice_id}/confirm", {})
    issued = self_signed(
        core,
        key,
        "/credits",
        {
            "invoice_id": invoice_id,
            "face_value_units": 1_000 * UNIT,
            "maturity": private_chain.now() + 60 * DAY,
        },
    )
    credit_id = next(
        e["args"]["creditId"] for e in issued["outcome"]["events"] if e["name"] == "CreditIssued"
    )
    consortium["bank_a"].ok(
        "/cash/mint", {"to": core.address, "amount_units": 1_000 * UNIT, "deposit_reference": "R"}
    )
    settlement = private_chain.manifest.address("Settlement")
    settlement_cash = cash_of(private_chain, settlement)
    recorded = len(rows_of(consortium.settings, core.member_id))
    block = private_chain.block_number()

    unapproved = core.post(f"/credits/{credit_id}/repayments", {"amount_units": 400 * UNIT})
    refused_at_simulation = (
        private_chain.block_number() - block,
        len(rows_of(consortium.settings, core.member_id)) - recorded,
    )
    self_signed(core, key, "/cash/approvals", {"spender": "settlement", "amount_units": 400 * UNIT})
    handed = to_sign(core.post(f"/credits/{credit_id}/repayments", {"amount_units": 400 * UNIT}))
    repaid = signed(core, key, handed)
    credit = core.http.get(f"/credits/{credit_id}").json()

    assert unapproved.status_code == 403
    assert (unapproved.json()["error"], unapproved.json()["args"]) == (
        "ERC20InsufficientAllowance",
        {"spender": settlement, "allowance": 0, "needed": 400 * UNIT},
    )
    assert refused_at_simulation == (0, 0)
    assert handed["typed_data"]["message"]["data"] == calldata(
        private_chain, "Settlement", "repay", credit_id, 400 * UNIT
    )
    assert repaid["function"] == "repay"
    events = [(e["contract"], e["name"], e["args"]) for e in repaid["outcome"]["events"]]
    assert (
        "SettlementToken",
        "Transfer",
        {"from": core.address, "to": settlement, "value": 400 * UNIT},
    ) in events
    assert (
        "Settlement",
        "CreditRepaid",
        {
            "creditId": credit_id,
            "payer": core.address,
            "amount": 400 * UNIT,
            "totalRepaid": 400 * UNIT,
        },
    ) in events
    assert cash_of(private_chain, core.address) == 600 * UNIT
    assert cash_of(private_chain, settlement) == settlement_cash + 400 * UNIT
    assert allowance_of(private_chain, core.address, "Settlement") == 0
    assert credit["repaid_units"] == 400 * UNIT


def test_a_contract_wallet_gets_the_plain_repayment_to_execute(
    consortium: Consortium, private_chain: PrivateChain
) -> None:
    w3 = private_chain.client.w3
    owner: LocalAccount = Account.create()
    private_chain.fund(owner.address)
    artifact = load_artifacts()["TestWallet"]
    deployed = send_as(
        w3,
        owner,
        w3.eth.contract(abi=artifact.abi, bytecode=artifact.bytecode)
        .constructor(owner.address)
        .build_transaction(
            {"from": owner.address, "nonce": w3.eth.get_transaction_count(owner.address)}
        ),
    )
    wallet_address = deployed["contractAddress"]
    wallet = w3.eth.contract(address=wallet_address, abi=artifact.abi)
    core = consortium.onboard("multisig-core", ["CORE_ENTERPRISE"], address=wallet_address)
    supplier = consortium["supplier1"]
    consortium["bank_a"].ok("/credit-lines", {"obligor": core.address, "limit_units": LINE})

    def executed(path: str, body: dict[str, Any]) -> Any:
        """The wallet's owner has it execute the call the API handed out."""
        handed = core.post(path, body)
        assert handed.status_code == 202, handed.text
        call = wallet.functions.execute(handed.json()["to"], handed.json()["data"])
        receipt = send_as(
            w3,
            owner,
            call.build_transaction(
                {"from": owner.address, "nonce": w3.eth.get_transaction_count(owner.address)}
            ),
        )
        assert receipt["status"] == 1
        return handed.json(), private_chain.client.events.decode_all(receipt["logs"])

    invoice = supplier.ok(
        "/invoices", invoice_body(private_chain, supplier, core, 500 * UNIT), status=201
    )
    invoice_id = invoice["invoice"]["invoice_id"]
    executed(f"/invoices/{invoice_id}/confirm", {})
    _, issue_events = executed(
        "/credits",
        {
            "invoice_id": invoice_id,
            "face_value_units": 500 * UNIT,
            "maturity": private_chain.now() + 60 * DAY,
        },
    )
    credit_id = next(e.args["creditId"] for e in issue_events if e.name == "CreditIssued")
    consortium["bank_a"].ok(
        "/cash/mint", {"to": core.address, "amount_units": 500 * UNIT, "deposit_reference": "W"}
    )
    executed("/cash/approvals", {"spender": "settlement", "amount_units": 200 * UNIT})

    handed, events = executed(f"/credits/{credit_id}/repayments", {"amount_units": 200 * UNIT})

    assert (handed["status"], handed["to"], handed["data"]) == (
        "handed_out",
        private_chain.manifest.address("Settlement"),
        calldata(private_chain, "Settlement", "repay", credit_id, 200 * UNIT),
    )
    repaid = [e.args for e in events if e.name == "CreditRepaid"]
    assert repaid == [
        {
            "creditId": credit_id,
            "payer": wallet_address,
            "amount": 200 * UNIT,
            "totalRepaid": 200 * UNIT,
        }
    ]
    assert cash_of(private_chain, wallet_address) == 300 * UNIT
