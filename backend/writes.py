"""The write pipeline every domain service uses to act on chain for the authenticated member.

One write, in order:
1. authorize: on-chain the member is active and holds a role the action needs (read from the
   Consortium, the source of truth, not from the mirror in `members.roles`);
2. simulate the call as the member: a revert raises the contract's named error and nothing is
   recorded, signed or sent;
3. record the request durably (`write_requests`), then hand it to the relayer (backend/relay),
   which signs it with the member's own key as an EIP-712 forward request (a member never acts
   for another), relays it in a batch through the forwarder, and projects the batch's events
   into the read models in one database transaction;
4. read the resulting state and store it as the answer of the request's idempotency key.

A member holding its own key (or a custodial one asking `"sign": "self"`) gets, after step 2,
the request recorded as awaiting its signature and the answer 202 with the EIP-712 typed data to
sign (POST /requests/{id}/signature relays it, backend/requests/signatures.py). A member whose
address is a contract (a multisig) cannot sign a forward request: it gets the call to execute
from its own account (202, handed_out), and the indexer follows it by its events.

Four eyes: a write the member's approval policy covers waits as pending_approval (202) for a
checker other than its maker. What the platform signs, the checker approves (POST
/requests/{id}/approve: then the keystore signs it); what the member signs, the checker signs (the
maker's 202 carries the typed data, and the checker's signature, posted to
POST /requests/{id}/signature, is its approval).

No database transaction is open across the chain calls: a slow node must not hold locks.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

from fastapi import Depends, Request
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session, sessionmaker

from backend.api_deps import (
    SIGN_BY_MEMBER,
    Reply,
    WriteDeferred,
    current_write_options,
    running_idempotency_key,
    store_answer,
)
from backend.chain.errors import ContractRevert
from backend.chain.ids import MEMBER_STATUSES, ROLE_BITS
from backend.core.database import transaction
from backend.core.errors import Conflict, Forbidden
from backend.core.settings import Settings
from backend.core.sqltypes import utc_now
from backend.members.keystore import Keystore
from backend.members.models import Member
from backend.relay import attachments as attached
from backend.relay.attachments import Attachment
from backend.relay.models import (
    AWAITING_SIGNATURE,
    EXPIRED,
    HANDED_OUT,
    PENDING_APPROVAL,
    REJECTED,
)
from backend.relay.relayer import PreparedRequest, Relayer, new_request_row, record_request
from backend.requests.schemas import HandedOutRequestRead, RequestToSignRead

if TYPE_CHECKING:
    from eth_account.signers.local import LocalAccount

    from backend.chain.calls import ContractCall
    from backend.chain.client import Chain
    from backend.chain.sender import Call, TxOutcome

T = TypeVar("T")
log = logging.getLogger("tiercredit.writes")

ACTIVE = 1
# A forwarded call gets its simulated gas with this margin (state may move before it runs).
GAS_MARGIN_NUMERATOR, GAS_MARGIN_DENOMINATOR = 6, 5
# The API stops taking a member's signature this long before the request's deadline, so that a
# signature it takes still has time to be relayed (the relayer re-signs its own with this margin).
SIGNATURE_RELAY_MARGIN_SECONDS = 60
# How a request is signed (write_requests.signing).
SIGNING_CUSTODIAL, SIGNING_SELF, SIGNING_WALLET = "custodial", "self", "wallet"
# What refuses a request to sign while a void one of the member holds an earlier nonce.
VOID_HOLDING_NONCE_ERRORS = {
    EXPIRED: "ExpiredRequestHoldsNonce",
    REJECTED: "RejectedRequestHoldsNonce",
}


class TxPending(BaseModel):
    """A mined write whose resulting state the read models do not hold yet (HTTP 202)."""

    tx_hash: str
    block_number: int
    detail: str


class TxRead(BaseModel):
    """What every write answers: the transaction, then the resulting state."""

    tx_hash: str = Field(description="0x-hex hash of the mined transaction.")
    block_number: int


@dataclass(frozen=True)
class Actor:
    """The authenticated member, cleared to act on chain."""

    member: Member

    @property
    def address(self) -> str:
        return self.member.address


class ChainWriter:
    """Authorizes, records, relays and answers writes; one per app, shared by its requests."""

    def __init__(
        self,
        chain_provider: Callable[[], Chain],
        factory: sessionmaker[Session],
        keystore: Keystore,
        settings: Settings,
        relayer: Relayer,
    ) -> None:
        self._chain_provider = chain_provider
        self.factory = factory
        self._keystore = keystore
        self._settings = settings
        self.relayer = relayer
        self._lock = threading.Lock()
        self._signer_locks: dict[str, threading.Lock] = {}

    @property
    def chain(self) -> Chain:
        """Connected on first use, so a replayed idempotent write needs no chain."""
        return self._chain_provider()

    def authorize(self, member: Member, *roles: str) -> Actor:
        """The member as an Actor if it may act: active on-chain, one of `roles` (any active
        member when none are given), whoever holds its key. Raises 403 before anything is
        recorded."""
        from backend.chain.client import View

        # Both read fresh on every request, in one round trip to the node.
        status, bits = self.chain.read_many(
            [
                View("Consortium", "statusOf", (member.address,)),
                View("Consortium", "roleBitsOf", (member.address,)),
            ]
        )
        if status != ACTIVE:
            raise Forbidden(
                "MemberNotActive",
                "the member is not active on-chain",
                {"address": member.address, "status": MEMBER_STATUSES[status]},
            )
        if roles and not any(bits & ROLE_BITS[role] for role in roles):
            raise Forbidden(
                "MissingRole",
                "the member lacks, on-chain, every role this action accepts",
                {"address": member.address, "required_any_of": sorted(roles)},
            )
        return Actor(member)

    def signer_of(self, actor: Actor) -> LocalAccount:
        """The member's custodial key (for permits it signs besides its forward request)."""
        from backend.members.service import signer_for

        return signer_for(self._keystore, actor.member)

    def send(
        self,
        actor: Actor,
        action: ContractCall,
        *,
        amount: int | None = None,
        attachments: Sequence[Attachment] = (),
    ) -> TxOutcome:
        """Relays `action` (from backend/chain/<contract>.py) as the actor; raises the named
        revert.

        `amount` is the largest value the action moves (what approval thresholds compare);
        `attachments` are stored with the request's events once it is mined.
        """
        started: float | None = time.monotonic()
        chain = self.chain
        relayer = self.relayer
        relayer.address  # noqa: B018 - 503 RelayerNotConfigured before anything is recorded
        call = chain.prepare(action.contract, action.function, *action.args)
        try:
            gas = self.simulate(actor.address, call)
        except ContractRevert as exc:
            # Refused by the chain before anything is sent: an outcome all the same.
            if relayer.metrics is not None:
                relayer.metrics.settled(f"{action.contract}.{action.function}", exc)
            raise
        request = PreparedRequest(
            member_id=actor.member.id,
            idempotency_key=running_idempotency_key(),
            signer=actor.address,
            contract=action.contract,
            function=action.function,
            target=call.to,
            data=call.data,
            gas=gas,
            amount_units=amount,
            attachments=list(attachments),
        )
        signing = self._signing_of(actor)
        if signing == SIGNING_WALLET:
            # A contract wallet approves in its own signing system (its owners, its threshold).
            self._hand_out(request)
        approval = needs_approval(actor.member, amount)
        maker = current_write_options().user_id
        if signing == SIGNING_SELF:
            self._await_member_signature(request, approval=approval, maker=maker)
        if approval:
            self._await_approval(request, maker)
        row = record_request(self.factory, relayer, request, signing=SIGNING_CUSTODIAL)
        try:
            return relayer.relay(row)
        except ContractRevert:
            raise  # a mined outcome too: its latency counts
        except Exception:
            started = None  # unfinished or refused before the chain: no latency to tell
            raise
        finally:
            if started is not None and relayer.metrics is not None:
                operation = f"{action.contract}.{action.function}"
                relayer.metrics.latency.labels(operation).observe(time.monotonic() - started)

    def platform_signs(self, actor: Actor) -> bool:
        """Whether the keystore signs this write for the actor, and so may sign a permit for it
        too: not for a member holding its own key, a contract wallet, or `"sign": "self"`."""
        return self._signing_of(actor) == SIGNING_CUSTODIAL

    def _await_approval(self, request: PreparedRequest, maker: int | None) -> None:
        """Records the request for a checker of the member and raises WriteDeferred (202)."""
        from backend.requests.schemas import RequestRead

        ttl = timedelta(seconds=self._settings.approval_ttl_seconds)
        row = record_request(
            self.factory,
            self.relayer,
            request,
            signing=SIGNING_CUSTODIAL,
            status=PENDING_APPROVAL,
            maker_user_id=maker,
            expires_at=utc_now() + ttl,
        )
        raise WriteDeferred(Reply(202, RequestRead.of(row)))

    def _signing_of(self, actor: Actor) -> str:
        """custodial (the keystore signs), self (the member signs the typed data) or wallet
        (the member's address is a contract, which cannot sign: it sends the call itself)."""
        from backend.chain.sender import node_errors

        if actor.member.custodial:
            sign = current_write_options().sign
            return SIGNING_SELF if sign == SIGN_BY_MEMBER else SIGNING_CUSTODIAL
        with node_errors():
            code = self.chain.w3.eth.get_code(actor.address)  # type: ignore[arg-type]
        return SIGNING_WALLET if len(code) > 0 else SIGNING_SELF

    def _await_member_signature(
        self, request: PreparedRequest, *, approval: bool, maker: int | None
    ) -> None:
        """Records the request awaiting a signature, with its forwarder nonce and deadline, and
        raises WriteDeferred: 202 with the typed data to sign, stored as the Idempotency-Key's
        answer in the transaction that records the request.

        With `approval` the request waits as pending_approval for a checker other than `maker`
        to sign it; it holds its nonce meanwhile (the member's later requests wait behind it),
        so it is valid no longer than a request handed out to sign, nor than an approval."""
        from backend.chain import forwarder
        from backend.chain.sender import node_errors

        chain, relayer = self.chain, self.relayer
        held = relayer.void_holding_nonce(request.signer)
        if held is not None:
            # A nonce allocated now would sit behind it: the request could not run until the
            # void one's nonce comes back (once the chain's clock passes its deadline).
            raise Conflict(
                VOID_HOLDING_NONCE_ERRORS[held.status],
                f"this member's {held.status} request still holds an earlier forwarder nonce; "
                "retry once the chain's clock has passed its deadline",
                {
                    "request_id": held.public_id,
                    "forwarder_nonce": held.forwarder_nonce,
                    "deadline": held.deadline,
                },
            )
        ttl = self._settings.forward_request_ttl_seconds
        if approval:
            ttl = min(ttl, self._settings.approval_ttl_seconds + SIGNATURE_RELAY_MARGIN_SECONDS)
        with node_errors():
            # The forwarder compares deadlines with block time, which need not be wall time.
            now = int(chain.w3.eth.get_block("latest")["timestamp"])
        nonce = relayer.allocate_member_nonce(chain, request.signer)
        forward = forwarder.ForwardRequest(
            request.signer, request.target, request.data, request.gas, nonce, now + ttl
        )
        expires_at = utc_now() + timedelta(seconds=max(ttl - SIGNATURE_RELAY_MARGIN_SECONDS, 0))
        try:
            with transaction(self.factory) as session:
                row = new_request_row(
                    request,
                    signing=SIGNING_SELF,
                    status=PENDING_APPROVAL if approval else AWAITING_SIGNATURE,
                    forwarder_nonce=nonce,
                    deadline=forward.deadline,
                    expires_at=expires_at,
                    maker_user_id=maker if approval else None,
                )
                session.add(row)
                session.flush()
                reply = Reply(
                    202,
                    RequestToSignRead(
                        request_id=row.public_id,
                        status=row.status,
                        typed_data=forwarder.typed_data(chain, forward),
                        expires_at=expires_at,
                    ),
                )
                store_answer(session, reply)
        except BaseException:
            # Nothing holds the nonce: it goes back unless another was allocated meanwhile.
            relayer.release_member_nonce(chain, request.signer, nonce)
            raise
        raise WriteDeferred(reply)

    def _hand_out(self, request: PreparedRequest) -> None:
        """Records a contract wallet's request as handed out and raises WriteDeferred: 202 with
        the call for the wallet to execute from its own account. Its documents and reason texts
        are stored now (content found by its hash, true whether or not the call ever runs); the
        read models follow the call's events through the indexer."""
        with transaction(self.factory) as session:
            row = new_request_row(request, signing=SIGNING_WALLET, status=HANDED_OUT)
            session.add(row)
            session.flush()
            attached.store_content(session, request.attachments)
            reply = Reply(
                202,
                HandedOutRequestRead(
                    request_id=row.public_id, to=request.target, data="0x" + request.data.hex()
                ),
            )
            store_answer(session, reply)
        raise WriteDeferred(reply)

    def simulate(self, member_address: str, call: Call) -> int:
        """The gas `call` needs as the member, with margin; a revert raises its named error."""
        from web3.types import RPCEndpoint

        from backend.chain.sender import batch_responses, batch_result

        tx = {"from": member_address, "to": call.to, "data": "0x" + call.data.hex()}
        (response,) = batch_responses(self.chain.w3, [(RPCEndpoint("eth_estimateGas"), [tx])])
        estimate = int(batch_result(response, self.chain.errors, call.contract), 16)
        return estimate * GAS_MARGIN_NUMERATOR // GAS_MARGIN_DENOMINATOR

    @contextmanager
    def serialized(self, actor: Actor) -> Iterator[None]:
        """Runs one signer's permit-bearing writes one at a time in this process: a permit
        signs the token's current permit nonce, which a concurrent permit would consume."""
        with self._lock:
            lock = self._signer_locks.setdefault(actor.address, threading.Lock())
        with lock:
            yield

    def record(
        self,
        outcome: TxOutcome,
        read: Callable[[Session], T],
        *,
        state_on_chain: bool = False,
    ) -> T | Reply:
        """Returns what `read` reads of the write's resulting state (from the read models, or
        only from the chain when `state_on_chain`); IdempotentRequest stores it as the answer of
        the request's key before it is sent.

        The request is mined and its events projected: from here nothing may fail the request.
        When the read models cannot take its events yet (they depend on blocks the indexer has
        not projected) or the node stops answering the reads, the answer is 202 with the
        transaction alone; the state follows once the indexer catches up.

        The reads take no turn at the database's writer (the batch's projection committed
        already): on SQLite every request's turn held the one writer while it read and built
        its answer.
        """
        from backend.chain.errors import ChainError

        answer: T | Reply = Reply(
            202,
            TxPending(
                tx_hash=outcome.tx_hash,
                block_number=outcome.block_number,
                detail="mined; its resulting state is served once the indexer has caught up",
            ),
        )
        with self.factory() as session:
            try:
                answer = read(session)
            except (ChainError, LookupError):
                log.warning("state after %s unreadable", outcome.tx_hash, exc_info=True)
            if session.new or session.dirty or session.deleted:
                raise RuntimeError("a write's answer only reads; it changed rows")
        return answer


def needs_approval(member: Member, amount: int | None) -> bool:
    """Whether the member's policy makes this write wait for a checker (four eyes)."""
    if member.approval_mode == "all":
        return True
    if member.approval_mode == "above" and amount is not None:
        return amount > int(member.approval_threshold_units or 0)
    return False


async def get_writer(request: Request) -> ChainWriter:
    writer: ChainWriter = request.app.state.chain_writer
    return writer


WriterDep = Annotated[ChainWriter, Depends(get_writer)]


# --- reasons, shared by the write schemas (the other field types: backend/core/inputs.py) ---------


ReasonText = Annotated[
    str,
    Field(
        min_length=1,
        max_length=2000,
        description="Why; kept off-chain, its keccak-256 is anchored on-chain.",
    ),
]


class ReasonBody(BaseModel):
    reason: ReasonText


class ReasonRead(BaseModel):
    reason: str
    reason_hash: str


def projected(session: Session, model: type[T], key: Any) -> T:
    """The read-model row a write's own events just created or changed."""
    row = session.get(model, key)
    if row is None:
        raise LookupError(f"the projector left no {model.__name__} {key!r} for a mined write")
    return row
