"""The relayer: members' requests, recorded in `write_requests`, go out through the forwarder in
group-committed batches sent and paid for by one operator-funded account.

A request's row is written before anything is signed. The batcher collects the requests that
arrive within a few milliseconds (at most a bounded count), signs those of custodial members
(their forwarder nonces come from `forwarder_nonces`, allocated like transaction nonces, so
threads, workers and processes never share one), sends one `executeBatch`, and then, in one
database transaction, projects the whole batch's events into the read models and settles every
row: done with its events, or failed with its own named error. One failing request never fails
another: the forwarder skips it.

Requests a member signs itself (self-custody, or `"sign": "self"`) get their nonce and deadline
when they are recorded (awaiting_signature, or pending_approval when a checker signs them) and
are relayed as they are once the signature is posted; the relayer never signs them. One not
signed in time expires (or a checker rejects it), and its nonce goes back for reuse when nothing
was allocated after it (see `give_back_nonces` for what a later allocation means).

Exactly once: a signed request can execute only at its member's forwarder nonce. A row not
finished by its owner (its process died: the owner's lease lapses) is taken over by any other
relayer's recovery, which looks whether the nonce was spent (then it finds the outcome in the
chain's logs) or relays the same request again.
"""

from __future__ import annotations

import logging
import os
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from eth_account import Account
from sqlalchemy import and_, bindparam, func, insert, or_, select, update
from sqlalchemy.orm import Session, make_transient_to_detached, sessionmaker
from web3.exceptions import ContractLogicError, TransactionNotFound, Web3RPCError

from backend.chain import forwarder
from backend.chain.errors import ChainError, ChainUnavailable, ContractRevert, revert_data
from backend.chain.fees import price_per_gas
from backend.chain.sender import TxOutcome, node_errors
from backend.core.database import connection, engine_for, transaction
from backend.core.errors import DomainError, Gone, Unavailable
from backend.core.sqltypes import utc_now
from backend.relay import attachments as attached
from backend.relay.metrics import WriteMetrics
from backend.relay.models import (
    DONE,
    EXPIRED,
    FAILED,
    RECEIVED,
    RELAYABLE,
    SENT,
    SIGNED,
    UNSIGNED,
    VOID,
    ForwarderNonce,
    WriteRequest,
)

if TYPE_CHECKING:
    from eth_account.signers.local import LocalAccount

    from backend.chain.client import Chain, Snapshot
    from backend.chain.sender import Call, NonceAllocator, TxSender
    from backend.core.settings import Settings
    from backend.members.keystore import Keystore

log = logging.getLogger("tiercredit.relay")

# How far back recovery looks for a spent nonce's ExecutedForwardRequest when it has no hash.
LOG_SEARCH_BLOCKS = 50_000
# A request skipped by the forwarder (its nonce not reached yet: the member's earlier request is
# still in another batch, perhaps another process's) is tried again this often, after a pause
# doubling from the first to the longest (about 3 s in all): retried at once, it spent its tries
# in a tenth of a second while that batch waited for the database.
MAX_SKIPS = 8
FIRST_SKIP_PAUSE_SECONDS = 0.02
LONGEST_SKIP_PAUSE_SECONDS = 1.0
# What the call that fills a custodial member's nonce gap (a view) is given.
GAP_FILLER_GAS = 50_000


# The statements every batch runs, built once (Core, on the table: the ORM would load each row
# first, and building them cost more CPU than running them).
_requests = WriteRequest.__table__


def _each_row(**values: Any) -> Any:
    """An update of the rows by `row_id`, one parameter set per row (executemany)."""
    return update(_requests).where(_requests.c.id == bindparam("row_id")).values(**values)


_HOLD_NONCE = _each_row(forwarder_nonce=bindparam("nonce"))
_MARK_SENT = _each_row(
    status=SENT,
    tx_hash=bindparam("sent_hash"),
    lease_until=bindparam("sent_lease"),
    deadline=bindparam("signed_deadline"),
    signature_hex=bindparam("signature"),
)
_MARK_DONE = _each_row(
    status=DONE,
    tx_hash=bindparam("done_hash"),
    block_number=bindparam("done_block"),
    outcome=bindparam("row_outcome"),
    owner=None,
)
_RECORD = insert(_requests).returning(_requests.c.id)
# Each signer's lowest nonce held by a request waiting for a signature or voided holding it.
_LOWEST_WAITING_NONCE = (
    select(_requests.c.signer, func.min(_requests.c.forwarder_nonce))
    .where(
        _requests.c.signer.in_(bindparam("signers", expanding=True)),
        _requests.c.status.in_(UNSIGNED + VOID),
        _requests.c.forwarder_nonce.is_not(None),
    )
    .group_by(_requests.c.signer)
)


class RelayerOutOfFunds(Unavailable):
    """The relayer's balance does not cover a batch's gas; the operator must fund it."""

    def __init__(self, relayer: str, balance_wei: int, needed_wei: int) -> None:
        super().__init__(
            "RelayerOutOfFunds",
            "the relayer that pays members' gas is short of funds; the operator must top it up",
            {"relayer": relayer, "balance_wei": str(balance_wei), "needed_wei": str(needed_wei)},
            retry_after_seconds=30,
        )


class RelayerNotConfigured(Unavailable):
    def __init__(self) -> None:
        super().__init__(
            "RelayerNotConfigured",
            "no relayer key is configured (TIERCREDIT_RELAYER_PRIVATE_KEY)",
            retry_after_seconds=30,
        )


class RequestUnfinished(Unavailable):
    """The request is recorded (and maybe signed or sent) but its outcome is not known yet; it
    is finished by recovery, and a retry with its Idempotency-Key then answers that outcome."""

    # IdempotentRequest keeps the claim: releasing it would let a retry act a second time.
    keeps_claim = True

    def __init__(self, request_id: str, reason: str) -> None:
        super().__init__(
            "RequestUnfinished",
            f"the request is recorded and will be finished: {reason}",
            {"request_id": request_id},
            retry_after_seconds=5,
        )
        self.request_id = request_id


class RequestExpired(Gone):
    """A request its member did not sign in time (or whose signed deadline passed before it
    could be relayed): it can never run; the action must be asked for again."""

    def __init__(self, request_id: str, expires_at: datetime | None, deadline: int | None) -> None:
        super().__init__(
            "RequestExpired",
            "the request was not signed and relayed in time; send the action again",
            {
                "request_id": request_id,
                "expires_at": None if expires_at is None else expires_at.isoformat(),
                "deadline": deadline,
            },
        )


@dataclass
class _Job:
    row_id: int
    public_id: str
    signer: str
    to: str
    data: bytes
    gas: int
    signing: str
    # `Contract.function`: what the metrics count outcomes by.
    operation: str = ""
    nonce: int | None = None
    deadline: int | None = None
    signature: bytes | None = None
    tx_hash: str | None = None
    skips: int = 0
    # Stored with the request's events once it is mined (backend/relay/attachments.py).
    attachments: list[attached.Attachment] = field(default_factory=list)
    # Whether an HTTP request waits for the outcome (it then stores its own answer).
    waited: bool = False
    future: Future[TxOutcome] = field(default_factory=Future)

    def request(self) -> forwarder.ForwardRequest:
        assert self.nonce is not None and self.deadline is not None
        return forwarder.ForwardRequest(
            self.signer, self.to, self.data, self.gas, self.nonce, self.deadline
        )


def forward_request(row: WriteRequest) -> forwarder.ForwardRequest:
    """The forward request a row with a nonce and a deadline stands for (what its member signs)."""
    return _job_of(row).request()


def _job_of(row: WriteRequest) -> _Job:
    return _Job(
        row_id=row.id,
        public_id=row.public_id,
        signer=row.signer,
        to=row.target,
        data=bytes.fromhex(row.data_hex),
        gas=row.gas,
        signing=row.signing,
        operation=f"{row.contract}.{row.function}",
        nonce=row.forwarder_nonce,
        deadline=row.deadline,
        signature=bytes.fromhex(row.signature_hex) if row.signature_hex else None,
        tx_hash=row.tx_hash,
        attachments=list(row.attachments or ()),
    )


class Relayer:
    """One per API process: batches, signs, sends and settles members' requests."""

    def __init__(
        self,
        chain_provider: Callable[[], Chain],
        factory: sessionmaker[Session],
        keystore: Keystore,
        settings: Settings,
        metrics: WriteMetrics | None = None,
    ) -> None:
        self._chain_provider = chain_provider
        self._factory = factory
        self._keystore = keystore
        self._settings = settings
        self.metrics = metrics
        self.instance = uuid.uuid4().hex
        self.lease = timedelta(seconds=settings.request_lease_seconds)
        self._queue: list[_Job] = []
        self._cond = threading.Condition()
        self._in_flight: dict[int, _Job] = {}
        self._pool = ThreadPoolExecutor(
            max_workers=settings.relay_batches_in_flight, thread_name_prefix="relay-batch"
        )
        # A batch is formed only when one of these is free: while every batch in flight is busy,
        # requests gather in the queue and leave together, instead of queuing as small batches.
        self._slots = threading.BoundedSemaphore(settings.relay_batches_in_flight)
        self._started = False
        self._stopping = False
        self._lock = threading.Lock()
        self._account: LocalAccount | None = None
        self._sender: TxSender | None = None
        self._member_nonces: NonceAllocator | None = None

    # --- the account that pays ---------------------------------------------------------------

    @property
    def account(self) -> LocalAccount:
        if self._account is None:
            key = self._settings.relayer_private_key
            if not key:
                raise RelayerNotConfigured()
            self._account = Account.from_key(key)
        return self._account

    @property
    def address(self) -> str:
        return str(self.account.address)

    def balance(self) -> int:
        chain = self._chain_provider()
        with node_errors():
            return int(chain.w3.eth.get_balance(self.address))

    def _tx_sender(self, chain: Chain) -> TxSender:
        with self._lock:
            if self._sender is None:
                from backend.chain.sender import NonceAllocator

                engine = engine_for(self._settings.database_url)
                self._sender = chain.sender(
                    self.account, NonceAllocator(engine, chain.w3), self._settings
                )
            return self._sender

    def _nonces_of_members(self, chain: Chain) -> NonceAllocator:
        with self._lock:
            if self._member_nonces is None:
                from backend.chain.sender import NonceAllocator

                engine = engine_for(self._settings.database_url)
                self._member_nonces = NonceAllocator(engine, chain.w3, ForwarderNonce)
            return self._member_nonces

    def allocate_member_nonce(self, chain: Chain, signer: str) -> int:
        """A forwarder nonce for a request `signer` signs itself, from the table the custodial
        requests draw theirs from, so no two requests of one member ever share one."""
        from backend.chain.client import View

        (on_chain,) = chain.read_many([View(forwarder.FORWARDER, "nonces", (signer,))])
        return self._nonces_of_members(chain).allocate(signer, 1, node_pending=int(on_chain))

    def void_holding_nonce(self, signer: str) -> WriteRequest | None:
        """`signer`'s lowest expired or rejected request that still holds its nonce (not given
        back yet)."""
        with self._factory() as session:
            row = session.execute(
                select(WriteRequest)
                .where(
                    WriteRequest.signer == signer,
                    WriteRequest.status.in_(VOID),
                    WriteRequest.forwarder_nonce.is_not(None),
                )
                .order_by(WriteRequest.forwarder_nonce)
                .limit(1)
            ).scalar_one_or_none()
            if row is not None:
                session.expunge(row)
            return row

    def release_member_nonce(self, chain: Chain, signer: str, nonce: int) -> bool:
        """Takes back a nonce no request holds, if it is the last allocated."""
        return self._nonces_of_members(chain).release(signer, nonce)

    # --- entry points --------------------------------------------------------------------------

    def relay(self, row: WriteRequest) -> TxOutcome:
        """Queues the recorded request and waits for its outcome: its events, or its named error
        raised. Raises RequestUnfinished when the outcome is not known in time."""
        job = _job_of(row)
        job.waited = True
        self.start()
        with self._cond:
            self._queue.append(job)
            self._cond.notify_all()
        try:
            return job.future.result(timeout=self._settings.receipt_timeout_seconds + 30)
        except TimeoutError as exc:
            raise RequestUnfinished(job.public_id, "no receipt in time") from exc

    def stop(self) -> None:
        with self._cond:
            self._stopping = True
            self._cond.notify_all()
        self._pool.shutdown(wait=False, cancel_futures=True)

    def start(self) -> None:
        """Starts the batcher and the upkeep (leases, recovery) once."""
        with self._lock:
            if self._started:
                return
            self._started = True
        threading.Thread(target=self._batch_loop, name="relay-batcher", daemon=True).start()
        threading.Thread(target=self._upkeep_loop, name="relay-upkeep", daemon=True).start()

    # --- batching ------------------------------------------------------------------------------

    def _batch_loop(self) -> None:
        window = self._settings.batch_window_ms / 1000
        limit = self._settings.batch_max_requests
        while True:
            with self._cond:
                while not self._queue and not self._stopping:
                    self._cond.wait()
                if self._stopping:
                    return
            while not self._slots.acquire(timeout=0.5):
                if self._stopping:
                    return
            with self._cond:
                # Group commit: requests arriving within the window go in one batch.
                deadline = time.monotonic() + window
                while len(self._queue) < limit and (left := deadline - time.monotonic()) > 0:
                    self._cond.wait(left)
                batch, self._queue = self._queue[:limit], self._queue[limit:]
                for job in batch:
                    self._in_flight[job.row_id] = job
            self._pool.submit(self._run_batch, batch)

    def _run_batch(self, jobs: list[_Job]) -> None:
        try:
            self._relay_batch(jobs)
        except BaseException as exc:  # every waiter must hear something
            log.warning("batch of %d failed", len(jobs), exc_info=True)
            self._fail_unfinished(jobs, exc)
        finally:
            self._slots.release()
            with self._cond:
                for job in jobs:
                    self._in_flight.pop(job.row_id, None)

    def _relay_batch(self, jobs: list[_Job]) -> None:
        from backend.chain.client import View

        chain = self._chain_provider()
        sender = self._tx_sender(chain)
        jobs = self._settle_spent(chain, jobs)
        jobs = self._expire_past_deadline(chain, jobs)
        jobs = self._hold_back_blocked(jobs)
        if not jobs:
            return
        by_signer = self._unsigned_by_signer(jobs)
        # One round trip: the block time, the relayer's balance, the members' forwarder nonces.
        latest = chain.snapshot(
            [View(forwarder.FORWARDER, "nonces", (signer,)) for signer in by_signer],
            balance_of=self.address,
        )
        assert latest.balance is not None
        call = forwarder.batch_call(chain, [job.gas for job in jobs])
        self._check_funds(chain, jobs, call, latest.balance)

        def signed_requests(conn: Any) -> bytes:
            # The members' forwarder nonces and signatures, made in the transaction that hands
            # out the relayer's nonce: one turn at the database's writer for both.
            self._sign(conn, chain, jobs, by_signer, latest)
            return forwarder.execute_batch(
                chain, [(job.request(), job.signature) for job in jobs], self.address
            ).data

        def signed(conn: Any, tx_hash: str) -> None:
            # Marked sent, with the signatures it carries, in the transaction that hands out the
            # relayer's nonce: one turn at the writer.
            lease_until = utc_now() + self.lease
            conn.execute(
                _MARK_SENT,
                [
                    {
                        "row_id": job.row_id,
                        "sent_hash": tx_hash,
                        "sent_lease": lease_until,
                        "signed_deadline": job.deadline,
                        "signature": job.signature.hex() if job.signature else None,
                    }
                    for job in jobs
                ],
            )
            for job in jobs:
                job.tx_hash = tx_hash

        def sent(tx_hash: str) -> None:
            if any(job.tx_hash != tx_hash for job in jobs):  # sent at another nonce after all
                self._mark_sent(jobs, tx_hash)
            self._fault_point("after_send")

        outcome = sender.transact(
            call,
            on_sent=sent,
            on_signed=signed,
            data_in=signed_requests,
            before_send=lambda: self._fault_point("before_send"),
        )
        self._fault_point("after_receipt")
        self._settle(chain, jobs, outcome)

    def _expire_past_deadline(self, chain: Chain, jobs: list[_Job]) -> list[_Job]:
        """Requests their members signed whose deadline the chain's clock passed can never run
        (the forwarder would skip them on every try, and the relayer cannot sign them again):
        they expire, and their nonces go back where nothing was allocated after them."""
        member_signed = [j for j in jobs if j.signing != "custodial"]
        if not member_signed:
            return jobs
        with node_errors():
            now = int(chain.w3.eth.get_block("latest")["timestamp"])
        # The next block's timestamp is above `now`: a deadline at `now` has passed as well.
        dead = [j for j in member_signed if j.deadline is not None and j.deadline <= now]
        if not dead:
            return jobs
        errors: list[tuple[_Job, RequestExpired]] = []
        with transaction(self._factory) as session:
            for job in dead:
                row = session.get(WriteRequest, job.row_id)
                assert row is not None
                error = RequestExpired(job.public_id, row.expires_at, job.deadline)
                row.status, row.owner, row.outcome = EXPIRED, None, error_json(error)
                if not job.waited:
                    answer_recovered(session, row)
                errors.append((job, error))
        for job, error in errors:
            job.future.set_exception(error)
        for signer in {j.signer for j in dead}:
            self.give_back_nonces(chain, signer)
        dead_ids = {j.row_id for j in dead}
        return [j for j in jobs if j.row_id not in dead_ids]

    def _hold_back_blocked(self, jobs: list[_Job]) -> list[_Job]:
        """Requests behind a lower nonce of their signer that waits for a signature (the
        member's, or its checker's) or was voided holding it cannot run yet: the forwarder runs
        a member's requests in nonce order. They are not sent, nor given a nonce (a batch would
        only pay to skip them): their waiters hear RequestUnfinished, and recovery tries them
        again once their lease lapses."""
        signers = sorted({job.signer for job in jobs})
        with self._factory() as session:
            lowest = dict(session.execute(_LOWEST_WAITING_NONCE, {"signers": signers}).all())
        blocked = [
            job
            for job in jobs
            if job.signer in lowest and (job.nonce is None or job.nonce > lowest[job.signer])
        ]
        if not blocked:
            return jobs
        with transaction(self._factory) as session:
            session.execute(
                update(WriteRequest)
                .where(WriteRequest.id.in_([job.row_id for job in blocked]))
                .values(owner=None, lease_until=utc_now() + self.lease)
            )
        for job in blocked:
            job.future.set_exception(
                RequestUnfinished(
                    job.public_id,
                    "it waits for an earlier request of its member to be signed or to expire",
                )
            )
        held = {job.row_id for job in blocked}
        return [job for job in jobs if job.row_id not in held]

    def _check_funds(self, chain: Chain, jobs: Sequence[_Job], call: Call, balance: int) -> None:
        """A batch (`call`, its gas the batch's limit) the relayer cannot pay for is refused
        before anything is signed (503)."""
        sender = self._tx_sender(chain)
        with node_errors():
            per_gas = price_per_gas(sender.fees.fields())
        if per_gas == 0:
            return  # a gas-free permissioned chain: nothing needs funding
        assert call.gas is not None
        needed = call.gas * per_gas
        if balance < needed:
            error = RelayerOutOfFunds(self.address, balance, needed)
            # Unsigned requests fail (a retry acts anew); signed ones wait to be relayed later.
            self._finish_failed([j for j in jobs if j.nonce is None], error)
            self._finish_failed([j for j in jobs if j.nonce is not None], error, terminal=False)
            raise _Handled()

    @staticmethod
    def _unsigned_by_signer(jobs: Sequence[_Job]) -> dict[str, list[_Job]]:
        """The custodial requests that have no forwarder nonce yet, by member."""
        by_signer: dict[str, list[_Job]] = {}
        for job in jobs:
            if job.signing == "custodial" and job.nonce is None:
                by_signer.setdefault(job.signer, []).append(job)
        return by_signer

    def _sign(
        self,
        conn: Any,
        chain: Chain,
        jobs: Sequence[_Job],
        by_signer: dict[str, list[_Job]],
        latest: Snapshot,
    ) -> None:
        """Gives custodial requests their forwarder nonces (`by_signer`, whose nonces on chain
        are `latest.results`) and signatures, in the caller's transaction on `conn`, which
        records them before any is sent; a request whose deadline is near is signed again at
        its own nonce. `latest.block_time` is the chain's clock: the forwarder compares
        deadlines with block time, which need not be wall time."""
        now, ttl = latest.block_time, self._settings.forward_request_ttl_seconds
        unsigned = [job for signer_jobs in by_signer.values() for job in signer_jobs]
        if by_signer:
            firsts = self._nonces_of_members(chain).reserve_many(
                conn,
                {
                    signer: (len(signer_jobs), int(on_chain))
                    for (signer, signer_jobs), on_chain in zip(
                        by_signer.items(), latest.results, strict=True
                    )
                },
            )
            for signer, signer_jobs in by_signer.items():
                for offset, job in enumerate(signer_jobs):
                    job.nonce = firsts[signer] + offset
            # Each nonce is on its request's row in the transaction that hands it out: a crash
            # after it leaves no nonce that no request holds (recovery signs again).
            conn.execute(
                _HOLD_NONCE, [{"row_id": job.row_id, "nonce": job.nonce} for job in unsigned]
            )
        for job in jobs:
            if job.signing != "custodial":
                continue
            if job.signature is None or job.deadline is None or job.deadline < now + 60:
                job.deadline = now + ttl
                job.signature = forwarder.sign(
                    chain, self._keystore.account(job.signer), job.request()
                )

    # --- settling ------------------------------------------------------------------------------

    def _settle(self, chain: Chain, jobs: Sequence[_Job], batch: TxOutcome) -> None:
        requests = [job.request() for job in jobs]
        results = forwarder.outcomes_by_request(batch.events, requests)
        done: list[tuple[_Job, TxOutcome]] = []
        failed: list[tuple[_Job, Exception]] = []
        again: list[_Job] = []
        for job, result in zip(jobs, results, strict=True):
            if result.executed and result.success:
                done.append((job, replace(batch, nonce=job.nonce or 0, events=result.events)))
            elif result.executed:
                failed.append((job, self._failure(chain, job, batch)))
            else:
                again.append(job)
        self._commit(chain, done, failed, batch)
        for job in again:
            job.skips += 1
            if job.skips > MAX_SKIPS:
                self._finish_failed(
                    [job],
                    RequestUnfinished(job.public_id, "the forwarder skipped it repeatedly"),
                    terminal=False,
                )
                continue
            # The lease, renewed when it was marked sent, outlasts the pause: no recovery takes it.
            pause = min(FIRST_SKIP_PAUSE_SECONDS * 2 ** (job.skips - 1), LONGEST_SKIP_PAUSE_SECONDS)
            timer = threading.Timer(pause, self._requeue, (job,))
            timer.daemon = True
            timer.start()

    def _requeue(self, job: _Job) -> None:
        with self._cond:
            self._queue.append(job)
            self._cond.notify_all()

    def _failure(self, chain: Chain, job: _Job, batch: TxOutcome) -> Exception:
        """Why a relayed call failed: replayed as its member on the batch's block."""
        call = {"from": job.signer, "to": job.to, "data": "0x" + job.data.hex()}
        try:
            with node_errors():
                chain.w3.eth.call(call, block_identifier=batch.block_number)  # type: ignore[arg-type]
        except (ContractLogicError, Web3RPCError) as exc:
            raw = revert_data(exc)
            if raw is not None:
                return chain.errors.decode(raw, tx_hash=batch.tx_hash)
        except ChainError as exc:
            return exc
        return ContractRevert("ForwardedCallFailed", {}, b"", tx_hash=batch.tx_hash)

    def _commit(
        self,
        chain: Chain,
        done: Sequence[tuple[_Job, TxOutcome]],
        failed: Sequence[tuple[_Job, Exception]],
        batch: TxOutcome,
    ) -> None:
        """One transaction: the batch's events into the read models, every row settled."""
        from backend.readmodels.projector import project

        stamps = {batch.block_number: batch.block_timestamp} if batch.block_timestamp else {}
        with transaction(self._factory) as session:
            # The whole batch, the forwarder's ExecutedForwardRequest logs too: they name the
            # member behind each call (a freeze's reads say who froze it).
            project(session, batch.events, block_timestamps=stamps)
            for job, _ in done:
                attached.apply(session, job.attachments)
            if done:
                # One statement for the batch's rows (Core: the ORM would load each row first).
                session.execute(
                    _MARK_DONE,
                    [
                        {
                            "row_id": job.row_id,
                            "done_hash": batch.tx_hash,
                            "done_block": batch.block_number,
                            "row_outcome": outcome_json(outcome),
                        }
                        for job, outcome in done
                    ],
                )
            for job, _ in done:
                if not job.waited:
                    row = session.get(WriteRequest, job.row_id)
                    assert row is not None
                    answer_recovered(session, row)
            for job, error in failed:
                self._settle_failed_row(session, job, error, batch)
        if self.metrics is not None:
            for job, _ in done:
                self.metrics.settled(job.operation, None)
        for job, outcome in done:
            job.future.set_result(replace(outcome, projected=True))
        for job, error in failed:
            job.future.set_exception(error)

    def _settle_failed_row(
        self, session: Session, job: _Job, error: Exception, batch: TxOutcome | None
    ) -> None:
        row = session.get(WriteRequest, job.row_id)
        assert row is not None
        row.status = FAILED
        row.owner = None
        if batch is not None:
            row.tx_hash, row.block_number = batch.tx_hash, batch.block_number
        row.outcome = error_json(error)
        if not job.waited:
            answer_recovered(session, row)
        if self.metrics is not None:
            self.metrics.settled(job.operation, error)

    def _finish_failed(
        self, jobs: Sequence[_Job], error: Exception, *, terminal: bool = True
    ) -> None:
        if terminal:
            with transaction(self._factory) as session:
                for job in jobs:
                    self._settle_failed_row(session, job, error, None)
        else:
            self._release(jobs)
        for job in jobs:
            if not job.future.done():
                job.future.set_exception(error)

    def _fail_unfinished(self, jobs: Sequence[_Job], exc: BaseException) -> None:
        """A batch that broke off (node gone, crash of a step): rows go back to recovery, which
        finds out what happened; waiters hear that the outcome is pending."""
        if isinstance(exc, _Handled):
            return
        pending = [job for job in jobs if not job.future.done()]
        try:
            self._release(pending)
        except Exception:
            log.warning("could not release %d requests", len(pending), exc_info=True)
        for job in pending:
            if job.nonce is None and isinstance(exc, ChainUnavailable | Unavailable):
                # Nothing was signed: the request can be failed outright and retried anew.
                self._finish_failed([job], exc)
            else:
                job.future.set_exception(RequestUnfinished(job.public_id, str(exc)))

    # --- recovery ------------------------------------------------------------------------------

    def _settle_spent(self, chain: Chain, jobs: list[_Job]) -> list[_Job]:
        """Recovered requests whose nonce is spent already ran: their outcome is on chain."""
        signed = [j for j in jobs if j.nonce is not None and j.signature is not None]
        if not signed:
            return jobs
        from backend.chain.client import View

        spent = chain.read_many([View(forwarder.FORWARDER, "nonces", (j.signer,)) for j in signed])
        ran = [j for j, nonce in zip(signed, spent, strict=True) if int(nonce) > (j.nonce or 0)]
        for job in ran:
            batch = self._executed_batch(chain, job)
            if batch is None:
                log.warning("request %s: nonce spent but no execution found", job.public_id)
                continue
            self._settle(chain, [job], batch)
        ran_ids = {j.row_id for j in ran}
        return [j for j in jobs if j.row_id not in ran_ids]

    def _executed_batch(self, chain: Chain, job: _Job) -> TxOutcome | None:
        """The transaction that executed `job`'s (signer, nonce): the one its row names, or else
        the one its ExecutedForwardRequest log names. The row's may be a batch that skipped it:
        the request went out again and the newer hash was never recorded (that mark failed
        after the send), and settling from the older one would skip it for ever."""
        if job.tx_hash:
            outcome = self._execution_in(chain, job, job.tx_hash)
            if outcome is not None:
                return outcome
        contract = chain.contract(forwarder.FORWARDER)
        head = chain.w3.eth.block_number
        with node_errors():
            logs = contract.events.ExecutedForwardRequest.get_logs(
                from_block=max(head - LOG_SEARCH_BLOCKS, chain.manifest.deployment_block),
                argument_filters={"signer": job.signer},
            )
        for entry in logs:
            if int(entry["args"]["nonce"]) == job.nonce:
                tx_hash = "0x" + bytes(entry["transactionHash"]).hex()
                outcome = self._execution_in(chain, job, tx_hash)
                if outcome is not None:
                    return outcome
        return None

    def _execution_in(self, chain: Chain, job: _Job, tx_hash: str) -> TxOutcome | None:
        """Transaction `tx_hash` as the batch outcome that executed `job`; None if it did not."""
        try:
            with node_errors():
                receipt = chain.w3.eth.get_transaction_receipt(tx_hash)  # type: ignore[arg-type]
        except TransactionNotFound:
            return None  # never mined (a reorg dropped it, or it was never sent): not this one
        events = chain.events.decode_all(receipt["logs"])
        (result,) = forwarder.outcomes_by_request(events, [job.request()])
        if not result.executed:
            return None
        return TxOutcome(
            tx_hash=tx_hash,
            nonce=job.nonce or 0,
            block_number=int(receipt["blockNumber"]),
            block_hash="0x" + bytes(receipt["blockHash"]).hex(),
            status=int(receipt["status"]),
            gas_used=int(receipt["gasUsed"]),
            events=events,
        )

    def _upkeep_loop(self) -> None:
        """Extends the leases of this process's requests; takes over lapsed ones of others."""
        interval = max(self.lease.total_seconds() / 3, 0.2)
        while not self._stopping:
            try:
                self._heartbeat()
                if self._sender is not None:
                    # What a reorg deeper than the confirmations took out: sent again.
                    self._sender.resend_reorged()
                self.recover()
                self.expire_unsigned()
            except Exception:
                log.warning("relay upkeep failed", exc_info=True)
            time.sleep(interval)

    def _heartbeat(self) -> None:
        with self._cond:
            ids = list(self._in_flight) + [job.row_id for job in self._queue]
        if not ids:
            return
        # Rows a batch is updating now are skipped, not waited for: that batch renews their
        # lease itself, and waiting for one while holding the others deadlocked with it on
        # PostgreSQL (SQLite has no row locks: there this is the plain update).
        mine = (
            select(WriteRequest.id)
            .where(WriteRequest.id.in_(ids), WriteRequest.owner == self.instance)
            .with_for_update(skip_locked=True)
        )
        with transaction(self._factory) as session:
            session.execute(
                update(WriteRequest)
                .where(WriteRequest.id.in_(mine))
                .values(lease_until=utc_now() + self.lease)
            )

    def recover(self) -> int:
        """Takes over relayable requests whose owner's lease lapsed and queues them; answers
        idempotency keys of finished requests whose waiter is gone. Returns how many it took."""
        now = utc_now()
        lapsed = or_(WriteRequest.lease_until.is_(None), WriteRequest.lease_until < now)
        with transaction(self._factory) as session:
            rows = list(
                session.execute(
                    select(WriteRequest)
                    .where(WriteRequest.status.in_(RELAYABLE), lapsed)
                    .order_by(WriteRequest.id)
                    .limit(self._settings.batch_max_requests * 4)
                ).scalars()
            )
            taken: list[_Job] = []
            for row in rows:
                claimed = session.execute(
                    update(WriteRequest)
                    .where(
                        WriteRequest.id == row.id,
                        WriteRequest.status.in_(RELAYABLE),
                        or_(WriteRequest.lease_until.is_(None), WriteRequest.lease_until < now),
                    )
                    .values(owner=self.instance, lease_until=now + self.lease)
                )
                if claimed.rowcount == 1:  # type: ignore[attr-defined]
                    taken.append(_job_of(row))
            answer_abandoned(session, now - self.lease)
            orphaned = timedelta(seconds=self._settings.receipt_timeout_seconds + 60)
            release_orphan_claims(session, now - orphaned)
        if taken:
            log.info("recovering %d requests", len(taken))
            self.start()
            with self._cond:
                self._queue.extend(taken)
                self._cond.notify_all()
        return len(taken)

    # --- requests members sign ------------------------------------------------------------------

    def take_signature(
        self, row: WriteRequest, signature: bytes, *, checker_user_id: int | None = None
    ) -> WriteRequest | None:
        """Stores the signature of a request waiting for it (in the status `row` was read in:
        awaiting the member's, or pending a checker's, `checker_user_id`) and makes this relayer
        its owner (as `record_request` does), in one step; None when it no longer waits."""
        with transaction(self._factory) as session:
            taken = session.execute(
                update(WriteRequest)
                .where(WriteRequest.id == row.id, WriteRequest.status == row.status)
                .values(
                    status=SIGNED,
                    signature_hex=signature.hex(),
                    checker_user_id=checker_user_id,
                    owner=self.instance,
                    lease_until=utc_now() + self.lease,
                )
            )
            if taken.rowcount != 1:  # type: ignore[attr-defined]
                return None
            signed = session.get(WriteRequest, row.id)
            assert signed is not None
            session.expunge(signed)
        return signed

    def expire(self, row: WriteRequest) -> bool:
        """Expires one request awaiting a signature (its member's or a checker's) past its
        `expires_at`; False when it no longer awaited one. Its nonce goes back where it can
        (give_back_nonces)."""
        error = RequestExpired(row.public_id, row.expires_at, row.deadline)
        with transaction(self._factory) as session:
            expired = session.execute(
                update(WriteRequest)
                .where(WriteRequest.id == row.id, WriteRequest.status.in_(UNSIGNED))
                .values(status=EXPIRED, owner=None, outcome=error_json(error))
            )
        if expired.rowcount != 1:  # type: ignore[attr-defined]
            return False
        try:
            self.give_back_nonces(self._chain_provider(), row.signer)
        except ChainError:
            log.warning("nonces of %s not given back yet", row.signer, exc_info=True)
        return True

    def expire_unsigned(self) -> int:
        """The sweep: requests not signed by their `expires_at` expire, and the nonces of
        expired and rejected requests go back where they can. Returns how many expired now.

        A custodial request waiting for approval holds no nonce: it expires when a checker
        meets it (backend/requests/service.py), as it always has."""
        now = utc_now()
        with self._factory() as session:
            overdue = list(
                session.execute(
                    select(WriteRequest).where(
                        WriteRequest.status.in_(UNSIGNED),
                        WriteRequest.forwarder_nonce.is_not(None),
                        WriteRequest.expires_at <= now,
                    )
                ).scalars()
            )
            session.expunge_all()
        expired = 0
        for row in overdue:
            error = RequestExpired(row.public_id, row.expires_at, row.deadline)
            with transaction(self._factory) as session:
                changed = session.execute(
                    update(WriteRequest)
                    .where(WriteRequest.id == row.id, WriteRequest.status.in_(UNSIGNED))
                    .values(status=EXPIRED, owner=None, outcome=error_json(error))
                )
                expired += changed.rowcount  # type: ignore[attr-defined]
        with self._factory() as session:
            signers = list(
                session.execute(
                    select(WriteRequest.signer)
                    .where(WriteRequest.status.in_(VOID), WriteRequest.forwarder_nonce.is_not(None))
                    .distinct()
                ).scalars()
            )
        if signers:
            chain = self._chain_provider()
            for signer in signers:
                self.give_back_nonces(chain, signer)
        return expired

    def give_back_nonces(self, chain: Chain, signer: str) -> int:
        """Takes back the nonces of `signer`'s expired or rejected requests that can never run
        any more (the chain's clock passed their deadline, so any signature of them is void),
        highest first; returns how many it took back.

        A nonce comes back only while nothing was allocated after it (NonceAllocator.release).
        Otherwise it is a gap, and the forwarder runs none of the member's later requests until
        the gap is spent: for a custodial member the relayer fills it with a call that changes
        nothing (`Consortium.statusOf`) signed by the keystore. A self-custody member's later
        requests wait (the relayer holds them back, never sends them) until they expire too:
        then their nonces come back from the top, down through the gap, and the member's next
        request gets the gap's nonce. Until then no new request of the member is handed out to
        sign (409 ExpiredRequestHoldsNonce, or RejectedRequestHoldsNonce): it could never run.
        """
        with node_errors():
            now = int(chain.w3.eth.get_block("latest")["timestamp"])
        with self._factory() as session:
            held = list(
                session.execute(
                    select(WriteRequest.id, WriteRequest.forwarder_nonce, WriteRequest.member_id)
                    .where(
                        WriteRequest.signer == signer,
                        WriteRequest.status.in_(VOID),
                        WriteRequest.forwarder_nonce.is_not(None),
                        WriteRequest.deadline <= now,
                    )
                    .order_by(WriteRequest.forwarder_nonce.desc())
                ).all()
            )
        nonces = self._nonces_of_members(chain)
        given = 0
        for row_id, nonce, member_id in held:
            clear = (
                update(WriteRequest)
                .where(WriteRequest.id == row_id, WriteRequest.forwarder_nonce == nonce)
                .values(forwarder_nonce=None)
            )
            if nonces.release(signer, nonce, also=lambda conn, clear=clear: conn.execute(clear)):
                given += 1
                continue
            if not self._fill_gap(chain, row_id, member_id, signer, nonce):
                break  # a self-custody member's gap: the nonces below it are gaps as well
        return given

    def _fill_gap(self, chain: Chain, row_id: int, member_id: int, signer: str, nonce: int) -> bool:
        """Spends a custodial member's gap `nonce` with a call that changes nothing, recorded
        as a request of its own that recovery relays; False for a self-custody member."""
        from backend.members.models import Member

        filler = chain.prepare("Consortium", "statusOf", signer)
        with transaction(self._factory) as session:
            member = session.get(Member, member_id)
            if member is None or not member.custodial:
                return False
            moved = session.execute(
                update(WriteRequest)
                .where(WriteRequest.id == row_id, WriteRequest.forwarder_nonce == nonce)
                .values(forwarder_nonce=None)
            )
            if moved.rowcount != 1:  # type: ignore[attr-defined]
                return True  # another process took this nonce back already
            request = PreparedRequest(
                member_id=member_id,
                idempotency_key=None,
                signer=signer,
                contract="Consortium",
                function="statusOf",
                target=filler.to,
                data=filler.data,
                gas=GAP_FILLER_GAS,
            )
            session.add(new_request_row(request, signing="custodial", forwarder_nonce=nonce))
        log.info("filling %s's forwarder nonce %d left by an expired request", signer, nonce)
        return True

    # --- rows ----------------------------------------------------------------------------------

    def _mark_sent(self, jobs: Sequence[_Job], tx_hash: str) -> None:
        with transaction(self._factory) as session:
            session.execute(
                update(WriteRequest)
                .where(WriteRequest.id.in_([job.row_id for job in jobs]))
                .values(status=SENT, tx_hash=tx_hash, lease_until=utc_now() + self.lease)
            )
        for job in jobs:
            job.tx_hash = tx_hash

    def _release(self, jobs: Sequence[_Job]) -> None:
        if not jobs:
            return
        with transaction(self._factory) as session:
            session.execute(
                update(WriteRequest)
                .where(WriteRequest.id.in_([j.row_id for j in jobs]))
                .values(owner=None, lease_until=utc_now())
            )

    def _fault_point(self, name: str) -> None:
        """Test instrumentation: with TIERCREDIT_FAULT_PAUSE_AT=<name> the process announces
        it reached `name` (a file in TIERCREDIT_FAULT_DIR) and waits there to be killed."""
        if self._settings.fault_pause_at != name:
            return
        directory = Path(self._settings.fault_dir or ".")
        (directory / f"{name}.{os.getpid()}").write_text(name)
        time.sleep(3600)


class _Handled(Exception):
    """The batch's waiters have their answers already."""


@dataclass(frozen=True)
class PreparedRequest:
    """A member call simulated and ready to record: who signs it, what it calls, its gas."""

    member_id: int
    idempotency_key: str | None
    signer: str
    contract: str
    function: str
    target: str
    data: bytes
    gas: int
    amount_units: int | None = None
    attachments: list[dict[str, Any]] = field(default_factory=list)


def new_request_row(
    request: PreparedRequest, *, signing: str, status: str = RECEIVED, **fields: Any
) -> WriteRequest:
    """The row of `request`, not added to any session; `fields` are further columns (nonce,
    deadline, expiry of a request handed out to sign, owner and lease)."""
    return WriteRequest(**_row_values(request, signing=signing, status=status, **fields))


def _row_values(
    request: PreparedRequest, *, signing: str, status: str, **fields: Any
) -> dict[str, Any]:
    return {
        "public_id": uuid.uuid4().hex,
        "member_id": request.member_id,
        "idempotency_key": request.idempotency_key,
        "signer": request.signer,
        "signing": signing,
        "contract": request.contract,
        "function": request.function,
        "target": request.target,
        "data_hex": request.data.hex(),
        "gas": request.gas,
        "amount_units": None if request.amount_units is None else str(request.amount_units),
        "status": status,
        "attachments": request.attachments,
        **fields,
    }


def record_request(
    factory: sessionmaker[Session],
    relayer: Relayer,
    request: PreparedRequest,
    *,
    signing: str,
    status: str = RECEIVED,
    **fields: Any,
) -> WriteRequest:
    """Writes the request's row, owned by `relayer`, before anything is signed or sent (with
    Core: the ORM's unit of work cost more CPU than the insert, on every write)."""
    now = utc_now()
    values = _row_values(
        request,
        signing=signing,
        status=status,
        owner=relayer.instance,
        lease_until=now + relayer.lease,
        created_at=now,
        updated_at=now,
        **fields,
    )
    with connection(factory) as conn:
        row_id = conn.execute(_RECORD, values).scalar_one()
    row = WriteRequest(**{c.key: values.get(c.key) for c in _requests.columns} | {"id": row_id})
    make_transient_to_detached(row)  # the stored row, every column loaded
    return row


def outcome_json(outcome: TxOutcome) -> dict[str, Any]:
    from backend.chain.errors import jsonable

    return {
        "tx_hash": outcome.tx_hash,
        "block_number": outcome.block_number,
        "events": [
            {
                "contract": e.contract,
                "name": e.name,
                "args": {k: jsonable(v) for k, v in e.args.items()},
            }
            for e in outcome.events
        ],
    }


def error_json(error: DomainError) -> dict[str, Any]:
    from backend.core.errors import error_response

    status, body, _ = error_response(error)
    return {"status": status, "body": body}


def answer_recovered(session: Session, row: WriteRequest) -> None:
    """Answers the request's Idempotency-Key if its waiter is gone; the waiter, if alive,
    stores its own fuller answer first (store() keeps the first answer only when the key is
    still in progress, so the recovered answer is written only where none was)."""
    from backend.core import idempotency

    if row.idempotency_key is None:
        return
    status, body = request_answer(row)
    idempotency.store(session, row.member_id, row.idempotency_key, status, body)


def request_answer(row: WriteRequest) -> tuple[int, Any]:
    """What a finished request answers when its own route's answer cannot be built any more:
    its named error, or the request as `GET /requests/{id}` shows it."""
    from fastapi.encoders import jsonable_encoder

    from backend.requests.schemas import RequestRead

    if row.status in (FAILED, EXPIRED) and isinstance(row.outcome, dict):
        return int(row.outcome["status"]), row.outcome["body"]
    return 200, jsonable_encoder(RequestRead.of(row))


def answer_abandoned(session: Session, older_than: Any) -> None:
    """Finished requests whose waiter died before it stored its answer get the recovered one."""
    from backend.core.idempotency import IN_PROGRESS, IdempotencyRecord

    rows = session.execute(
        select(WriteRequest)
        .join(
            IdempotencyRecord,
            and_(
                IdempotencyRecord.member_id == WriteRequest.member_id,
                IdempotencyRecord.key == WriteRequest.idempotency_key,
            ),
        )
        .where(
            WriteRequest.status.in_((DONE, FAILED)),
            WriteRequest.updated_at < older_than,
            IdempotencyRecord.status == IN_PROGRESS,
        )
    ).scalars()
    for row in rows:
        answer_recovered(session, row)


def release_orphan_claims(session: Session, older_than: Any) -> None:
    """Idempotency claims still in progress long after they were made and with no request row
    were never acted on (the process died before recording): a retry may run them."""
    from sqlalchemy import delete

    from backend.core.idempotency import IN_PROGRESS, IdempotencyRecord

    recorded = select(WriteRequest.id).where(
        and_(
            WriteRequest.member_id == IdempotencyRecord.member_id,
            WriteRequest.idempotency_key == IdempotencyRecord.key,
        )
    )
    session.execute(
        delete(IdempotencyRecord).where(
            IdempotencyRecord.status == IN_PROGRESS,
            IdempotencyRecord.created_at < older_than,
            ~recorded.exists(),
        )
    )
