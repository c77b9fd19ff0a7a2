"""The demo story, played through the HTTP API only, as each member would with its API key.

Apex Motors owes Helix Drivetrain for a delivery; Helix owes Orion Castings, Orion owes Lotus
Fasteners. One credit voucher from Apex pays all three tiers; Lotus, the small tier-3 supplier,
sells part of its share to a bank for cash today; at maturity Apex repays and every holder is
paid. Only the local chain's clock is handled at the node itself: read (the latest block's
timestamp, to date the story) and moved to maturity (evm_increaseTime, evm_mine). That is the
chain's clock, not a way around the contracts.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import httpx
from eth_account import Account
from rich.console import Console
from rich.tree import Tree

from backend.chain.node import rpc_request
from backend.demo.cast import DemoRun

DAY = 86_400
UNIT = 10**6  # SettlementToken and voucher values have 6 decimals.
TENOR_DAYS = 90

# The story's figures, in currency units (the API takes micro-units).
CREDIT_LINES = {"bank_a": 1_000_000, "bank_b": 600_000}
INVOICES = (
    # (seller, buyer, number, amount, goods)
    ("tier1", "core", "HX", 500_000, "gearbox assemblies"),
    ("tier2", "tier1", "OR", 200_000, "cast gearbox housings"),
    ("tier3", "tier2", "LO", 80_000, "high-tensile fasteners"),
)
FACE_VALUE = 500_000
# Apex Motors' writes moving more than this wait for a reviewer's approval (four eyes).
APPROVAL_THRESHOLD = 400_000
SPLITS = (("tier1", "tier2", 200_000), ("tier2", "tier3", 80_000))
FINANCED = 50_000
QUOTES = (("bank_a", 600), ("bank_b", 450))  # annual discount rates, basis points
BANK_DEPOSITS = 1_000_000
REPAYMENTS = (300_000, 200_000)


class StoryStepFailed(RuntimeError):
    """The API refused a step; carries the error it named."""

    def __init__(self, title: str, response: httpx.Response) -> None:
        try:
            body = response.json()
            reason = (
                f"{body.get('error')} {body.get('args') or ''} {body.get('detail') or ''}".strip()
            )
        except ValueError:
            reason = response.text[:500]
        super().__init__(f"{title}: HTTP {response.status_code} {reason}")


def money(units: int) -> str:
    """Micro-units as currency with two decimals shown, exactly (no float)."""
    return f"{Decimal(units) / UNIT:,.2f}"


@dataclass
class Holding:
    """One fragment of the credit at the end of the story, and what its holder was paid."""

    token_id: int
    holder: str
    value_units: int
    paid_units: int
    bought_from: str | None = None
    bought_for_units: int | None = None
    children: list[Holding] = field(default_factory=list)


@dataclass
class StoryResult:
    credit_id: int
    obligor: str
    face_value_units: int
    repaid_units: int
    root: Holding


class Story:
    """Plays the story step by step, printing each step's transaction."""

    def __init__(self, run: DemoRun, api: httpx.Client, console: Console) -> None:
        self.run = run
        self.api = api
        self.console = console
        self._step = 0
        # Invoice numbers and idempotency keys carry the chain's clock, so the story can be
        # played again on the same chain: numbers are unique per seller, for ever.
        self.start = self.chain_time()
        self.tag = str(self.start)

    # --- plumbing ---------------------------------------------------------------------------

    def chain_time(self) -> int:
        block: Any = rpc_request(self.run.rpc_url, "eth_getBlockByNumber", ["latest", False])
        return int(block["timestamp"], 16)

    def post(
        self, actor: str, path: str, body: dict[str, Any] | None, title: str
    ) -> dict[str, Any]:
        """One write as member ``actor``; prints the step with its transaction. A member that
        holds its own key gets the typed data to sign, signs it here (as its own signing
        system would) and posts the signature; the answer is then the request's outcome."""
        member = self.run.member(actor)
        if member.private_key is None:
            return self.post_with(member.api_key, path, body, title)
        handed = self.post_with(
            member.api_key, path, body, f"{title}: typed data to sign", expected=(202,)
        )
        signed = Account.sign_typed_data(member.private_key, full_message=handed["typed_data"])
        return self.post_with(
            member.api_key,
            f"/requests/{handed['request_id']}/signature",
            {"signature": "0x" + bytes(signed.signature).hex()},
            f"{member.name} signs it with its own key; the relayer sends it",
        )

    def post_with(
        self,
        api_key: str,
        path: str,
        body: dict[str, Any] | None,
        title: str,
        expected: tuple[int, ...] = (200, 201),
    ) -> dict[str, Any]:
        """One write with ``api_key`` (a member's, or one of its users'); prints the step."""
        self._step += 1
        with self.console.status(f"{title}…"):
            response = self.api.post(
                path,
                json=body or {},
                headers={
                    "Authorization": f"Bearer {api_key}",
                    "Idempotency-Key": f"demo-{self.tag}-{self._step}",
                },
            )
        if response.status_code not in expected:
            raise StoryStepFailed(title, response)
        answer: dict[str, Any] = response.json()
        where = (
            f"tx {answer['tx_hash']} · block {answer['block_number']}"
            if answer.get("tx_hash")
            else f"request {answer['request_id']} · {answer['status']}"
        )
        self.console.print(f"[green]✓[/] {title}\n    [dim]{where}[/]")
        return answer

    def user(self, actor: str, name: str, role: str) -> str:
        """A maker or checker of member ``actor``; returns its API key."""
        member = self.run.member(actor)
        response = self.api.post(
            "/members/me/users",
            json={"name": name, "role": role},
            headers={"Authorization": f"Bearer {member.api_key}"},
        )
        if response.status_code != 201:
            raise StoryStepFailed(f"{member.name} adds {name}", response)
        return str(response.json()["api_key"])

    def get(self, actor: str, path: str) -> Any:
        member = self.run.member(actor)
        response = self.api.get(path, headers={"Authorization": f"Bearer {member.api_key}"})
        if response.status_code != 200:
            raise StoryStepFailed(f"GET {path}", response)
        return response.json()

    def chapter(self, title: str) -> None:
        self.console.rule(f"[bold]{title}")

    # --- the story --------------------------------------------------------------------------

    def play(self) -> StoryResult:
        m = self.run.members
        maturity = self.start + TENOR_DAYS * DAY

        self.chapter("1. Banks open credit lines to Apex Motors")
        for bank, limit in CREDIT_LINES.items():
            self.post(
                bank,
                "/credit-lines",
                {"obligor": m["core"].address, "limit_units": limit * UNIT},
                f"{m[bank].name} grants Apex Motors a credit line of {money(limit * UNIT)}",
            )
        self.post(
            "core",
            "/obligors/me/quality-requirement",
            {"required": True},
            "Apex Motors issues only against goods that passed inspection",
        )

        self.chapter("2. Invoices registered and confirmed")
        invoice_ids: dict[str, int] = {}
        for seller, buyer, code, amount, goods in INVOICES:
            number = f"INV-{code}-{self.tag}"
            registered = self.post(
                seller,
                "/invoices",
                {
                    "buyer": m[buyer].address,
                    "amount_units": amount * UNIT,
                    "due_date": maturity,
                    "invoice_number": number,
                    "document": {
                        "invoice_number": number,
                        "seller": {"name": m[seller].name},
                        "buyer": {"name": m[buyer].name},
                        "currency": "CNY",
                        "amount_units": amount * UNIT,
                        "goods": goods,
                    },
                },
                f"{m[seller].name} invoices {m[buyer].name} {money(amount * UNIT)} "
                f"for {goods} ({number})",
            )
            invoice_id = int(registered["invoice"]["invoice_id"])
            invoice_ids[seller] = invoice_id
            self.post(
                buyer,
                f"/invoices/{invoice_id}/confirm",
                None,
                f"{m[buyer].name} confirms invoice #{invoice_id}",
            )

        self.chapter("3. Goods certified")
        certificate = self.post(
            "inspector",
            "/certificates",
            {
                "invoice_id": invoice_ids["tier1"],
                "result": "pass",
                "batch_code": f"GBX-{self.tag}",
                "standard_code": "ISO 9001:2015",
                "expires_at": maturity + 30 * DAY,
                "document": {
                    "report": f"QC-{self.tag}",
                    "inspector": m["inspector"].name,
                    "subject": "gearbox assemblies",
                    "result": "pass",
                },
            },
            f"{m['inspector'].name} certifies the gearbox batch behind "
            f"invoice #{invoice_ids['tier1']}: pass",
        )
        certificate_id = int(event_args(certificate, "CertificateIssued")["certificateId"])

        self.chapter("4. Apex Motors issues a credit voucher, four eyes")
        core = self.run.member("core")
        policy = self.api.put(
            "/members/me/approval-policy",
            json={"mode": "above", "threshold_units": APPROVAL_THRESHOLD * UNIT},
            headers={"Authorization": f"Bearer {core.api_key}"},
        )
        if policy.status_code != 200:
            raise StoryStepFailed("Apex Motors requires approval", policy)
        self.console.print(
            f"[green]✓[/] Apex Motors requires a reviewer's approval above "
            f"{money(APPROVAL_THRESHOLD * UNIT)}; a payables clerk prepares, a reviewer approves"
        )
        clerk = self.user("core", "Apex payables clerk", "maker")
        reviewer = self.user("core", "Apex finance reviewer", "checker")
        pending = self.post_with(
            clerk,
            "/credits",
            {
                "invoice_id": invoice_ids["tier1"],
                "face_value_units": FACE_VALUE * UNIT,
                "maturity": maturity,
                "certificate_id": certificate_id,
            },
            f"Apex Motors' clerk prepares a {money(FACE_VALUE * UNIT)} voucher to Helix "
            f"Drivetrain, due in {TENOR_DAYS} days; it waits for approval",
            expected=(202,),
        )
        approved = self.post_with(
            reviewer,
            f"/requests/{pending['request_id']}/approve",
            None,
            "Apex Motors' reviewer approves it: the company's key signs, the relayer sends it",
        )
        if approved["status"] != "done":
            raise StoryStepFailed("the approved voucher issue", httpx.Response(409, json=approved))
        credit_id = int(event_args(approved, "CreditIssued")["creditId"])
        # The root fragment's token id is the credit id.
        held = {"tier1": credit_id}

        self.chapter("5. The voucher pays suppliers down three tiers")
        for holder, receiver, value in SPLITS:
            split = self.post(
                holder,
                f"/fragments/{held[holder]}/split-transfer",
                {
                    "to": m[receiver].address,
                    "value_units": value * UNIT,
                    "invoice_id": invoice_ids[receiver],
                },
                f"{m[holder].name} pays {m[receiver].name} {money(value * UNIT)} with its voucher "
                f"(invoice #{invoice_ids[receiver]})",
            )
            held[receiver] = int(split["fragment"]["token_id"])

        self.chapter("6. Lotus Fasteners discounts part of its voucher; two banks compete")
        for bank in ("bank_a", "bank_b"):
            self.post(
                bank,
                "/cash/mint",
                {
                    "to": m[bank].address,
                    "amount_units": BANK_DEPOSITS * UNIT,
                    "deposit_reference": f"{m[bank].name} reserve {self.tag}",
                },
                f"{m[bank].name} puts {money(BANK_DEPOSITS * UNIT)} of deposits on chain",
            )
        requested = self.post(
            "tier3",
            "/financing/requests",
            {
                "token_id": held["tier3"],
                "value_units": FINANCED * UNIT,
                "expires_at": self.chain_time() + 2 * DAY,
            },
            f"Lotus Fasteners asks for cash on {money(FINANCED * UNIT)} of its voucher",
        )
        request_id = int(requested["request"]["request_id"])
        quotes: list[tuple[int, int, str]] = []
        for bank, rate in QUOTES:
            quoted = self.post(
                bank,
                f"/financing/requests/{request_id}/quotes",
                {"rate_bps": rate},
                f"{m[bank].name} quotes {rate / 100:.2f}% a year",
            )
            price = int(quoted["price_units"])
            self.console.print(f"    would pay {money(price)} now")
            quotes.append((price, int(quoted["quote"]["quote_id"]), bank))
        price, best_quote, winner = max(quotes)
        accepted = self.post(
            "tier3",
            f"/financing/requests/{request_id}/accept",
            {"quote_id": best_quote},
            f"Lotus Fasteners accepts {m[winner].name}'s quote: "
            f"paid {money(price)} against delivery",
        )
        financed_token = int(accepted["fragment"]["token_id"])

        self.chapter("7. Maturity")
        self.post(
            "bank_a",
            "/cash/mint",
            {
                "to": m["core"].address,
                "amount_units": FACE_VALUE * UNIT,
                "deposit_reference": f"Apex Motors settlement account {self.tag}",
            },
            f"Harbor Bank credits Apex Motors' deposit of {money(FACE_VALUE * UNIT)} on chain",
        )
        self.travel_to(maturity)
        repaid = 0
        for amount in REPAYMENTS:
            repayment = self.post(
                "core",
                f"/credits/{credit_id}/repayments",
                {"amount_units": amount * UNIT},
                f"Apex Motors repays {money(amount * UNIT)}",
            )
            repaid = int(repayment["total_repaid_units"])
            self.console.print(f"    repaid so far {money(repaid)} of {money(FACE_VALUE * UNIT)}")

        self.chapter("8. Every holder redeems")
        paid: dict[int, int] = {}
        redeemers = [
            ("tier1", held["tier1"]),
            ("tier2", held["tier2"]),
            ("tier3", held["tier3"]),
            (winner, financed_token),
        ]
        for holder, token_id in redeemers:
            redeemed = self.post(
                holder,
                f"/fragments/{token_id}/redeem",
                None,
                f"{m[holder].name} redeems fragment #{token_id}",
            )
            paid[token_id] = int(redeemed["paid_units"])
            self.console.print(f"    paid {money(paid[token_id])}")

        return self.lineage(credit_id, paid)

    def travel_to(self, moment: int) -> None:
        """Moves the local chain's clock to ``moment`` and mines a block there."""
        with self.console.status("Moving the local chain's clock to maturity…"):
            now = self.chain_time()
            rpc_request(self.run.rpc_url, "evm_increaseTime", [max(moment - now, 0)])
            rpc_request(self.run.rpc_url, "evm_mine", [])
            reached = self.chain_time()
        self.console.print(
            f"[green]✓[/] chain clock moved {(reached - now) / DAY:.1f} days forward to maturity "
            "[dim](evm_increaseTime + evm_mine on the local node)[/]"
        )

    def lineage(self, credit_id: int, paid: dict[int, int]) -> StoryResult:
        """The credit's lineage as the read models hold it (the auditor reads everything),
        with what each holder was paid at redemption."""
        with self.console.status("Reading the credit's lineage…"):
            lineage = self.get("auditor", f"/credits/{credit_id}/lineage")
        credit = lineage["credit"]
        return StoryResult(
            credit_id=int(credit["credit_id"]),
            obligor=credit["obligor"],
            face_value_units=int(credit["face_value_units"]),
            repaid_units=int(credit["repaid_units"]),
            root=holding(lineage["root"], paid, None),
        )


def event_args(request: dict[str, Any], name: str) -> dict[str, Any]:
    """The arguments of the one event `name` of a finished request (GET /requests/{id})."""
    (args,) = [e["args"] for e in request["outcome"]["events"] if e["name"] == name]
    return args


def holding(node: dict[str, Any], paid: dict[int, int], parent: dict[str, Any] | None) -> Holding:
    """A lineage node of the API as a Holding; a redeemed fragment shows the value it redeemed."""
    redeemed = node.get("redeemed_value_units")
    discount = node.get("discount")
    token_id = int(node["token_id"])
    return Holding(
        token_id=token_id,
        holder=node["holder"],
        value_units=int(
            redeemed if node["redeemed"] and redeemed is not None else node["value_units"]
        ),
        paid_units=paid.get(token_id, 0),
        bought_from=parent["holder"] if discount and parent else None,
        bought_for_units=int(discount["price_units"]) if discount else None,
        children=[holding(child, paid, node) for child in node["children"]],
    )


def render(result: StoryResult, run: DemoRun) -> Tree:
    """The credit's lineage as a Rich tree: holder, value, what the holder was paid."""
    members = {member.address.lower(): member for member in run.members.values()}

    def name_of(address: str) -> str:
        member = members.get(address.lower())
        return member.name if member else address

    def describe(address: str) -> str:
        member = members.get(address.lower())
        return f"{member.name}, {member.part}" if member else address

    tree = Tree(
        f"[bold]Credit #{result.credit_id}[/]: {name_of(result.obligor)} owes "
        f"{money(result.face_value_units)} · repaid {money(result.repaid_units)}"
    )

    def add(branch: Tree, item: Holding) -> None:
        label = (
            f"#{item.token_id} [bold]{describe(item.holder)}[/] · value {money(item.value_units)}"
            f" · paid {money(item.paid_units)}"
        )
        if item.bought_from is not None and item.bought_for_units is not None:
            label += (
                f" · bought from {name_of(item.bought_from)} for {money(item.bought_for_units)}"
            )
        node = branch.add(label)
        for child in item.children:
            add(node, child)

    add(tree, result.root)
    return tree
