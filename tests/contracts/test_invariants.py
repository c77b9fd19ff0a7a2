"""Stateful property test: the five invariants of DESIGN.md hold after every transaction.

Hypothesis draws random sequences of every member action (invoices, quality certificates, credit
lines, issue, split-transfer, ERC-3525 and ERC-721 transfers, freezes, suspensions, discounting,
cash, repayment, redemption, claims, overdue marking) interleaved with time travel past maturity
and the grace period. Every run starts from a seeded platform (confirmed invoices, credits issued
and split, a discounted fragment, an open financing request). Most actions are aimed at a party
and an object that can succeed, about one in ten at a wrong one; an expected revert leaves the
Python model untouched. After every step the whole on-chain state is read in one JSON-RPC batch
and checked against the invariants and the model of what succeeded.

Steps: at least TIERCREDIT_PROPERTY_STEPS (default 2,000), in runs of up to STEPS_PER_RUN steps;
the test fails if fewer ran or if a core operation never succeeded (after searching on, up to
MAX_SEARCHES searches in all).
"""

from __future__ import annotations

import copy
import json
import os
import urllib.request
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from brownie import chain, web3
from brownie.exceptions import TransactionError, VirtualMachineError
from brownie.network.transaction import TransactionReceipt
from brownie.test import strategy
from conftest import DAY, UNIT, ZERO, h
from hypothesis import HealthCheck, settings
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

STEPS_PER_RUN = 50  # longer runs overrun Hypothesis's 8 KiB of choices per example
TOTAL_STEPS = int(os.environ.get("TIERCREDIT_PROPERTY_STEPS", "2000"))
# Hypothesis spends its first examples of a search on deliberately tiny runs, so a few come on
# top of the runs that carry the steps; a search that falls short is followed by another.
SMALL_EXAMPLES = 4
MAX_SEARCHES = 10
EXTRA_STEPS = 500

# Small platform limits, so that the tier cap, quotas and credit lines are hit often.
MAX_TENOR_DAYS, GRACE_DAYS, MAX_TIER_DEPTH = 180, 30, 3
LINE = 3_000 * UNIT
CASH = 10**7 * UNIT

MEMBERS = (
    "operator", "core", "core2", "supplier1", "supplier2", "supplier3",
    "bank_a", "bank_b", "inspector", "auditor",
)  # fmt: skip
ACTORS = (*MEMBERS, "stranger")
CORES = ("core", "core2")
SUPPLIERS = ("supplier1", "supplier2", "supplier3")
BANKS = ("bank_a", "bank_b")
BUYERS = (*CORES, *SUPPLIERS)
SUPERVISORS = ("auditor", "operator")
SUSPENDABLE = tuple(m for m in MEMBERS if m != "operator")

ACTIVE, SUSPENDED = 1, 2  # IConsortium.MemberStatus
REGISTERED, CONFIRMED, REJECTED, CANCELLED = 1, 2, 3, 4  # IInvoiceRegistry.InvoiceStatus
PASS, FAIL = 1, 2  # IQualityRegistry.CertificateResult

# Each must succeed at least once in a default-length run, or the run checked little.
MUST_SUCCEED = (
    "register", "confirm", "issue", "splitTransfer", "transferToAddress", "transferToToken",
    "transfer721", "requestFinancing", "submitQuote", "accept", "repay", "redeem", "claim",
    "freezeFragment", "suspend", "reinstate",
)  # fmt: skip

STATS: Counter[str] = Counter()

ST_ACTOR = strategy("uint8", max_value=len(ACTORS) - 1)
ST_PICK = strategy("uint16")  # an index into whatever list the rule picks from
ST_AIM = strategy("uint8")  # see `Platform.aimed`
ST_PERCENT = strategy("uint8", min_value=1, max_value=110)  # over 100: more than there is
ST_AMOUNT = strategy("uint16", min_value=1, max_value=2_000)
ST_DAYS = strategy("uint16", min_value=1, max_value=400)
ST_TENOR = strategy("uint8", min_value=1, max_value=200)
ST_RATE = strategy("uint16", min_value=0, max_value=10_500)
ST_FLAG = strategy("bool")
ST_SLEEP = strategy("uint32", min_value=60, max_value=3 * DAY)
ST_BATCH = strategy("uint16[]", min_length=0, max_length=6)


@dataclass(frozen=True)
class Fragment:
    """ICreditVoucher.Fragment as read from the chain."""

    owner: str
    value: int
    credit_id: int
    parent_id: int
    invoice_id: int
    depth: int
    frozen: bool
    locked: bool
    held_as_financier: bool


@dataclass(frozen=True)
class Credit:
    """ICreditVoucher.Credit as read from the chain."""

    obligor: str
    maturity: int
    certificate_id: int
    frozen: bool
    face_value: int
    source_invoice_id: int
    issued_at: int
    grace_period_days: int
    quality_freeze_lifted: bool


@dataclass
class InvoiceModel:
    seller: str
    buyer: str
    amount: int
    number_hash: bytes
    document_hash: bytes
    status: int = REGISTERED
    drawn: int = 0  # face values issued and hop values transferred against it


@dataclass
class RequestModel:
    holder: str
    token_id: int
    expires_at: int
    quotes: list[int] = field(default_factory=list)
    open: bool = True


@dataclass
class Model:
    """What the test saw succeed; the chain is compared with it after every step."""

    status: dict[str, int] = field(
        default_factory=lambda: {name: ACTIVE for name in MEMBERS} | {"stranger": 0}
    )
    invoices: dict[int, InvoiceModel] = field(default_factory=dict)
    certificates: dict[int, int] = field(default_factory=dict)  # certificate id -> invoice id
    credits: dict[int, tuple[str, int]] = field(default_factory=dict)  # id -> (obligor, face)
    repaid: defaultdict[int, int] = field(default_factory=lambda: defaultdict(int))
    requests: dict[int, RequestModel] = field(default_factory=dict)
    requires_certificate: dict[str, bool] = field(default_factory=dict)  # by obligor


@dataclass
class Snapshot:
    """Everything the invariants look at, read at one block."""

    timestamp: int
    invoice_count: int
    limits: tuple[int, int, int]
    settlement_cash: int
    status: dict[str, int]
    outstanding: dict[str, int]
    quota: dict[str, int]
    exposure: dict[tuple[str, str], int]
    line: dict[tuple[str, str], int]
    fragments: dict[int, Fragment]
    claims: dict[int, Any]
    credits: dict[int, Credit]
    accounts: dict[int, Any]
    invoices: dict[int, Any]
    invoice_by_number: dict[int, int]
    invoice_by_document: dict[int, int]
    certificate_good: dict[int, bool]

    def live(self) -> dict[int, Fragment]:
        return {t: f for t, f in self.fragments.items() if f.owner != ZERO}

    def frozen(self, f: Fragment) -> bool:
        """Frozen on the fragment or its credit, or by its quality certificate gone bad."""
        cr = self.credits[f.credit_id]
        bad_certificate = cr.certificate_id != 0 and not self.certificate_good[cr.certificate_id]
        return f.frozen or cr.frozen or bad_certificate


class BatchReader:
    """Many view calls in one JSON-RPC batch: one round trip per check instead of hundreds."""

    def __init__(self) -> None:
        self._url = web3.provider.endpoint_uri

    def read(self, calls: list[tuple[Any, str, tuple]]) -> list[Any]:
        """The decoded results of `calls`, then the latest block's timestamp, all at one block."""
        body = [
            {
                "jsonrpc": "2.0",
                "id": i,
                "method": "eth_call",
                "params": [
                    {"to": contract.address, "data": getattr(contract, name).encode_input(*args)},
                    "latest",
                ],
            }
            for i, (contract, name, args) in enumerate(calls)
        ]
        body.append(
            {"jsonrpc": "2.0", "id": len(calls), "method": "eth_getBlockByNumber",
             "params": ["latest", False]}
        )  # fmt: skip
        request = urllib.request.Request(
            self._url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(request, timeout=60) as response:
            replies = sorted(json.load(response), key=lambda reply: reply["id"])
        errors = [reply for reply in replies if "error" in reply]
        assert not errors, f"a view call reverted: {errors[0]} for {calls[errors[0]['id']][1:]}"
        values = [
            getattr(contract, name).decode_output(reply["result"])
            for (contract, name, _), reply in zip(calls, replies, strict=False)
        ]
        values.append(int(replies[-1]["result"]["timestamp"], 16))
        return values


def _mined_after_all(error: TransactionError) -> TransactionReceipt:
    """The receipt of a transaction Brownie gave up on as "dropped without known replacement".

    Brownie 1.22 now and then says so of a transaction the node did mine (seen about once in a few
    thousand transactions of this test, between chain reverts that replay the same nonces). The
    node is the judge: the transaction is read back by its hash, and one that is truly missing
    still fails the test.
    """
    message = str(error)
    if "dropped without known replacement" not in message:
        raise error
    txid = message.rsplit(" ", 1)[-1].strip()
    web3.eth.get_transaction_receipt(txid)  # raises TransactionNotFound if the node has none
    STATS["brownie misread a mined transaction as dropped"] += 1
    return TransactionReceipt(txid)


class Platform:
    """The deployed contracts, role-named accounts and the model, with every action that
    changes the model when it succeeds. Seeding and the state machine both act through it."""

    def __init__(self, platform: dict[str, Any], roles: dict[str, Any], model: Model) -> None:
        self.c = platform
        self.roles = roles
        self.model = model
        self.name_of = {account.address: name for name, account in roles.items()}

    def send(
        self, operation: str, fn: Callable, *args: Any, sender: str
    ) -> TransactionReceipt | None:
        """Sends a transaction; an expected revert returns None and leaves the model as it was."""
        STATS["transactions"] += 1
        try:
            tx = fn(*args, {"from": self.roles[sender]})
        except VirtualMachineError as error:
            return self._reverted(operation, error.revert_msg)
        except TransactionError as error:
            tx = _mined_after_all(error)
            if tx.status == 0:
                return self._reverted(operation, tx.revert_msg)
        STATS[f"ok:{operation}"] += 1
        return tx

    @staticmethod
    def _reverted(operation: str, revert_msg: str | None) -> None:
        STATS["reverted"] += 1
        STATS[f"revert:{operation}:{str(revert_msg).split(':')[0]}"] += 1

    @staticmethod
    def aimed(aim: int, right: str, actor: int) -> str:
        """The right party, or about one time in ten an arbitrary actor (often a wrong one)."""
        return ACTORS[actor] if aim % 10 == 7 else right

    def register(self, seller: str, buyer: str, amount: int, number: str, document: str,
                 due: int) -> int | None:  # fmt: skip
        number_hash, document_hash = h(number), h(document)
        tx = self.send("register", self.c["invoices"].register, self.roles[buyer], amount, due,
                       number_hash, document_hash, sender=seller)  # fmt: skip
        if tx is None:
            return None
        invoice_id = tx.events["InvoiceRegistered"]["invoiceId"]
        self.model.invoices[invoice_id] = InvoiceModel(
            seller, buyer, amount, number_hash, document_hash
        )
        return invoice_id

    def settle_invoice(self, invoice_id: int, outcome: int, sender: str) -> bool:
        """Confirm or reject (by the buyer) or cancel (by the seller) a registered invoice."""
        invoices = self.c["invoices"]
        if outcome == CONFIRMED:
            tx = self.send("confirm", invoices.confirm, invoice_id, sender=sender)
        elif outcome == REJECTED:
            tx = self.send(
                "reject", invoices.reject, invoice_id, h("short delivery"), sender=sender
            )
        else:
            tx = self.send("cancelInvoice", invoices.cancel, invoice_id, sender=sender)
        if tx is not None:
            self.model.invoices[invoice_id].status = outcome
        return tx is not None

    def certify(self, invoice_id: int, passed: bool, document: str, expires_at: int,
                sender: str) -> int | None:  # fmt: skip
        tx = self.send("certify", self.c["quality"].issue, invoice_id, h(f"batch-{invoice_id}"),
                       h("GB/T 19001"), PASS if passed else FAIL, h(document), expires_at,
                       sender=sender)  # fmt: skip
        if tx is None:
            return None
        certificate_id = tx.events["CertificateIssued"]["certificateId"]
        self.model.certificates[certificate_id] = invoice_id
        return certificate_id

    def issue(self, invoice_id: int, face: int, maturity: int, certificate_id: int,
              sender: str) -> int | None:  # fmt: skip
        tx = self.send("issue", self.c["voucher"].issue, invoice_id, face, maturity,
                       certificate_id, sender=sender)  # fmt: skip
        if tx is None:
            return None
        credit_id = tx.events["CreditIssued"]["creditId"]
        self.model.credits[credit_id] = (sender, face)
        self.model.invoices[invoice_id].drawn += face
        return credit_id

    def split(self, token_id: int, receiver: str, value: int, invoice_id: int,
              sender: str) -> int | None:  # fmt: skip
        tx = self.send("splitTransfer", self.c["voucher"].splitTransfer, token_id,
                       self.roles[receiver], value, invoice_id, sender=sender)  # fmt: skip
        if tx is None:
            return None
        self.model.invoices[invoice_id].drawn += value
        return tx.events["TradeTransferred"]["toTokenId"]

    def request_financing(self, token_id: int, value: int, expires_at: int,
                          sender: str) -> int | None:  # fmt: skip
        tx = self.send("requestFinancing", self.c["financing"].requestFinancing, token_id, value,
                       expires_at, sender=sender)  # fmt: skip
        if tx is None:
            return None
        event = tx.events["FinancingRequested"]
        self.model.requests[event["requestId"]] = RequestModel(
            self.name_of[event["holder"]], event["tokenId"], event["expiresAt"]
        )
        return event["requestId"]

    def submit_quote(self, request_id: int, rate_bps: int, sender: str) -> int | None:
        tx = self.send("submitQuote", self.c["financing"].submitQuote, request_id, rate_bps,
                       sender=sender)  # fmt: skip
        if tx is None:
            return None
        quote_id = tx.events["QuoteSubmitted"]["quoteId"]
        self.model.requests[request_id].quotes.append(quote_id)
        return quote_id

    def accept(self, request_id: int, quote_id: int, sender: str) -> bool:
        if self.send("accept", self.c["financing"].accept, request_id, quote_id, sender=sender):
            self.model.requests[request_id].open = False
            return True
        return False

    def seed(self) -> None:
        """Small limits, credit lines, cash, approvals and a platform in full swing: the state
        every run starts from. Every seeding transaction must succeed."""
        c, r = self.c, self.roles
        c["consortium"].setLimits(
            MAX_TENOR_DAYS, GRACE_DAYS, MAX_TIER_DEPTH, {"from": r["operator"]}
        )
        for bank in BANKS:
            for core in CORES:
                c["consortium"].setCreditLine(r[core], LINE, {"from": r[bank]})
            c["cash"].approve(c["financing"], 2**256 - 1, {"from": r[bank]})
        for holder in (*BANKS, *CORES):
            c["cash"].mint(r[holder], CASH, h(f"deposit:{holder}"), {"from": r["bank_a"]})
        for core in CORES:
            c["cash"].approve(c["settlement"], 2**256 - 1, {"from": r[core]})

        def confirmed(seller: str, buyer: str, amount: int) -> int:
            n = len(self.model.invoices)
            due = chain.time() + 120 * DAY
            invoice_id = self.register(seller, buyer, amount, f"SEED-{n}", f"seed-doc-{n}", due)
            assert invoice_id is not None and self.settle_invoice(invoice_id, CONFIRMED, buyer)
            return invoice_id

        # Every supplier has sold to every buyer: issues and hops can cite a real trade.
        owed = {(s, b): confirmed(s, b, 1_500 * UNIT) for s in SUPPLIERS for b in BUYERS if s != b}
        certified = confirmed("supplier3", "core2", 800 * UNIT)
        certificate_id = self.certify(certified, True, "seed-cert", chain.time() + 300 * DAY,
                                      "inspector")  # fmt: skip
        now = chain.time()
        credits = [
            self.issue(owed[("supplier1", "core")], 1_000 * UNIT, now + 30 * DAY, 0, "core"),
            self.issue(owed[("supplier2", "core2")], 700 * UNIT, now + 60 * DAY, 0, "core2"),
            self.issue(certified, 500 * UNIT, now + 45 * DAY, certificate_id, "core2"),
        ]  # fmt: skip
        assert None not in credits
        tier2 = self.split(credits[0], "supplier2", 400 * UNIT, owed[("supplier2", "supplier1")],
                           "supplier1")  # fmt: skip
        tier3 = self.split(tier2, "supplier3", 150 * UNIT, owed[("supplier3", "supplier2")],
                           "supplier2")  # fmt: skip
        # At the tier cap: any further hop from here must revert.
        at_cap = self.split(tier3, "supplier1", 50 * UNIT, owed[("supplier1", "supplier3")],
                            "supplier3")  # fmt: skip
        assert at_cap and MAX_TIER_DEPTH == 3
        discounted = self.request_financing(tier2, 100 * UNIT, chain.time() + 10 * DAY, "supplier2")
        quote_id = self.submit_quote(discounted, 800, "bank_a")
        assert tier3 and quote_id and self.accept(discounted, quote_id, "supplier2")
        assert self.request_financing(credits[1], 200 * UNIT, chain.time() + 20 * DAY, "supplier2")
        # Two matured credits, a third repaid: one redeemed, then repaid a third more (its
        # holder's claim is payable at once, and more as repayment comes), one split and not yet
        # redeemed.
        matured = [
            self.issue(owed[("supplier3", "core")], 300 * UNIT, chain.time() + DAY, 0, "core"),
            self.issue(owed[("supplier1", "core2")], 300 * UNIT, chain.time() + DAY, 0, "core2"),
        ]
        assert None not in matured
        for credit_id, obligor in zip(matured, CORES, strict=True):
            assert self.send("repay", c["settlement"].repay, credit_id, 100 * UNIT, sender=obligor)
            self.model.repaid[credit_id] += 100 * UNIT
        assert self.split(matured[1], "supplier2", 100 * UNIT, owed[("supplier2", "supplier1")],
                          "supplier1")  # fmt: skip
        chain.sleep(DAY + 1)
        assert self.send("redeem", c["settlement"].redeem, matured[0], sender="supplier3")
        assert self.send("repay", c["settlement"].repay, matured[0], 100 * UNIT, sender="core")
        self.model.repaid[matured[0]] += 100 * UNIT
        # Invoices waiting for their buyer.
        for n, (seller, buyer) in enumerate(owed):
            due = chain.time() + 90 * DAY
            assert self.register(seller, buyer, 200 * UNIT, f"OPEN-{n}", f"open-doc-{n}", due)


class PlatformMachine(Platform, RuleBasedStateMachine):
    """Rules for every action of every role; one invariant that checks all five after each step.

    Each run first reverts the chain to the snapshot taken after seeding, as Brownie's
    `state_machine` does; that helper is not used because Brownie 1.22.2 ships it compiled with
    mypyc and it rejects every generated machine class (TypeError in `_BrownieStateMachine`).
    """

    seeded: Model
    reader: BatchReader

    def __init__(self, platform: dict[str, Any], roles: dict[str, Any]) -> None:
        chain.revert()
        RuleBasedStateMachine.__init__(self)
        Platform.__init__(self, platform, roles, copy.deepcopy(self.seeded))
        self.delivered: set[int] = set()  # locked fragments delivered by this step's accept
        STATS["runs"] += 1
        self.prev = self._read()

    # ------------------------------------------------------------------ picking

    def _live(self, pick: int) -> tuple[int, Fragment] | None:
        live = sorted(self.prev.live().items())
        return live[pick % len(live)] if live else None

    def _movable(self, pick: int, aim: int) -> tuple[int, Fragment] | None:
        """A fragment whose value may move now (by the last snapshot), or about one time in ten
        any live one."""
        if aim % 10 == 7:
            return self._live(pick)
        movable = self._movable_fragments()
        return movable[pick % len(movable)] if movable else None

    def _movable_fragments(self) -> list[tuple[int, Fragment]]:
        now = self.prev
        return [
            (t, f) for t, f in sorted(now.live().items())
            if not f.locked and not now.frozen(f)
            and now.credits[f.credit_id].maturity > now.timestamp
        ]  # fmt: skip

    def _matured_fragments(self) -> list[tuple[int, Fragment]]:
        """Live fragments of matured credits that nothing holds back from redemption."""
        now = self.prev
        return [
            (t, f) for t, f in sorted(now.live().items())
            if now.credits[f.credit_id].maturity <= now.timestamp
            and not f.locked and not now.frozen(f)
        ]  # fmt: skip

    def _any_token(self, pick: int) -> int:
        """Any token id, one past the last included."""
        return pick % (len(self.prev.fragments) + 1) + 1

    def _any_invoice(self, pick: int) -> int:
        return pick % (len(self.model.invoices) + 1) + 1

    def _invoices(self, pick: int, status: int, buyers: tuple[str, ...] = BUYERS,
                  open_amount: bool = False) -> tuple[int, InvoiceModel] | None:  # fmt: skip
        found = [
            (i, inv) for i, inv in sorted(self.model.invoices.items())
            if inv.status == status and inv.buyer in buyers
            and (not open_amount or inv.drawn < inv.amount)
        ]  # fmt: skip
        return found[pick % len(found)] if found else None

    def _credit(self, pick: int) -> int:
        credits = sorted(self.model.credits)
        return credits[pick % len(credits)] if credits else 1

    def _open_request(self, pick: int, quoted: bool = False) -> tuple[int, RequestModel] | None:
        found = [
            (i, r) for i, r in sorted(self.model.requests.items())
            if r.open and (r.quotes or not quoted)
        ]  # fmt: skip
        return found[pick % len(found)] if found else None

    # ------------------------------------------------------------------ invoices and certificates

    @rule(seller=ST_PICK, buyer=ST_PICK, amount=ST_AMOUNT, number=ST_PICK, document=ST_PICK,
          due_days=ST_DAYS, aim=ST_AIM, actor=ST_ACTOR)  # fmt: skip
    def register_invoice(self, seller: int, buyer: int, amount: int, number: int, document: int,
                         due_days: int, aim: int, actor: int) -> None:  # fmt: skip
        # Few distinct numbers and documents, so duplicates are tried often.
        self.register(
            self.aimed(aim, SUPPLIERS[seller % len(SUPPLIERS)], actor), BUYERS[buyer % len(BUYERS)],
            amount * UNIT, f"INV-{number % 40}", f"doc-{document % 60}",
            chain.time() + due_days * DAY,
        )  # fmt: skip

    @rule(pick=ST_PICK, outcome=ST_PICK, aim=ST_AIM, actor=ST_ACTOR)
    def settle_registered_invoice(self, pick: int, outcome: int, aim: int, actor: int) -> None:
        """Confirm (most often), reject or cancel a registered invoice."""
        if (found := self._invoices(pick, REGISTERED)) is None:
            return
        invoice_id, inv = found
        chosen = (CONFIRMED, CONFIRMED, REJECTED, CANCELLED)[outcome % 4]
        party = inv.seller if chosen == CANCELLED else inv.buyer
        self.settle_invoice(invoice_id, chosen, self.aimed(aim, party, actor))

    @rule(pick=ST_PICK, passed=ST_FLAG, document=ST_PICK, days=ST_DAYS, aim=ST_AIM,
          actor=ST_ACTOR)  # fmt: skip
    def certify_goods(self, pick: int, passed: bool, document: int, days: int, aim: int,
                      actor: int) -> None:  # fmt: skip
        found = self._invoices(pick, CONFIRMED, CORES)
        invoice_id = found[0] if found and aim % 10 != 7 else self._any_invoice(pick)
        self.certify(invoice_id, passed, f"cert-doc-{document % 60}",
                     chain.time() + days * DAY, self.aimed(aim, "inspector", actor))  # fmt: skip

    @rule(pick=ST_PICK, aim=ST_AIM, actor=ST_ACTOR)
    def revoke_certificate(self, pick: int, aim: int, actor: int) -> None:
        certificate_id = pick % (len(self.model.certificates) + (aim % 10 == 7)) + 1
        self.send("revokeCertificate", self.c["quality"].revoke, certificate_id, h("recall"),
                  sender=self.aimed(aim, "inspector", actor))  # fmt: skip

    @rule(core=ST_PICK, required=ST_FLAG)
    def require_certificates(self, core: int, required: bool) -> None:
        obligor = CORES[core % len(CORES)]
        if self.send("qualityRequirement", self.c["consortium"].setQualityRequirement, required,
                     sender=obligor):  # fmt: skip
            self.model.requires_certificate[obligor] = required

    # ------------------------------------------------------------------ members, lines, cash

    @rule(bank=ST_PICK, core=ST_PICK, amount=ST_AMOUNT, aim=ST_AIM, actor=ST_ACTOR)
    def set_credit_line(self, bank: int, core: int, amount: int, aim: int, actor: int) -> None:
        obligor = self.aimed(aim, CORES[core % len(CORES)], actor)
        self.send("creditLine", self.c["consortium"].setCreditLine, self.roles[obligor],
                  amount * 2 * UNIT, sender=BANKS[bank % len(BANKS)])  # fmt: skip

    @rule(pick=ST_PICK, aim=ST_AIM, actor=ST_ACTOR)
    def suspend_or_reinstate(self, pick: int, aim: int, actor: int) -> None:
        """Reinstates the suspended member if there is one, else suspends one: at most one
        member is out at a time, so the platform keeps moving."""
        suspended = [name for name, status in self.model.status.items() if status == SUSPENDED]
        sender = self.aimed(aim, "operator", actor)
        consortium = self.c["consortium"]
        if suspended:
            if self.send(
                "reinstate", consortium.reinstate, self.roles[suspended[0]], sender=sender
            ):
                self.model.status[suspended[0]] = ACTIVE
        else:
            member = SUSPENDABLE[pick % len(SUSPENDABLE)]
            if self.send("suspend", consortium.suspend, self.roles[member], h("kyc expired"),
                         sender=sender):  # fmt: skip
                self.model.status[member] = SUSPENDED

    @rule(bank=ST_PICK, to=ST_ACTOR, amount=ST_AMOUNT, aim=ST_AIM, actor=ST_ACTOR)
    def mint_cash(self, bank: int, to: int, amount: int, aim: int, actor: int) -> None:
        holders = (*BANKS, *CORES, *SUPPLIERS)
        self.send("mintCash", self.c["cash"].mint,
                  self.roles[self.aimed(aim, holders[to % len(holders)], to)], amount * UNIT,
                  h("deposit"),
                  sender=self.aimed(aim, BANKS[bank % len(BANKS)], actor))  # fmt: skip

    # ------------------------------------------------------------------ voucher

    @rule(pick=ST_PICK, percent=ST_PERCENT, tenor=ST_TENOR, certificate=ST_PICK,
          with_certificate=ST_FLAG, aim=ST_AIM, actor=ST_ACTOR)  # fmt: skip
    def issue_credit(self, pick: int, percent: int, tenor: int, certificate: int,
                     with_certificate: bool, aim: int, actor: int) -> None:  # fmt: skip
        found = self._invoices(pick, CONFIRMED, CORES, open_amount=True)
        if found is None or aim % 10 == 7:
            invoice_id, obligor, face = self._any_invoice(pick), ACTORS[actor], UNIT
        else:
            invoice_id, inv = found
            obligor, face = inv.buyer, max(1, (inv.amount - inv.drawn) * percent // 100)
        certificates = sorted(self.model.certificates)
        own = [cert for cert in certificates if self.model.certificates[cert] == invoice_id]
        certificate_id = 0
        if own and (with_certificate or self.model.requires_certificate.get(obligor)):
            certificate_id = own[certificate % len(own)]
        elif with_certificate and certificates:
            certificate_id = certificates[certificate % len(certificates)]
        self.issue(invoice_id, face, chain.time() + tenor * DAY, certificate_id, obligor)

    @rule(pick=ST_PICK, invoice=ST_PICK, percent=ST_PERCENT, aim=ST_AIM, actor=ST_ACTOR)
    def split_transfer(self, pick: int, invoice: int, percent: int, aim: int, actor: int) -> None:
        """Mostly a movable fragment whose holder owes an invoice with something left to back."""
        payers = [
            (t, f) for t, f in self._movable_fragments()
            if self._invoices(0, CONFIRMED, (self.name_of[f.owner],), open_amount=True)
        ]  # fmt: skip
        found = payers[pick % len(payers)] if payers and aim % 10 != 7 else self._live(pick)
        if found is None:
            return
        token_id, f = found
        holder = self.name_of[f.owner]
        owed = self._invoices(invoice, CONFIRMED, (holder,), open_amount=True)
        if owed is None or aim % 10 == 7:
            invoice_id, receiver = self._any_invoice(invoice), ACTORS[actor]
            value = max(1, f.value * percent // 100)
        else:
            invoice_id, inv = owed
            receiver, value = (
                inv.seller,
                max(1, min(f.value, inv.amount - inv.drawn) * percent // 100),
            )
        self.split(token_id, receiver, value, invoice_id, holder)

    @rule(pick=ST_PICK, to=ST_ACTOR, percent=ST_PERCENT, bank=ST_PICK, aim=ST_AIM)
    def transfer_to_address(self, pick: int, to: int, percent: int, bank: int, aim: int) -> None:
        """ERC-3525 value to an address: a financier must be on one side."""
        if (found := self._movable(pick, aim)) is None:
            return
        token_id, f = found
        receiver = self.aimed(aim, BANKS[bank % len(BANKS)], to)
        self.send("transferToAddress", self.c["voucher"].transferFrom["uint256,address,uint256"],
                  token_id, self.roles[receiver], max(1, f.value * percent // 100),
                  sender=self.name_of[f.owner])  # fmt: skip

    @rule(pick=ST_PICK, into=ST_PICK, percent=ST_PERCENT, aim=ST_AIM)
    def transfer_to_token(self, pick: int, into: int, percent: int, aim: int) -> None:
        """ERC-3525 value into an existing token, mostly one split from the source (the only
        targets the voucher takes: value never climbs to a shallower tier)."""
        if (found := self._movable(pick, aim)) is None:
            return
        token_id, f = found
        children = [t for t, g in sorted(self.prev.live().items()) if g.parent_id == token_id]
        # Between two suppliers value needs a trade reference: mostly aim where a bank is a party.
        with_bank = [
            t
            for t in children
            if {self.name_of[f.owner], self.name_of[self.prev.fragments[t].owner]} & set(BANKS)
        ]
        same_credit = (with_bank if with_bank and aim % 10 != 5 else children) or (
            [t for t, g in sorted(self.prev.live().items())
             if aim % 10 == 3 and g.credit_id == f.credit_id and t != token_id])  # fmt: skip
        target = (same_credit[into % len(same_credit)] if same_credit and aim % 10 != 7
                  else self._any_token(into))  # fmt: skip
        self.send("transferToToken", self.c["voucher"].transferFrom["uint256,uint256,uint256"],
                  token_id, target, max(1, f.value * percent // 100),
                  sender=self.name_of[f.owner])  # fmt: skip

    @rule(pick=ST_PICK, to=ST_ACTOR, bank=ST_PICK, safe=ST_FLAG, aim=ST_AIM, actor=ST_ACTOR)
    def transfer_721(self, pick: int, to: int, bank: int, safe: bool, aim: int, actor: int) -> None:
        if (found := self._movable(pick, aim)) is None:
            return
        token_id, f = found
        voucher = self.c["voucher"]
        fn = (voucher.safeTransferFrom if safe else voucher.transferFrom)["address,address,uint256"]
        self.send("transfer721", fn, f.owner, self.roles[self.aimed(aim, BANKS[bank % 2], to)],
                  token_id, sender=self.aimed(aim, self.name_of[f.owner], actor))  # fmt: skip

    @rule(pick=ST_PICK, frozen=ST_FLAG, aim=ST_AIM, actor=ST_ACTOR)
    def freeze_fragment(self, pick: int, frozen: bool, aim: int, actor: int) -> None:
        self.send("freezeFragment", self.c["voucher"].setFragmentFrozen, self._any_token(pick),
                  frozen, h("court order"),
                  sender=self.aimed(aim, SUPERVISORS[pick % 2], actor))  # fmt: skip

    @rule(pick=ST_PICK, frozen=ST_FLAG, aim=ST_AIM, actor=ST_ACTOR)
    def freeze_credit(self, pick: int, frozen: bool, aim: int, actor: int) -> None:
        self.send("freezeCredit", self.c["voucher"].setCreditFrozen, self._credit(pick), frozen,
                  h("investigation"),
                  sender=self.aimed(aim, SUPERVISORS[pick % 2], actor))  # fmt: skip

    # ------------------------------------------------------------------ financing

    @rule(pick=ST_PICK, percent=ST_PERCENT, expiry=ST_PERCENT, aim=ST_AIM, actor=ST_ACTOR)
    def ask_financing(self, pick: int, percent: int, expiry: int, aim: int, actor: int) -> None:
        """Expiry at `expiry` percent of the time left to maturity (over 100: past it)."""
        if (found := self._movable(pick, aim)) is None:
            return
        token_id, f = found
        now = chain.time()
        time_left = self.prev.credits[f.credit_id].maturity - now
        self.request_financing(token_id, max(1, f.value * percent // 100),
                               now + max(3_600, time_left * expiry // 100),
                               self.aimed(aim, self.name_of[f.owner], actor))  # fmt: skip

    @rule(pick=ST_PICK, percent=ST_PERCENT, bank=ST_PICK, rate=ST_RATE)
    def discount(self, pick: int, percent: int, bank: int, rate: int) -> None:
        """Request, quote and acceptance in one step: delivery versus payment, end to end."""
        if (found := self._movable(pick, 0)) is None:
            return
        token_id, f = found
        holder = self.name_of[f.owner]
        expires_at = chain.time() + 3_600
        request_id = self.request_financing(token_id, max(1, f.value * percent // 100),
                                            expires_at, holder)  # fmt: skip
        if request_id is None:
            return
        quote_id = self.submit_quote(request_id, rate, BANKS[bank % len(BANKS)])
        if quote_id is not None and self.accept(request_id, quote_id, holder):
            self.delivered.add(self.model.requests[request_id].token_id)

    @rule(pick=ST_PICK, bank=ST_PICK, rate=ST_RATE, aim=ST_AIM, actor=ST_ACTOR)
    def quote_rate(self, pick: int, bank: int, rate: int, aim: int, actor: int) -> None:
        if (found := self._open_request(pick)) is not None:
            self.submit_quote(found[0], rate, self.aimed(aim, BANKS[bank % len(BANKS)], actor))

    @rule(pick=ST_PICK, quote=ST_PICK, aim=ST_AIM, actor=ST_ACTOR)
    def accept_quote(self, pick: int, quote: int, aim: int, actor: int) -> None:
        if (found := self._open_request(pick, quoted=True)) is None:
            return
        request_id, request = found
        if self.accept(request_id, request.quotes[quote % len(request.quotes)],
                       self.aimed(aim, request.holder, actor)):  # fmt: skip
            self.delivered.add(request.token_id)

    @rule(pick=ST_PICK, aim=ST_AIM, actor=ST_ACTOR)
    def cancel_request(self, pick: int, aim: int, actor: int) -> None:
        if (found := self._open_request(pick)) is None:
            return
        request_id, request = found
        if self.send("cancelRequest", self.c["financing"].cancel, request_id,
                     sender=self.aimed(aim, request.holder, actor)):  # fmt: skip
            request.open = False

    @rule(pick=ST_PICK, aim=ST_AIM, actor=ST_ACTOR)
    def expire_request(self, pick: int, aim: int, actor: int) -> None:
        """Mostly a request past its expiry; anyone may close it."""
        expired = [
            (i, r) for i, r in sorted(self.model.requests.items())
            if r.open and r.expires_at <= self.prev.timestamp
        ]  # fmt: skip
        found = (
            expired[pick % len(expired)] if expired and aim % 10 != 7 else self._open_request(pick)
        )
        if found is None:
            return
        request_id, request = found
        if self.send("expireRequest", self.c["financing"].expire, request_id, sender=ACTORS[actor]):
            request.open = False

    # ------------------------------------------------------------------ settlement

    @rule(pick=ST_PICK, percent=ST_PERCENT, aim=ST_AIM, actor=ST_ACTOR)
    def repay(self, pick: int, percent: int, aim: int, actor: int) -> None:
        """Any credit, or every other time one whose redeemed fragments are still owed cash."""
        late = sorted({claim["creditId"] for claim in self._underpaid_claims().values()})
        credit_id = late[pick % len(late)] if late and pick % 2 == 0 else self._credit(pick)
        if credit_id not in self.model.credits:
            return
        obligor, face = self.model.credits[credit_id]
        amount = max(1, (face - self.model.repaid[credit_id]) * percent // 100)
        if self.send("repay", self.c["settlement"].repay, credit_id, amount,
                     sender=self.aimed(aim, obligor, actor)):  # fmt: skip
            self.model.repaid[credit_id] += amount

    @rule(pick=ST_PICK, aim=ST_AIM, actor=ST_ACTOR)
    def redeem(self, pick: int, aim: int, actor: int) -> None:
        """Mostly a fragment whose credit has matured."""
        matured = self._matured_fragments()
        found = matured[pick % len(matured)] if matured and aim % 10 != 7 else self._live(pick)
        if found is not None:
            token_id, f = found
            self.send("redeem", self.c["settlement"].redeem, token_id,
                      sender=self.aimed(aim, self.name_of[f.owner], actor))  # fmt: skip

    @rule(picks=ST_BATCH, aim=ST_AIM, actor=ST_ACTOR)
    def redeem_batch(self, picks: list[int], aim: int, actor: int) -> None:
        """Mostly matured fragments; anyone may push the batch."""
        matured = [t for t, _ in self._matured_fragments()]
        tokens = [
            matured[pick % len(matured)] if matured and aim % 10 != 7 else self._any_token(pick)
            for pick in picks
        ]
        self.send("redeemBatch", self.c["settlement"].redeemBatch, tokens, sender=ACTORS[actor])

    def _underpaid_claims(self) -> dict[int, Any]:
        return {
            t: claim for t, claim in self.prev.claims.items()
            if claim["claimant"] != ZERO and claim["paid"] < claim["value"]
        }  # fmt: skip

    @rule(pick=ST_PICK, aim=ST_AIM, actor=ST_ACTOR)
    def claim(self, pick: int, aim: int, actor: int) -> None:
        """Mostly a redeemed fragment not yet paid in full; anyone may push the payment."""
        underpaid = sorted(self._underpaid_claims())
        token_id = (underpaid[pick % len(underpaid)] if underpaid and aim % 10 != 7
                    else self._any_token(pick))  # fmt: skip
        self.send("claim", self.c["settlement"].claim, token_id, sender=ACTORS[actor])

    @rule(pick=ST_PICK, actor=ST_ACTOR)
    def mark_overdue(self, pick: int, actor: int) -> None:
        self.send("markOverdue", self.c["settlement"].markOverdue, self._credit(pick),
                  sender=ACTORS[actor])  # fmt: skip

    @rule(seconds=ST_SLEEP, far=ST_PICK)
    def sleep(self, seconds: int, far: int) -> None:
        """Minutes to days; one time in three a jump of up to 90 days more, past maturities,
        financing expiries and grace periods."""
        if far % 3 == 0:
            seconds += (far % 90 + 1) * DAY
        chain.sleep(seconds)
        chain.mine()

    # ------------------------------------------------------------------ invariants

    @invariant()
    def all_five_hold(self) -> None:
        STATS["checks"] += 1
        now = self._read()
        self._check_value_conserved(now)
        self._check_invoices(now)
        self._check_holders(now, self.prev)
        self._check_settlement_cash(now)
        self._check_limits(now)
        self.prev = now
        self.delivered.clear()

    def _read(self) -> Snapshot:
        c, r, m = self.c, self.roles, self.model
        consortium, voucher, settlement = c["consortium"], c["voucher"], c["settlement"]
        pairs = [(bank, core) for bank in BANKS for core in CORES]
        head = [
            (voucher, "tokenCount", ()),
            (c["invoices"], "invoiceCount", ()),
            (consortium, "limits", ()),
            (c["cash"], "balanceOf", (settlement,)),
            *[(consortium, "statusOf", (r[name],)) for name in ACTORS],
            *[(consortium, "outstanding", (r[core],)) for core in CORES],
            *[(consortium, "issuanceQuota", (r[core],)) for core in CORES],
            *[(consortium, "exposure", (r[b], r[o])) for b, o in pairs],
            *[(consortium, "creditLine", (r[b], r[o])) for b, o in pairs],
        ]
        values = iter(self.reader.read(head))
        token_count, invoice_count = next(values), next(values)
        limits, settlement_cash = next(values), next(values)
        status = {name: next(values) for name in ACTORS}
        outstanding = {core: next(values) for core in CORES}
        quota = {core: next(values) for core in CORES}
        exposure = {pair: next(values) for pair in pairs}
        line = {pair: next(values) for pair in pairs}

        tokens = range(1, token_count + 1)
        credits = sorted(m.credits)
        invoices = sorted(m.invoices.items())
        certificates = sorted(m.certificates)
        body = [
            *[(voucher, "fragment", (t,)) for t in tokens],
            *[(settlement, "claimOf", (t,)) for t in tokens],
            *[(voucher, "credit", (credit_id,)) for credit_id in credits],
            *[(settlement, "account", (credit_id,)) for credit_id in credits],
            *[(c["invoices"], "invoice", (i,)) for i, _ in invoices],
            *[(c["invoices"], "invoiceIdByNumber", (r[inv.seller], inv.number_hash))
              for _, inv in invoices],
            *[(c["invoices"], "invoiceIdByDocument", (inv.document_hash,)) for _, inv in invoices],
            *[(c["quality"], "inGoodStanding", (cert,)) for cert in certificates],
        ]  # fmt: skip
        values = iter(self.reader.read(body))
        return Snapshot(
            fragments={t: Fragment(*next(values)) for t in tokens},
            claims={t: next(values) for t in tokens},
            credits={credit_id: Credit(*next(values)) for credit_id in credits},
            accounts={credit_id: next(values) for credit_id in credits},
            invoices={i: next(values) for i, _ in invoices},
            invoice_by_number={i: next(values) for i, _ in invoices},
            invoice_by_document={i: next(values) for i, _ in invoices},
            certificate_good={cert: next(values) for cert in certificates},
            timestamp=next(values),
            invoice_count=invoice_count,
            limits=tuple(limits),
            settlement_cash=settlement_cash,
            status=status,
            outstanding=outstanding,
            quota=quota,
            exposure=exposure,
            line=line,
        )

    def _check_value_conserved(self, now: Snapshot) -> None:
        """1. Per credit: live fragment values + redeemed value == face value."""
        assert {f.credit_id for f in now.fragments.values()} == set(now.credits), (
            "fragments belong to credits the model never saw issued"
        )
        held, redeemed = defaultdict(int), defaultdict(int)
        for t, f in now.fragments.items():
            if f.owner != ZERO:
                held[f.credit_id] += f.value
            else:
                claim = now.claims[t]
                assert f.value == 0 and claim["creditId"] == f.credit_id, f"token {t}: bad burn"
                redeemed[f.credit_id] += claim["value"]
        for credit_id, cr in now.credits.items():
            assert cr.face_value == self.model.credits[credit_id][1]
            assert held[credit_id] + redeemed[credit_id] == cr.face_value, (
                f"credit {credit_id}: live {held[credit_id]} + redeemed {redeemed[credit_id]}"
                f" != face {cr.face_value}"
            )

    def _check_invoices(self, now: Snapshot) -> None:
        """2. No invoice backs more than its amount; no invoice or document registered twice."""
        assert now.invoice_count == len(self.model.invoices), "invoices the model never saw"
        numbers, documents = set(), set()
        for i, inv in self.model.invoices.items():
            on_chain = now.invoices[i]
            seller = self.name_of[on_chain["seller"]]
            number, document = bytes(on_chain["numberHash"]), bytes(on_chain["documentHash"])
            assert (seller, number, document, on_chain["amount"], on_chain["status"]) == (
                inv.seller, bytes(inv.number_hash), bytes(inv.document_hash), inv.amount, inv.status
            ), f"invoice {i} differs from the model"  # fmt: skip
            assert (seller, number) not in numbers, f"invoice {i}: number registered twice"
            assert document not in documents, f"invoice {i}: document registered twice"
            numbers.add((seller, number))
            documents.add(document)
            assert now.invoice_by_number[i] == i and now.invoice_by_document[i] == i
            assert on_chain["remaining"] <= on_chain["amount"], f"invoice {i} overdrawn"
            drawn = on_chain["amount"] - on_chain["remaining"] if inv.status == CONFIRMED else 0
            assert drawn == inv.drawn <= inv.amount, (
                f"invoice {i}: drawn {drawn}, backed {inv.drawn}, amount {inv.amount}"
            )

    def _check_holders(self, now: Snapshot, before: Snapshot) -> None:
        """3. Only active members receive value; frozen, locked or matured value never moves,
        except a locked fragment delivered by its own accepted financing."""
        assert now.status == self.model.status, "member statuses differ from the model"
        for t, f in now.live().items():
            owner = self.name_of[f.owner]
            assert now.status[owner] != 0, f"token {t} held by a non-member"
            old = before.fragments.get(t)
            if old is None or old.owner != f.owner or f.value > old.value:
                # Statuses change only in steps that move no value: the model's is the one at
                # the move.
                assert self.model.status[owner] == ACTIVE, f"token {t} went to inactive {owner}"
        for t, old in before.live().items():
            matured = before.timestamp >= before.credits[old.credit_id].maturity
            held_still = old.locked or before.frozen(old)
            if not (held_still or matured):
                continue
            f = now.fragments[t]
            if matured and not held_still and f.owner == ZERO:
                continue  # redeemed: the one way matured value leaves
            assert f.value == old.value, f"token {t}: frozen, locked or matured value moved"
            if t in self.delivered:
                assert old.locked and not f.locked, f"token {t} delivered without its lock"
            else:
                assert f.owner == old.owner, f"token {t}: frozen, locked or matured token moved"

    def _check_settlement_cash(self, now: Snapshot) -> None:
        """4. Per credit: paid out <= repaid; Settlement holds exactly what is repaid and unpaid."""
        paid_per_credit = defaultdict(int)
        for t, claim in now.claims.items():
            if claim["claimant"] != ZERO:
                assert claim["paid"] <= claim["value"], f"claim {t} overpaid"
                paid_per_credit[claim["creditId"]] += claim["paid"]
        for credit_id, acct in now.accounts.items():
            assert acct["repaid"] == self.model.repaid[credit_id]
            assert acct["paidOut"] <= acct["repaid"], f"credit {credit_id}: paid out > repaid"
            assert acct["paidOut"] == paid_per_credit[credit_id]
        owed = sum(acct["repaid"] - acct["paidOut"] for acct in now.accounts.values())
        assert now.settlement_cash == owed, f"settlement holds {now.settlement_cash}, owes {owed}"

    def _check_limits(self, now: Snapshot) -> None:
        """5. Tier depth, tenor, issuance quota and financier exposure within their limits."""
        max_tenor_days, _, max_depth = now.limits
        for t, f in now.fragments.items():
            assert f.depth <= max_depth, f"token {t} at depth {f.depth}"
        for credit_id, cr in now.credits.items():
            assert cr.issued_at < cr.maturity <= cr.issued_at + max_tenor_days * DAY, (
                f"credit {credit_id}: tenor out of range"
            )
        for core in CORES:
            assert now.outstanding[core] <= now.quota[core], f"{core} is past its quota"
            unpaid = sum(face - self.model.repaid[credit_id]
                         for credit_id, (obligor, face) in self.model.credits.items()
                         if obligor == core)  # fmt: skip
            assert now.outstanding[core] == unpaid, f"{core}: outstanding differs from unpaid face"
        # 6. Exposure = value acquired as a financier and still held + its redeemed claims not
        # yet paid out or written off, whatever roles the holder has now.
        held = defaultdict(int)
        for f in now.live().values():
            if f.held_as_financier:
                obligor = self.name_of[now.credits[f.credit_id].obligor]
                held[(self.name_of[f.owner], obligor)] += f.value
        for claim in now.claims.values():
            if claim["heldAsFinancier"] and not claim["writtenOff"]:
                obligor = self.name_of[now.credits[claim["creditId"]].obligor]
                held[(self.name_of[claim["claimant"]], obligor)] += claim["value"] - claim["paid"]
        for pair, exposure in now.exposure.items():
            assert exposure <= now.line[pair], f"{pair}: exposure {exposure} past the line"
            assert exposure == held[pair], f"{pair}: exposure {exposure}, holds {held[pair]}"


def test_invariants_hold_after_every_step(platform, roles, record_property):
    seeding = Platform(platform, roles, Model())
    seeding.seed()
    PlatformMachine.seeded = seeding.model
    PlatformMachine.reader = BatchReader()
    chain.snapshot()
    STATS.clear()  # count only what the runs did, not the seeding
    # Hypothesis cannot be told a number of steps, and it starts every search with tiny runs:
    # search again (new random examples) until enough steps ran. Its swarm testing leaves some
    # rules out of most examples of a search, so a core operation may not have succeeded yet:
    # then search on, EXTRA_STEPS at a time.
    gate = TOTAL_STEPS >= 2000  # a short smoke run may miss the rarer successes
    for _ in range(MAX_SEARCHES):
        missing = TOTAL_STEPS - STATS["steps"]
        if missing <= 0:
            missing = EXTRA_STEPS
        # Ask for as many runs as the steps per run seen so far need (a short search's runs are
        # mostly Hypothesis's tiny ones, so asking for missing / STEPS_PER_RUN can fall short
        # search after search).
        per_run = STATS["steps"] / STATS["runs"] if STATS["runs"] else STEPS_PER_RUN
        run_state_machine_as_test(
            lambda: PlatformMachine(platform, roles),
            settings=settings(
                max_examples=-(-missing // max(1, int(per_run))) + SMALL_EXAMPLES,
                stateful_step_count=STEPS_PER_RUN,
                deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
            ),
        )
        # Hypothesis checks the invariant once before the first step of every run.
        STATS["steps"] = STATS["checks"] - STATS["runs"]
        if STATS["steps"] >= TOTAL_STEPS and not (gate and _never_succeeded()):
            break
    for key, count in sorted(STATS.items()):
        record_property(key, count)
    assert STATS["steps"] >= TOTAL_STEPS, f"only {STATS['steps']} of {TOTAL_STEPS} steps ran"
    if gate:
        never = _never_succeeded()
        assert not never, f"never succeeded: {never}; {dict(STATS)}"


def _never_succeeded() -> list[str]:
    return [op for op in MUST_SUCCEED if STATS[f"ok:{op}"] == 0]
