"""A platform on its own Anvil and a scripted business day on it, for the indexer and reads tests.

The indexer tests reorganise, stop and restart chains, so they run on nodes of their own rather
than the session's Anvil. Every call goes through the backend's TxSender, as the API's would.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from eth_account.signers.local import LocalAccount
from eth_utils import keccak
from sqlalchemy import Engine

from backend.chain.client import Chain
from backend.chain.connection import connect
from backend.chain.deploy import deploy_platform
from backend.chain.ids import role_id
from backend.chain.manifest import Manifest
from backend.chain.models import CHAIN_TABLES, SignerNonce
from backend.chain.node import LocalNode, rpc_request, start_node
from backend.chain.sender import NonceAllocator, TxOutcome, TxSender
from backend.core.database import make_engine

UNIT = 10**6  # SettlementToken and voucher values have 6 decimals
DAY = 86_400
# The Consortium's grace period from its constructor, and the one late_day sets.
DEFAULT_GRACE_DAYS, LATE_GRACE_DAYS = 30, 10
PASS, FAIL = 1, 2
ROLE_ACCOUNTS = {
    "operator": (0, []),
    "core": (1, ["CORE_ENTERPRISE"]),
    "core2": (2, ["CORE_ENTERPRISE"]),
    "supplier1": (3, ["SUPPLIER"]),
    "supplier2": (4, ["SUPPLIER"]),
    "supplier3": (5, ["SUPPLIER"]),
    "bank_a": (6, ["FINANCIER"]),
    "bank_b": (7, ["FINANCIER"]),
    "inspector": (8, ["INSPECTOR"]),
    "auditor": (9, ["AUDITOR"]),
    "stranger": (10, ["SUPPLIER"]),
}


def h(text: str) -> bytes:
    return keccak(text=text)


@dataclass
class Platform:
    """The deployed platform on ``node`` and a sender per role account."""

    node: LocalNode
    manifest: Manifest
    chain: Chain
    nonce_engine: Engine
    accounts: dict[str, LocalAccount]
    senders: dict[str, TxSender] = field(default_factory=dict)
    ids: dict[str, int] = field(default_factory=dict)

    @classmethod
    def start(cls, tmp: Path) -> Platform:
        return cls.on(start_node("anvil", chain_id=7358, log_path=tmp / "anvil.log"), tmp)

    @classmethod
    def on(cls, node: LocalNode, tmp: Path, rpc_url: str | None = None) -> Platform:
        """The platform deployed on ``node``, reached at ``rpc_url`` (default: the node's)."""
        url = rpc_url or node.url
        manifest = deploy_platform(connect(url), node.accounts[0])
        chain = Chain(url, manifest)
        engine = make_engine(f"sqlite:///{tmp / 'nonces.db'}")
        SignerNonce.metadata.create_all(engine, tables=CHAIN_TABLES)
        accounts = {name: node.accounts[index] for name, (index, _) in ROLE_ACCOUNTS.items()}
        return cls(node, manifest, chain, engine, accounts)

    def sender(self, who: str) -> TxSender:
        if who not in self.senders:
            nonces = NonceAllocator(self.nonce_engine, self.chain.w3)
            self.senders[who] = TxSender(
                self.chain.w3,
                self.accounts[who],
                nonces,
                events=self.chain.events,
                errors=self.chain.errors,
            )
        return self.senders[who]

    def send(self, who: str, contract: str, function: str, *args: Any) -> TxOutcome:
        return self.sender(who).transact(self.chain.prepare(contract, function, *args))

    def address(self, who: str) -> str:
        return self.accounts[who].address

    def now(self) -> int:
        return int(self.chain.w3.eth.get_block("latest")["timestamp"])

    def travel(self, seconds: int) -> None:
        rpc_request(self.node.url, "evm_increaseTime", [seconds])
        rpc_request(self.node.url, "evm_mine", [])

    def read(self, contract: str, function: str, *args: Any) -> Any:
        return self.chain.read(contract, function, *args)

    # ------------------------------------------------------------------ steps

    def onboard_all(self) -> None:
        for name, (_, roles) in ROLE_ACCOUNTS.items():
            if name == "operator":
                continue
            self.send(
                "operator",
                "Consortium",
                "onboard",
                self.address(name),
                h(f"kyc:{name}"),
                [role_id(r) for r in roles],
            )

    def invoice(
        self, seller: str, buyer: str, amount: int, label: str, *, confirm: bool = True
    ) -> int:
        outcome = self.send(
            seller,
            "InvoiceRegistry",
            "register",
            self.address(buyer),
            amount,
            self.now() + 90 * DAY,
            h(f"number:{label}"),
            h(f"document:{label}"),
        )
        invoice_id = int(outcome.event("InvoiceRegistered").args["invoiceId"])
        if confirm:
            self.send(buyer, "InvoiceRegistry", "confirm", invoice_id)
        return invoice_id

    def deposit(self, bank: str, to: str, amount: int) -> None:
        self.send(
            bank,
            "SettlementToken",
            "mint",
            self.address(to),
            amount,
            h(f"deposit:{to}:{amount}:{time.time_ns()}"),
        )

    def business_day(self) -> dict[str, int]:
        """Every kind of event at least once; returns the ids the tests look at."""
        ids = self.ids
        self.onboard_all()
        self.send("bank_a", "Consortium", "setCreditLine", self.address("core"), 1_000_000 * UNIT)
        self.send("bank_b", "Consortium", "setCreditLine", self.address("core"), 500_000 * UNIT)
        self.send("bank_a", "Consortium", "setCreditLine", self.address("core2"), 200_000 * UNIT)
        self.deposit("bank_a", "bank_a", 5_000_000 * UNIT)
        self.deposit("bank_b", "bank_b", 5_000_000 * UNIT)
        self.deposit("bank_a", "core", 200_000 * UNIT)
        for bank in ("bank_a", "bank_b"):
            self.send(
                bank, "SettlementToken", "approve", self.manifest.contracts["Financing"], 2**256 - 1
            )
        self.send(
            "core", "SettlementToken", "approve", self.manifest.contracts["Settlement"], 2**256 - 1
        )

        ids["inv1"] = self.invoice("supplier1", "core", 100_000 * UNIT, "inv1")
        certified = self.send(
            "inspector",
            "QualityRegistry",
            "issue",
            ids["inv1"],
            h("batch-1"),
            h("GB/T 19001"),
            PASS,
            h("certificate-1"),
            self.now() + 365 * DAY,
        )
        ids["cert1"] = int(certified.event("CertificateIssued").args["certificateId"])
        maturity = self.now() + 120 * DAY
        issued = self.send(
            "core", "CreditVoucher", "issue", ids["inv1"], 80_000 * UNIT, maturity, ids["cert1"]
        )
        ids["credit1"] = int(issued.event("CreditIssued").args["creditId"])
        assert issued.event("CreditIssued").args["gracePeriodDays"] == DEFAULT_GRACE_DAYS
        ids["maturity1"] = maturity

        ids["inv2"] = self.invoice("supplier2", "supplier1", 50_000 * UNIT, "inv2")
        hop = self.send(
            "supplier1",
            "CreditVoucher",
            "splitTransfer",
            ids["credit1"],
            self.address("supplier2"),
            30_000 * UNIT,
            ids["inv2"],
        )
        ids["token2"] = int(hop.event("TradeTransferred").args["toTokenId"])
        ids["inv3"] = self.invoice("supplier3", "supplier2", 20_000 * UNIT, "inv3")
        hop = self.send(
            "supplier2",
            "CreditVoucher",
            "splitTransfer",
            ids["token2"],
            self.address("supplier3"),
            10_000 * UNIT,
            ids["inv3"],
        )
        ids["token3"] = int(hop.event("TradeTransferred").args["toTokenId"])

        requested = self.send(
            "supplier3",
            "Financing",
            "requestFinancing",
            ids["token3"],
            4_000 * UNIT,
            self.now() + 10 * DAY,
        )
        ids["request1"] = int(requested.event("FinancingRequested").args["requestId"])
        ids["token4"] = int(requested.event("FinancingRequested").args["tokenId"])
        quote_a = self.send("bank_a", "Financing", "submitQuote", ids["request1"], 500)
        quote_b = self.send("bank_b", "Financing", "submitQuote", ids["request1"], 450)
        ids["quote_a"] = int(quote_a.event("QuoteSubmitted").args["quoteId"])
        ids["quote_b"] = int(quote_b.event("QuoteSubmitted").args["quoteId"])
        self.send("bank_a", "Financing", "withdrawQuote", ids["quote_a"])
        accepted = self.send("supplier3", "Financing", "accept", ids["request1"], ids["quote_b"])
        ids["price1"] = int(accepted.event("FinancingAccepted").args["price"])

        requested = self.send(
            "supplier1",
            "Financing",
            "requestFinancing",
            ids["credit1"],
            5_000 * UNIT,
            self.now() + 10 * DAY,
        )
        ids["request2"] = int(requested.event("FinancingRequested").args["requestId"])
        ids["token5"] = int(requested.event("FinancingRequested").args["tokenId"])
        self.send("supplier1", "Financing", "cancel", ids["request2"])

        ids["inv4"] = self.invoice("supplier1", "core", 10_000 * UNIT, "inv4", confirm=False)
        self.send("core", "InvoiceRegistry", "reject", ids["inv4"], h("reason:wrong amount"))
        ids["inv5"] = self.invoice("supplier1", "core", 10_000 * UNIT, "inv5", confirm=False)
        self.send("supplier1", "InvoiceRegistry", "cancel", ids["inv5"])

        self.send(
            "auditor",
            "CreditVoucher",
            "setFragmentFrozen",
            ids["token2"],
            True,
            h("reason:investigation"),
        )
        self.send(
            "auditor",
            "CreditVoucher",
            "setFragmentFrozen",
            ids["token2"],
            False,
            h("reason:cleared"),
        )
        self.send(
            "operator", "Consortium", "suspend", self.address("stranger"), h("reason:kyc expired")
        )
        self.send("operator", "Consortium", "reinstate", self.address("stranger"))
        self.send("core", "Consortium", "setQualityRequirement", True)

        ids["inv6"] = self.invoice("supplier1", "core2", 60_000 * UNIT, "inv6")
        issued = self.send(
            "core2", "CreditVoucher", "issue", ids["inv6"], 60_000 * UNIT, self.now() + 60 * DAY, 0
        )
        ids["credit2"] = int(issued.event("CreditIssued").args["creditId"])
        self.send(
            "auditor", "CreditVoucher", "setCreditFrozen", ids["credit2"], True, h("reason:dispute")
        )

        self.send("core", "Settlement", "repay", ids["credit1"], 30_000 * UNIT)
        self.send("bank_a", "SettlementToken", "burn", 1_000 * UNIT, h("withdrawal:1"))
        return ids

    def maturity_day(self) -> None:
        """Past credit 1's maturity and credit 2's grace: redemptions, a claim, an overdue mark."""
        ids = self.ids
        self.travel(ids["maturity1"] - self.now() + DAY)
        # A discounted fragment's claim counts toward its financier's exposure; a supplier's not.
        by_financier = self.send("bank_b", "Settlement", "redeem", ids["token4"])
        by_supplier = self.send("supplier3", "Settlement", "redeem", ids["token3"])
        assert by_financier.event("FragmentRedeemed").args["heldAsFinancier"] is True
        assert by_supplier.event("FragmentRedeemed").args["heldAsFinancier"] is False
        self.send("bank_b", "Settlement", "writeOff", ids["token4"], h("reason:provisioned"))
        self.send("core", "Settlement", "repay", ids["credit1"], 50_000 * UNIT)
        self.send("bank_b", "Settlement", "claim", ids["token4"])
        self.send("operator", "Settlement", "markOverdue", ids["credit2"])

    def late_day(self) -> None:
        """After maturity day: a failed inspection and its lift, a pause, a value approval, a
        batch that skips a frozen credit, new limits and a credit issued under them, and the
        overdue credit repaid in full."""
        ids = self.ids
        failed = self.send(
            "inspector",
            "QualityRegistry",
            "issue",
            ids["inv1"],
            h("batch-1"),
            h("GB/T 19001"),
            FAIL,
            h("certificate-2"),
            self.now() + 365 * DAY,
        )
        ids["cert2"] = int(failed.event("CertificateIssued").args["certificateId"])
        self.send(
            "auditor", "CreditVoucher", "liftQualityFreeze", ids["credit1"], h("reason:isolated")
        )
        self.send("operator", "Consortium", "pause")
        self.send("operator", "Consortium", "unpause")
        self.send(
            "supplier1",
            "CreditVoucher",
            "approve(uint256,address,uint256)",
            ids["token5"],
            self.address("bank_a"),
            UNIT,
        )
        self.send("operator", "Settlement", "redeemBatch", [ids["token5"], ids["credit2"]])
        self.send("operator", "Consortium", "setLimits", 180, LATE_GRACE_DAYS, 8)
        ids["inv8"] = self.invoice("supplier2", "core2", 10_000 * UNIT, "inv8")
        issued = self.send(
            "core2", "CreditVoucher", "issue", ids["inv8"], 10_000 * UNIT, self.now() + 30 * DAY, 0
        )
        ids["credit3"] = int(issued.event("CreditIssued").args["creditId"])
        assert issued.event("CreditIssued").args["gracePeriodDays"] == LATE_GRACE_DAYS
        self.deposit("bank_a", "core2", 60_000 * UNIT)
        self.send(
            "core2", "SettlementToken", "approve", self.manifest.contracts["Settlement"], 2**256 - 1
        )
        self.send("core2", "Settlement", "repay", ids["credit2"], 60_000 * UNIT)
