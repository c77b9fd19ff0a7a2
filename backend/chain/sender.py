"""Signs and sends transactions for one signer; returns decoded outcomes or named reverts.

Nonces come from the ``signer_nonces`` table, allocated under a row lock and reconciled with the
node's pending count, so threads, worker processes and outside senders never collide. Every
transaction's signed bytes are recorded by nonce (``sent_transactions``) before it is sent, so
that whichever process finds a nonce missing after a reorg sends them again. A revert during gas
estimation raises ContractRevert before anything is sent.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from typing import Any

from eth_account.signers.local import LocalAccount
from eth_utils import to_checksum_address
from sqlalchemy import Engine, Integer, Table, bindparam, delete, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from web3 import Web3
from web3.exceptions import ContractLogicError, Web3RPCError
from web3.types import RPCEndpoint

from backend.chain.errors import (
    ChainUnavailable,
    ErrorDecoder,
    ReceiptTimeout,
    TransactionFailed,
    checksummed,
    revert_data,
)
from backend.chain.events import DecodedEvent, EventDecoder
from backend.chain.fees import FeeCache
from backend.chain.models import SentTransaction, SignerNonce
from backend.core.database import writer_turn

GAS_MARGIN_NUMERATOR, GAS_MARGIN_DENOMINATOR = 6, 5
TRANSFER_GAS = 21_000
DEFAULT_WINDOW = 64
# An automining node mines a transaction a millisecond or two after it is sent: the receipt poll
# starts this soon and backs off to the sender's poll interval.
FIRST_POLL_SECONDS = 0.002
# A transaction still unmined after this long is checked for unsent nonces below it.
log = logging.getLogger(__name__)
GAP_CHECK_SECONDS = 3.0
# How long a returned transaction is kept in memory to be sent again should a reorg take it out
# (after that, or from another process, the recorded bytes are: see SentLog).
RECENT_SECONDS = 30.0
# Node answers to a nonce someone else already used; the allocator's resync then skips it.
_NONCE_TAKEN = (
    "nonce too low",
    "replacement transaction underpriced",
    "nonce has already been used",
)
_MAX_NONCE_RETRIES = 3


@contextmanager
def node_errors() -> Iterator[None]:
    """Turns a node that does not answer into ChainUnavailable (requests' errors are OSErrors)."""
    try:
        yield
    except OSError as exc:
        raise ChainUnavailable(f"the chain node did not answer: {exc}") from exc


def receipt_block_timestamp(receipt: Any) -> int | None:
    """The block time some nodes add to a receipt or to its logs (``blockTimestamp``)."""
    stamps = [receipt.get("blockTimestamp")]
    stamps.extend(log.get("blockTimestamp") for log in receipt["logs"])
    for stamp in stamps:
        if isinstance(stamp, int):
            return stamp
        if isinstance(stamp, str):
            return int(stamp, 16)
    return None


def _normalized_receipt(raw: dict[str, Any]) -> dict[str, Any]:
    """A JSON-RPC receipt with the fields the sender reads as ints and bytes, as web3 has them;
    the logs stay hex, which the event decoder reads."""
    return {
        **raw,
        "status": int(raw["status"], 16),
        "blockNumber": int(raw["blockNumber"], 16),
        "blockHash": bytes.fromhex(raw["blockHash"][2:]),
        "gasUsed": int(raw["gasUsed"], 16),
    }


def rpc_error(response: Any) -> Web3RPCError:
    """The exception of a JSON-RPC error answer; ``revert_data`` finds revert data in it."""
    return Web3RPCError(str(response.get("error")), rpc_response=response)


def batch_responses(w3: Web3, requests: Sequence[tuple[RPCEndpoint, Any]]) -> list[Any]:
    """The answers to one JSON-RPC batch (one round trip), in the order of ``requests``."""
    with node_errors():
        responses = w3.provider.make_batch_request(requests)  # type: ignore[attr-defined]
    if not isinstance(responses, list):
        # A node that refuses the whole batch answers with one error object.
        raise rpc_error(responses)
    return responses


def batch_result(response: Any, errors: ErrorDecoder, contract: str | None = None) -> Any:
    """The result of one answer of a batch; a revert raises the contract's named error."""
    if "error" in response:
        error = rpc_error(response)
        raw = revert_data(error)
        if raw is None:
            raise error
        raise errors.decode(raw, contract=contract) from error
    return response["result"]


@dataclass(frozen=True)
class Call:
    """One contract call to send: ``data`` is the ABI-encoded function call."""

    to: str
    data: bytes
    contract: str | None = None
    value: int = 0
    gas: int | None = None


@dataclass(frozen=True)
class TxOutcome:
    """A mined, successful transaction and the events it emitted."""

    tx_hash: str
    nonce: int
    block_number: int
    block_hash: str
    status: int
    gas_used: int
    events: list[DecodedEvent]
    # The block's unix time when the node puts it in the receipt (Anvil, geth 1.16+), else None.
    block_timestamp: int | None = None
    # Whether its events are in the read models already (the relayer projects a whole batch).
    projected: bool = False

    def events_named(self, name: str) -> list[DecodedEvent]:
        return [event for event in self.events if event.name == name]

    def event(self, name: str) -> DecodedEvent:
        """The one event called ``name``; raises if there is none or more than one."""
        found = self.events_named(name)
        if len(found) != 1:
            raise LookupError(f"{len(found)} {name} events in {self.tx_hash}, expected exactly one")
        return found[0]


@cache
def _reservation(table: Table, dialect: str) -> Any:
    """The upsert that moves a signer's next nonce past ``count`` more from the larger of the
    stored one and ``on_chain``, built once per table and dialect (building it each time cost
    more CPU than running it, twice per batch)."""
    postgres = dialect == "postgresql"
    insert = postgresql.insert if postgres else sqlite.insert
    larger = func.greatest if postgres else func.max
    count = bindparam("count", type_=Integer)
    on_chain = bindparam("on_chain", type_=Integer)
    return (
        insert(table)
        .values(address=bindparam("address"), next_nonce=on_chain + count)
        .on_conflict_do_update(
            index_elements=["address"],
            set_={"next_nonce": larger(table.c.next_nonce, on_chain) + count},
        )
        .returning(table.c.next_nonce)
    )


class NonceAllocator:
    """Hands out nonces per signer from the ``signer_nonces`` table, safe across processes."""

    def __init__(self, engine: Engine, w3: Web3, table: type[Any] = SignerNonce) -> None:
        """``table`` (``address``, ``next_nonce``) is ``signer_nonces`` for transaction nonces;
        the relayer keeps members' forwarder nonces in another (it passes ``node_pending``)."""
        if engine.dialect.name not in ("sqlite", "postgresql"):
            raise ValueError(
                f"nonce allocation supports SQLite and PostgreSQL, not {engine.dialect.name}"
            )
        self.engine = engine
        self._w3 = w3
        self._table = table

    def _lock_row(self, conn: Any, address: str) -> int:
        """Creates the row if new and locks it; returns the stored next nonce.

        On SQLite the INSERT, a write, takes the database's write lock for the whole transaction
        (what BEGIN IMMEDIATE does); on PostgreSQL the SELECT … FOR UPDATE locks the row.
        """
        dialect = postgresql if self.engine.dialect.name == "postgresql" else sqlite
        conn.execute(
            dialect.insert(self._table)
            .values(address=address, next_nonce=0)
            .on_conflict_do_nothing(index_elements=["address"])
        )
        query = (
            select(self._table.next_nonce).where(self._table.address == address).with_for_update()
        )
        return int(conn.execute(query).scalar_one())

    def allocate(
        self,
        address: str,
        count: int = 1,
        *,
        node_pending: int | None = None,
        also: Callable[[Any, int], Any] | None = None,
    ) -> int:
        """Reserves ``count`` consecutive nonces for ``address``; returns the first.

        The node's pending count wins when it is ahead (transactions sent from elsewhere with
        this key); the table wins when it is ahead (our own sends not yet in the node's pool).

        The count is read before the row is locked (``node_pending`` when the caller read it
        already), so no lock is held across a round trip: a count read early can only miss
        sends from outside the table (ours are in the table before they are sent), and those
        surface as "nonce too low" on sending, which allocates again. The row is then created
        or moved on in one atomic upsert. ``also`` runs with the connection and the first nonce
        in the same transaction (what is recorded about the nonces commits with them).
        """
        address = checksummed(address)
        on_chain = node_pending
        if on_chain is None:
            with node_errors():
                on_chain = self._w3.eth.get_transaction_count(address, "pending")
        with writer_turn(self.engine), self.engine.begin() as conn:
            first = self._reserve(conn, address, count, on_chain)
            if also is not None:
                also(conn, first)
        return first

    def reserve_many(self, conn: Any, wanted: Mapping[str, tuple[int, int]]) -> dict[str, int]:
        """``allocate`` for several signers in the caller's transaction on ``conn`` (the
        relayer's, which hands out its own nonce too): ``wanted`` maps an address to (how many
        nonces, its count on chain); returns the first nonce of each. The rows are taken in
        address order, so two processes allocating at once never deadlock."""
        return {
            address: self._reserve(conn, checksummed(address), count, on_chain)
            for address, (count, on_chain) in sorted(wanted.items())
        }

    def _reserve(self, conn: Any, address: str, count: int, on_chain: int) -> int:
        """Creates or moves on ``address``'s row in one atomic upsert; returns the first nonce."""
        statement = _reservation(self._table.__table__, self.engine.dialect.name)
        parameters = {"address": address, "on_chain": on_chain, "count": count}
        return int(conn.execute(statement, parameters).scalar_one()) - count

    def release(
        self, address: str, nonce: int, *, also: Callable[[Any], Any] | None = None
    ) -> bool:
        """Takes back an unsent ``nonce`` if nothing was allocated after it; False means a gap.
        ``also`` runs on the same connection when it is taken back, committed with it (what
        the caller records about the nonce must never disagree with the table)."""
        address = to_checksum_address(address)
        with writer_turn(self.engine), self.engine.begin() as conn:
            if self._lock_row(conn, address) != nonce + 1:
                return False
            conn.execute(
                update(self._table).where(self._table.address == address).values(next_nonce=nonce)
            )
            if also is not None:
                also(conn)
        return True


@cache
def _sent_log_statements(dialect: str) -> tuple[Any, Any]:
    """SentLog's upsert of signed bytes by nonce and its pruning delete, built once per
    dialect (they run with every batch the relayer sends)."""
    insert = (postgresql if dialect == "postgresql" else sqlite).insert(SentTransaction)
    record = insert.on_conflict_do_update(
        index_elements=["address", "nonce"],
        set_={"tx_hash": insert.excluded.tx_hash, "raw_hex": insert.excluded.raw_hex},
    )
    prune = delete(SentTransaction).where(
        SentTransaction.address == bindparam("address"),
        SentTransaction.nonce < bindparam("oldest_kept"),
    )
    return record, prune


class SentLog:
    """The signed bytes of every transaction a signer sent, by nonce (``sent_transactions``),
    shared by every process. A reorg may take a transaction out of the chain after any process
    sent it, and the node forgets it; a nonce found missing is then sent again from here, as it
    was, and filled with an empty transfer only when nothing was recorded at it."""

    # Nonces kept below the newest one recorded: far deeper than any reorg.
    KEEP = 4096

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def record(self, address: str, signed: Sequence[tuple[int, str, str]]) -> None:
        """Records (nonce, hash, raw bytes) of transactions about to be sent, in a transaction
        of its own; a nonce signed again (a filler in a gap, another transaction after a failed
        send) keeps the newest."""
        with writer_turn(self.engine), self.engine.begin() as conn:
            self.record_on(conn, address, signed)

    def record_on(self, conn: Any, address: str, signed: Sequence[tuple[int, str, str]]) -> None:
        """What ``record`` does, on the caller's connection."""
        if not signed:
            return
        rows = [
            {"address": address, "nonce": nonce, "tx_hash": tx_hash, "raw_hex": raw}
            for nonce, tx_hash, raw in signed
        ]
        oldest_kept = min(nonce for nonce, _, _ in signed) - self.KEEP
        record, prune = _sent_log_statements(self.engine.dialect.name)
        conn.execute(record, rows)
        conn.execute(prune, {"address": address, "oldest_kept": oldest_kept})

    def forget(self, conn: Any, address: str, nonce: int) -> None:
        """Drops what was recorded at a nonce taken back unsent, on the caller's connection."""
        conn.execute(
            delete(SentTransaction).where(
                SentTransaction.address == address, SentTransaction.nonce == nonce
            )
        )

    def from_nonce(
        self, address: str, low: int, high: int | None = None
    ) -> dict[int, tuple[str, str]]:
        """(hash, raw bytes) by nonce of what was recorded at ``low`` ≤ nonce < ``high`` (with
        no ``high``, the lowest DEFAULT_WINDOW from ``low``)."""
        columns = (SentTransaction.nonce, SentTransaction.tx_hash, SentTransaction.raw_hex)
        query = select(*columns).where(
            SentTransaction.address == address, SentTransaction.nonce >= low
        )
        if high is None:
            query = query.order_by(SentTransaction.nonce).limit(DEFAULT_WINDOW)
        else:
            query = query.where(SentTransaction.nonce < high)
        with self.engine.connect() as conn:
            return {int(nonce): (tx_hash, raw) for nonce, tx_hash, raw in conn.execute(query)}


class TxSender:
    """Sends transactions for ``signer``: estimate, nonce, sign, send, receipt, decoded events."""

    def __init__(
        self,
        w3: Web3,
        signer: LocalAccount,
        nonces: NonceAllocator,
        *,
        events: EventDecoder,
        errors: ErrorDecoder,
        confirmations: int = 0,
        receipt_timeout: float = 120.0,
        max_fee_per_gas: int | None = None,
        poll_interval: float = 0.05,
        fees: FeeCache | None = None,
    ) -> None:
        """``fees`` may be shared by senders of one node; without it the sender keeps its own,
        capped at ``max_fee_per_gas``."""
        self.w3 = w3
        self.signer = signer
        self.address = to_checksum_address(signer.address)
        self.nonces = nonces
        self.events = events
        self.errors = errors
        self.confirmations = confirmations
        self.receipt_timeout = receipt_timeout
        self.poll_interval = poll_interval
        self.fees = fees if fees is not None else FeeCache(w3, max_fee_per_gas)
        self.sent_log = SentLog(nonces.engine)
        self._chain_id: int | None = None
        # The signed bytes of every transaction this sender waits for, by nonce: what a reorg
        # dropped is sent again as it was (the same hash, the same forward requests inside).
        self._in_flight: dict[int, tuple[str, str]] = {}
        # And of those returned in the last RECENT_SECONDS: a reorg deeper than the
        # confirmations may still take them out, and a nonce gap below a later one is then one of
        # these, to be sent again rather than filled.
        self._recent: dict[int, tuple[str, str, float]] = {}
        # Nonces the node lacked at the last gap check: filled only if still missing at the
        # next, so that the sender a reorg took them from has sent them again first.
        self._missing: set[int] = set()
        # Recorded nonces above the node's count at the last look: sent again if still there
        # at the next (their sender had the time to send them itself).
        self._unsent: set[int] = set()

    @property
    def chain_id(self) -> int:
        if self._chain_id is None:
            with node_errors():
                self._chain_id = self.w3.eth.chain_id
        return self._chain_id

    def transact(
        self,
        call: Call,
        on_sent: Callable[[str], None] | None = None,
        *,
        on_signed: Callable[[Any, str], None] | None = None,
        data_in: Callable[[Any], bytes] | None = None,
        before_send: Callable[[], None] | None = None,
    ) -> TxOutcome:
        """Sends ``call`` and waits for it; raises ContractRevert (named error) if it reverts.
        ``on_signed`` runs with the database connection and the transaction's hash in the
        transaction that hands out its nonce and records its bytes, before it is sent (what the
        caller records about it commits with them); ``on_sent`` hears the hash as soon as the
        node took it (another one than ``on_signed`` heard if the nonce had to change).
        ``data_in``, for a call with its own gas, makes the call's data in that transaction
        before it is signed, with the connection (the relayer hands out its members' forwarder
        nonces there: one turn at the database's writer for both). ``before_send`` runs once
        that transaction committed, before anything is sent."""
        if data_in is not None and call.gas is None:
            raise ValueError("a call whose data is made at signing needs its own gas")
        return self._send_window([call], on_sent, on_signed, data_in, before_send)[0]

    def send_many(
        self,
        calls: Sequence[Call],
        *,
        window: int = DEFAULT_WINDOW,
        on_sent: Callable[[str], None] | None = None,
        on_signed: Callable[[Any, str], None] | None = None,
    ) -> list[TxOutcome]:
        """Sends ``calls`` in order, at most ``window`` in flight, each window to its receipts.

        Bounded windows keep the node's pending pool small (Anvil stalls under huge bursts).
        The first failure is raised once its window has drained, so no nonce is left pending.
        Gas is estimated on the state before the window: a call that depends on an earlier one
        in the same window needs ``window=1`` or its own ``Call.gas``.
        """
        if window < 1:
            raise ValueError("window must be at least 1")
        outcomes: list[TxOutcome] = []
        for start in range(0, len(calls), window):
            outcomes.extend(self._send_window(calls[start : start + window], on_sent, on_signed))
        return outcomes

    def _prepare(self, calls: Sequence[Call]) -> tuple[list[dict[str, Any]], int]:
        """The transactions of ``calls`` with their gas, and the node's pending count for this
        signer, asked in one JSON-RPC batch (one round trip instead of one per question). A call
        that would revert raises its named error here, before anything is sent."""
        txs: list[dict[str, Any]] = [
            {
                "from": self.address,
                "to": checksummed(call.to),
                "data": call.data,
                "value": call.value,
            }
            for call in calls
        ]
        estimated = [index for index, call in enumerate(calls) if call.gas is None]
        batch = [
            (
                RPCEndpoint("eth_estimateGas"),
                [
                    {
                        **txs[index],
                        "data": "0x" + txs[index]["data"].hex(),
                        "value": hex(txs[index]["value"]),
                    }
                ],
            )
            for index in estimated
        ]
        batch.append((RPCEndpoint("eth_getTransactionCount"), [self.address, "pending"]))
        responses = batch_responses(self.w3, batch)
        for index, response in zip(estimated, responses, strict=False):
            estimate = int(batch_result(response, self.errors, calls[index].contract), 16)
            txs[index]["gas"] = estimate * GAS_MARGIN_NUMERATOR // GAS_MARGIN_DENOMINATOR
        for tx, call in zip(txs, calls, strict=True):
            if call.gas is not None:
                tx["gas"] = call.gas
        return txs, int(batch_result(responses[-1], self.errors), 16)

    def _send_window(
        self,
        calls: Sequence[Call],
        on_sent: Callable[[str], None] | None,
        on_signed: Callable[[Any, str], None] | None = None,
        data_in: Callable[[Any], bytes] | None = None,
        before_send: Callable[[], None] | None = None,
    ) -> list[TxOutcome]:
        txs, node_pending = self._prepare(calls)
        fees = self._fees()
        chain_id = self.chain_id
        signed: list[tuple[str, str]] = []

        def sign_and_record(conn: Any, first: int) -> None:
            # Signed and recorded in the nonces' own transaction: no nonce is handed out
            # without its bytes, and no extra turn at the database's writer.
            if data_in is not None:
                (tx,) = txs
                tx["data"] = data_in(conn)
            for offset, tx in enumerate(txs):
                tx.update(fees, nonce=first + offset, chainId=chain_id)
            signed[:] = [self._sign(tx) for tx in txs]
            self.sent_log.record_on(
                conn,
                self.address,
                [(tx["nonce"], *pair) for tx, pair in zip(txs, signed, strict=True)],
            )
            if on_signed is not None:
                for tx_hash, _ in signed:
                    on_signed(conn, tx_hash)

        first = self.nonces.allocate(
            self.address, len(txs), node_pending=node_pending, also=sign_and_record
        )
        if before_send is not None:
            before_send()
        sent: list[tuple[Call, dict[str, Any], str]] = []
        failure: Exception | None = None
        for offset, tx in enumerate(txs):
            try:
                tx_hash, raw = self._send_signed(tx, signed[offset])
            except Exception as exc:
                self._give_back(list(range(first + offset, first + len(txs))))
                failure = exc
                break
            self._in_flight[tx["nonce"]] = (tx_hash, raw)
            sent.append((calls[offset], tx, tx_hash))
            if on_sent is not None:
                on_sent(tx_hash)
        outcomes: list[TxOutcome] = []
        try:
            receipts = self._wait_for_receipts([(tx_hash, tx["nonce"]) for _, tx, tx_hash in sent])
        finally:
            now = time.monotonic()
            for _, tx, tx_hash in sent:
                _, raw = self._in_flight.pop(tx["nonce"], (tx_hash, ""))
                if raw:
                    self._recent[tx["nonce"]] = (tx_hash, raw, now)
            for nonce in [
                n for n, (_, _, at) in list(self._recent.items()) if now - at > RECENT_SECONDS
            ]:
                self._recent.pop(nonce, None)
        for (call, tx, tx_hash), receipt in zip(sent, receipts, strict=True):
            if receipt["status"] != 1:
                failure = failure or self._failure_reason(call, tx, tx_hash, receipt)
                continue
            outcomes.append(
                TxOutcome(
                    tx_hash=tx_hash,
                    nonce=tx["nonce"],
                    block_number=int(receipt["blockNumber"]),
                    block_hash="0x" + bytes(receipt["blockHash"]).hex(),
                    status=1,
                    gas_used=int(receipt["gasUsed"]),
                    events=self.events.decode_all(receipt["logs"]),
                    block_timestamp=receipt_block_timestamp(receipt),
                )
            )
        if failure is not None:
            raise failure
        return outcomes

    def _fees(self) -> dict[str, int]:
        with node_errors():
            return self.fees.fields()

    def _sign(self, tx: dict[str, Any]) -> tuple[str, str]:
        """The hash and signed bytes of ``tx``."""
        signed = self.signer.sign_transaction(tx)
        return "0x" + bytes(signed.hash).hex(), "0x" + bytes(signed.raw_transaction).hex()

    def _send_signed(self, tx: dict[str, Any], signed: tuple[str, str]) -> tuple[str, str]:
        """Sends ``tx`` as ``signed`` (hash, bytes, recorded); if the node says the nonce is
        taken, signs, records and sends it again with a fresh one. Returns the hash and bytes."""
        tx_hash, raw = signed
        for _ in range(_MAX_NONCE_RETRIES):
            try:
                self._rpc("eth_sendRawTransaction", [raw])
                return tx_hash, raw
            except Web3RPCError as exc:
                message = str(exc).lower()
                if "already known" in message:
                    return tx_hash, raw
                if not any(marker in message for marker in _NONCE_TAKEN):
                    raise
                # Someone outside this table used the nonce; it is consumed, take the next free
                # one (what is recorded at the old one can never be mined, and is harmless).
                tx["nonce"] = self.nonces.allocate(self.address)
                tx_hash, raw = self._sign(tx)
                self.sent_log.record(self.address, [(tx["nonce"], tx_hash, raw)])
        raise ChainUnavailable(
            f"could not find a free nonce for {self.address} in {_MAX_NONCE_RETRIES} tries"
        )

    def _give_back(self, nonces: list[int]) -> None:
        """Returns unsent nonces; those that cannot be returned are filled by empty self-transfers.

        A hole in a signer's nonces would hold back every later transaction of that signer.
        """
        pending = sorted(nonces, reverse=True)
        while pending and self.nonces.release(
            self.address,
            pending[0],
            also=lambda conn, nonce=pending[0]: self.sent_log.forget(conn, self.address, nonce),
        ):
            pending.pop(0)
        for nonce in sorted(pending):
            if not self._fill(nonce):
                return

    def _fill(self, nonce: int) -> bool:
        """Sends an empty self-transfer at ``nonce``; False if the node refused or is gone."""
        filler = {
            "from": self.address,
            "to": self.address,
            "value": 0,
            "data": b"",
            "gas": TRANSFER_GAS,
            "nonce": nonce,
            "chainId": self.chain_id,
            **self._fees(),
        }
        tx_hash, raw = self._sign(filler)
        try:
            # Recorded first like any other: a reorg may drop the filler as well.
            self.sent_log.record(self.address, [(nonce, tx_hash, raw)])
            self._rpc("eth_sendRawTransaction", [raw])
        except (ChainUnavailable, Web3RPCError):
            # The node is gone, or the nonce got used after all: allocation resyncs either way.
            return False
        return True

    def _fill_gap_below(self, nonce: int) -> None:
        """Fills nonces the node has not seen below ``nonce``, which keep ``nonce`` queued.

        They were reserved and never sent (a worker died between allocation and sending, or the
        table outlived a development chain that was restarted). A worker that still holds one
        of them gets "nonce too low" when it sends and moves on to a fresh nonce.
        """
        with node_errors():
            on_chain = self.w3.eth.get_transaction_count(self.address, "pending")
        missing_now = set(range(on_chain, nonce))
        recorded = self.sent_log.from_nonce(self.address, on_chain, nonce) if missing_now else {}
        for missing in sorted(missing_now):
            # One a reorg dropped goes again as it was, whichever process sent it, not replaced
            # by an empty one (that would lose the requests a relayed batch carried).
            if missing in recorded:
                self._resend(*recorded[missing])
            elif missing in self._missing and not self._fill(missing):
                break
        self._missing = missing_now

    def resend_reorged(self) -> int:
        """Sends again, as they were, transactions a reorg deeper than the confirmations took
        out after their writes were answered: those this sender returned in the last
        RECENT_SECONDS that the node no longer knows, and those any process recorded above the
        node's count for this signer at two looks in a row (their sender may be gone, and with
        no later transaction there is no gap for a gap check to find). Returns how many."""
        sent = 0
        recent = sorted(self._recent.items())
        if recent:
            answers = batch_responses(
                self.w3,
                [
                    (RPCEndpoint("eth_getTransactionByHash"), [tx_hash])
                    for _, (tx_hash, _, _) in recent
                ],
            )
            for (_, (tx_hash, raw, _)), answer in zip(recent, answers, strict=True):
                if "error" not in answer and answer.get("result") is None:
                    sent += self._resend(tx_hash, raw)
        with node_errors():
            on_chain = self.w3.eth.get_transaction_count(self.address, "pending")
        above = self.sent_log.from_nonce(self.address, on_chain)
        for nonce in sorted(above.keys() & self._unsent):
            sent += self._resend(*above[nonce])
        self._unsent = set(above)
        return sent

    def _resend(self, tx_hash: str, raw: str) -> bool:
        """Sends signed bytes again if the node no longer knows the transaction: a reorg took
        it out of the chain and the node forgot it. Refused if its nonce was used meanwhile
        (the wait then times out and recovery takes over). True if it sent them."""
        try:
            if self._rpc("eth_getTransactionByHash", [tx_hash]) is not None:
                return False  # moved to another block, or back in the pool
            log.warning("transaction %s left the chain in a reorg; sending it again", tx_hash)
            self._rpc("eth_sendRawTransaction", [raw])
        except Web3RPCError as exc:
            message = str(exc).lower()
            if "already known" in message:
                return False
            if self._rpc("eth_getTransactionByHash", [tx_hash]) is not None:
                return False  # another process sent it again first, and it was mined
            log.warning("could not send a dropped transaction again: %s", exc)
            return False
        return True

    def _wait_for_receipts(self, sent: list[tuple[str, int]]) -> list[Any]:
        """Receipts of the ``sent`` (hash, nonce) pairs, ``confirmations`` blocks deep."""
        deadline = time.monotonic() + self.receipt_timeout
        gap_check = time.monotonic() + GAP_CHECK_SECONDS
        receipts: dict[str, Any] = {}
        dropped: set[str] = set()
        delay = FIRST_POLL_SECONDS
        while True:
            with node_errors():
                for tx_hash, _ in sent:
                    if tx_hash not in receipts:
                        receipt = self._rpc("eth_getTransactionReceipt", [tx_hash])
                        if receipt is not None:
                            receipts[tx_hash] = _normalized_receipt(receipt)
                if len(receipts) == len(sent) and self._deep_enough(receipts):
                    dropped = self._reorged_out(receipts)
                    if not dropped:
                        return [receipts[tx_hash] for tx_hash, _ in sent]
            waiting = [nonce for tx_hash, nonce in sent if tx_hash not in receipts]
            if dropped:
                # A reorg took them out of the chain: the same bytes again, at once.
                for tx_hash, nonce in sent:
                    if tx_hash in dropped and nonce in self._in_flight:
                        self._resend(*self._in_flight[nonce])
                dropped = set()
            now = time.monotonic()
            if now > deadline:
                missing = next((h for h, _ in sent if h not in receipts), sent[-1][0])
                raise ReceiptTimeout(missing, self.receipt_timeout)
            if waiting and now > gap_check:
                self._fill_gap_below(min(waiting))
                # A reorg may also have emptied the pool of ours not yet mined, or taken out
                # ours answered already.
                for tx_hash, nonce in sent:
                    if tx_hash not in receipts and nonce in self._in_flight:
                        self._resend(*self._in_flight[nonce])
                self.resend_reorged()
                gap_check = now + GAP_CHECK_SECONDS
            time.sleep(delay)
            delay = min(2 * delay, self.poll_interval)

    def _rpc(self, method: str, params: list[Any]) -> Any:
        """One JSON-RPC call straight to the provider: the hot path's calls need none of web3's
        middleware and result formatting, which cost more Python than the round trip."""
        with node_errors():
            response = self.w3.provider.make_request(RPCEndpoint(method), params)
        if "error" in response:
            raise rpc_error(response)
        return response["result"]

    def _deep_enough(self, receipts: dict[str, Any]) -> bool:
        if self.confirmations == 0:
            return True
        head = self.w3.eth.block_number
        return all(head - int(r["blockNumber"]) >= self.confirmations for r in receipts.values())

    def _reorged_out(self, receipts: dict[str, Any]) -> set[str]:
        """The transactions whose receipt's block a reorg replaced; their receipts are dropped
        (the transaction may be in another block now, or in none)."""
        if self.confirmations == 0:
            return set()
        stale = {
            tx_hash
            for tx_hash, receipt in receipts.items()
            if bytes(self.w3.eth.get_block(receipt["blockNumber"])["hash"])
            != bytes(receipt["blockHash"])
        }
        for tx_hash in stale:
            del receipts[tx_hash]
        return stale

    def _failure_reason(
        self, call: Call, tx: dict[str, Any], tx_hash: str, receipt: Any
    ) -> Exception:
        """Why a mined transaction failed: replayed on its block's state, which has the conflict."""
        replay = {key: tx[key] for key in ("from", "to", "data", "value", "gas")}
        try:
            with node_errors():
                self.w3.eth.call(replay, block_identifier=receipt["blockNumber"])  # type: ignore[arg-type]
        except (ContractLogicError, Web3RPCError) as exc:
            raw = revert_data(exc)
            if raw is not None:
                return self.errors.decode(raw, contract=call.contract, tx_hash=tx_hash)
        return TransactionFailed(tx_hash)
