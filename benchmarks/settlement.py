"""Settlement at scale: one credit in n fragments held by n members, repaid, then redeemed.

Per size n the core enterprise issues a credit to a supplier, the supplier sells it whole to a
bank, and the bank hands 1/n of it to each of n freshly onboarded members (financier-side value
transfers, which need no invoice). At maturity the core repays in full; the first holder
redeems its fragment itself (the single-redemption gas), and the operator pushes the rest out
with `redeemBatch` in batches of Settlement.MAX_BATCH.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from eth_account import Account
from eth_utils import keccak

from backend.chain.sender import TxOutcome
from benchmarks.common import BANK, CORE, DAY, LINE, SUPPLIER, UNIT, BenchChain, Sizes

SHARE = 1_000 * UNIT
TRANSFER_WINDOW = 64
BATCH_WINDOW = 8


@dataclass
class SettlementRow:
    fragments: int
    redeem_gas: int
    batch_txs: int
    batch_gas: list[int]
    settle_seconds: float

    @property
    def transactions(self) -> int:
        """Every transaction that paid a holder: the single redemption plus the batches."""
        return 1 + self.batch_txs

    @property
    def gas_per_fragment_in_batch(self) -> float:
        return sum(self.batch_gas) / max(self.fragments - 1, 1)


@dataclass
class SettlementResult:
    max_batch: int
    rows: list[SettlementRow]

    @property
    def redeem_spread(self) -> float:
        """(max - min) / min of the single-redemption gas across sizes."""
        gas = [row.redeem_gas for row in self.rows]
        return (max(gas) - min(gas)) / min(gas)


class Platform:
    """Dev-account parties: a core enterprise with a line from a bank, a supplier, cash."""

    def __init__(self, chain: BenchChain) -> None:
        self.chain = chain
        self.core, self.supplier, self.bank = (chain.account(i) for i in (CORE, SUPPLIER, BANK))
        chain.onboard([self.core.address], "CORE_ENTERPRISE")
        chain.onboard([self.supplier.address], "SUPPLIER")
        chain.onboard([self.bank.address], "FINANCIER")
        chain.send(self.bank, "Consortium", "setCreditLine", self.core.address, LINE)
        settlement = chain.manifest.address("Settlement")
        chain.send(self.core, "SettlementToken", "approve", settlement, 2**256 - 1)
        self._count = 0

    def issue(self, face: int, maturity: int) -> tuple[int, int]:
        """A credit of ``face`` issued to the supplier and sold whole to the bank: (credit,
        the bank's token)."""
        chain = self.chain
        self._count += 1
        registered = chain.send(
            self.supplier,
            "InvoiceRegistry",
            "register",
            self.core.address,
            face,
            chain.now() + 365 * DAY,
            keccak(text=f"INV-SETTLE-{self._count}"),
            keccak(text=f"doc-settle-{self._count}"),
        )
        invoice_id = registered.event("InvoiceRegistered").args["invoiceId"]
        chain.send(self.core, "InvoiceRegistry", "confirm", invoice_id)
        issued = chain.send(self.core, "CreditVoucher", "issue", invoice_id, face, maturity, 0)
        credit_id = issued.event("CreditIssued").args["creditId"]
        sold = chain.sender(self.supplier).transact(
            chain.client.prepare(
                "CreditVoucher",
                "transferFrom(uint256,address,uint256)",
                credit_id,
                self.bank.address,
                face,
            )
        )
        return credit_id, _new_token(sold)

    def hand_out(self, bank_token: int, holders: list[str], share: int) -> list[int]:
        """The bank gives ``share`` of its token to each holder; returns their new tokens."""
        calls = [
            self.chain.client.prepare(
                "CreditVoucher",
                "transferFrom(uint256,address,uint256)",
                bank_token,
                holder,
                share,
            )
            for holder in holders
        ]
        outcomes = self.chain.sender(self.bank).send_many(calls, window=TRANSFER_WINDOW)
        return [_new_token(outcome) for outcome in outcomes]

    def repay(self, credit_id: int, face: int) -> None:
        self.chain.send(self.bank, "SettlementToken", "mint", self.core.address, face, b"\x01" * 32)
        self.chain.send(self.core, "Settlement", "repay", credit_id, face)


def _new_token(outcome: TxOutcome) -> int:
    """The token a value transfer to an address created (ERC-3525 SlotChanged from slot 0)."""
    minted = [e for e in outcome.events_named("Transfer") if e.contract == "CreditVoucher"]
    return int(minted[-1].args["tokenId"])


def run(chain: BenchChain, sizes: Sizes, platform: Platform) -> SettlementResult:
    max_batch = int(chain.client.read("Settlement", "maxBatch"))
    maturity = chain.now() + 30 * DAY
    built: list[tuple[int, int, list[Account], list[int]]] = []
    for n in sizes.settlement_sizes:
        holders = [Account.create() for _ in range(n)]
        chain.onboard([h.address for h in holders], "SUPPLIER")
        credit_id, bank_token = platform.issue(n * SHARE, maturity)
        tokens = platform.hand_out(bank_token, [h.address for h in holders], SHARE)
        built.append((n, credit_id, holders, tokens))
    chain.travel_to(maturity)
    rows: list[SettlementRow] = []
    operator = chain.sender(chain.account(0))
    for n, credit_id, holders, tokens in built:
        platform.repay(credit_id, n * SHARE)
        first = holders[0]
        chain.fund(first.address)
        single = chain.send(first, "Settlement", "redeem", tokens[0])
        rest = tokens[1:]
        batches = [
            chain.client.prepare("Settlement", "redeemBatch", rest[i : i + max_batch])
            for i in range(0, len(rest), max_batch)
        ]
        started = time.perf_counter()
        outcomes = operator.send_many(batches, window=BATCH_WINDOW) if batches else []
        seconds = time.perf_counter() - started
        paid = int(chain.client.read("Settlement", "account", credit_id)[1])
        if paid != n * SHARE:
            raise RuntimeError(f"credit {credit_id}: paid out {paid}, expected {n * SHARE}")
        rows.append(
            SettlementRow(
                n, single.gas_used, len(outcomes), [o.gas_used for o in outcomes], seconds
            )
        )
    return SettlementResult(max_batch, rows)
