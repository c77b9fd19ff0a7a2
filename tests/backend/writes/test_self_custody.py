"""Members who sign their own requests, over HTTP on a real chain, on SQLite and PostgreSQL: a
self-custody member (and a custodial one asking `"sign": "self"`) gets the EIP-712 typed data
(202), signs it client-side and posts the signature, which the relayer relays; a contract wallet
gets the call to execute from its own account."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import TYPE_CHECKING, Any

import httpx
import pytest
from eth_account import Account
from eth_account.signers.local import LocalAccount
from sqlalchemy import func, select
from web3 import Web3

from backend.chain.artifacts import load_artifacts
from backend.core.database import session_factory
from backend.core.settings import Settings
from backend.documents.hashing import document_hash, invoice_number_hash, to_hex
from backend.documents.models import Document
from backend.indexer.follower import index_once
from backend.relay.models import ForwarderNonce, WriteRequest
from backend.writes import SIGNATURE_RELAY_MARGIN_SECONDS
from tests.consortium_api import (
    DAY,
    LINE,
    UNIT,
    Consortium,
    Party,
    PrivateChain,
    build_consortium,
    invoice_document,
)

if TYPE_CHECKING:
    from tests.backend.conftest import LiveServer


@pytest.fixture
def holder(consortium: Consortium) -> tuple[Party, LocalAccount]:
    """A supplier onboarded with an address whose key only the test holds."""
    key: LocalAccount = Account.create()
    return consortium.onboard("self-supplier", ["SUPPLIER"], address=key.address), key


def invoice_body(chain: PrivateChain, seller: Party, buyer: Party, amount: int) -> dict[str, Any]:
    number = f"INV-SELF-{uuid.uuid4().hex[:8]}"
    return {
        "buyer": buyer.address,
        "amount_units": amount,
        "due_date": chain.now() + 90 * DAY,
        "invoice_number": number,
        "document": invoice_document(seller, buyer, amount, number),
    }


def to_sign(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 202, response.text
    body = response.json()
    assert set(body) == {"request_id", "status", "typed_data", "expires_at"}
    assert body["status"] == "awaiting_signature"
    return body


def signature_of(key: LocalAccount, answer: dict[str, Any]) -> str:
    """What a wallet's eth_signTypedData_v4 returns for the typed data as the API gave it."""
    return Web3.to_hex(
        Account.sign_typed_data(key.key, full_message=answer["typed_data"]).signature
    )


def post_signature(
    party: Party, answer: dict[str, Any], signature: str, *, key: str | None = None
) -> httpx.Response:
    return party.post(
        f"/requests/{answer['request_id']}/signature", {"signature": signature}, key=key
    )


def signed(party: Party, key: LocalAccount, answer: dict[str, Any]) -> dict[str, Any]:
    response = post_signature(party, answer, signature_of(key, answer))
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    assert body["status"] == "done"
    return body


def forwarder_nonce(chain: PrivateChain, address: str) -> int:
    return int(chain.client.read("Forwarder", "nonces", address))


def rows_of(settings: Settings, member_id: int) -> list[WriteRequest]:
    with session_factory(settings.database_url)() as session:
        return list(
            session.execute(
                select(WriteRequest).where(WriteRequest.member_id == member_id)
            ).scalars()
        )


def test_a_self_custody_supplier_registers_and_splits_by_signing_the_typed_data(
    consortium: Consortium, private_chain: PrivateChain, holder: tuple[Party, LocalAccount]
) -> None:
    supplier, key = holder
    core, bank, s2 = consortium["core"], consortium["bank_a"], consortium["supplier2"]
    relayer = Account.from_key(private_chain.relayer_key).address
    registry = private_chain.manifest.address("InvoiceRegistry")
    body = invoice_body(private_chain, supplier, core, 1_000 * UNIT)
    block = private_chain.block_number()

    registering = to_sign(supplier.post("/invoices", body))
    pending = supplier.http.get(f"/requests/{registering['request_id']}").json()
    sent_before_signing = private_chain.block_number() - block
    registered = signed(supplier, key, registering)

    typed = registering["typed_data"]
    assert typed["primaryType"] == "ForwardRequest"
    assert typed["domain"] == {
        "name": "TierCredit Forwarder",
        "version": "1",
        "chainId": private_chain.manifest.chain_id,
        "verifyingContract": private_chain.manifest.address("Forwarder"),
    }
    message = typed["message"]
    assert (message["from"], message["to"], message["value"], message["nonce"]) == (
        supplier.address,
        registry,
        "0",
        "0",
    )
    assert sent_before_signing == 0
    assert (pending["status"], pending["signing"], pending["forwarder_nonce"]) == (
        "awaiting_signature",
        "self",
        0,
    )
    invoice_id = registered["outcome"]["events"][0]["args"]["invoiceId"]
    assert registered["outcome"]["events"] == [
        {
            "contract": "InvoiceRegistry",
            "name": "InvoiceRegistered",
            "args": {
                "invoiceId": invoice_id,
                "seller": supplier.address,
                "buyer": core.address,
                "amount": 1_000 * UNIT,
                "dueDate": body["due_date"],
                "numberHash": to_hex(invoice_number_hash(body["invoice_number"])),
                "documentHash": to_hex(document_hash(body["document"])),
            },
        }
    ]
    assert (registered["signer"], registered["signing"]) == (supplier.address, "self")
    tx = private_chain.client.w3.eth.get_transaction(registered["tx_hash"])
    assert (tx["from"], tx["to"]) == (relayer, private_chain.manifest.address("Forwarder"))

    # The core confirms and issues against it (custodial); supplier2 sells to the holder, which
    # confirms that invoice by signing, then pays supplier2 with part of its voucher.
    core.ok(f"/invoices/{invoice_id}/confirm")
    bank.ok("/credit-lines", {"obligor": core.address, "limit_units": LINE})
    credit_id = core.ok(
        "/credits",
        {
            "invoice_id": invoice_id,
            "face_value_units": 1_000 * UNIT,
            "maturity": private_chain.now() + 60 * DAY,
        },
        status=201,
    )["credit"]["credit_id"]
    bought = s2.ok("/invoices", invoice_body(private_chain, s2, supplier, 400 * UNIT), status=201)
    bought_id = bought["invoice"]["invoice_id"]
    confirmed = signed(supplier, key, to_sign(supplier.post(f"/invoices/{bought_id}/confirm")))
    split = signed(
        supplier,
        key,
        to_sign(
            supplier.post(
                f"/fragments/{credit_id}/split-transfer",
                {"to": s2.address, "value_units": 400 * UNIT, "invoice_id": bought_id},
            )
        ),
    )

    assert confirmed["outcome"]["events"] == [
        {
            "contract": "InvoiceRegistry",
            "name": "InvoiceConfirmed",
            "args": {"invoiceId": bought_id},
        }
    ]
    events = split["outcome"]["events"]
    new_token = next(e["args"]["toTokenId"] for e in events if e["name"] == "TradeTransferred")
    zero = "0x" + "00" * 20
    assert events == [
        {
            "contract": "CreditVoucher",
            "name": "Transfer",
            "args": {"from": zero, "to": s2.address, "tokenId": new_token},
        },
        {
            "contract": "CreditVoucher",
            "name": "SlotChanged",
            "args": {"_tokenId": new_token, "_oldSlot": 0, "_newSlot": credit_id},
        },
        {
            "contract": "CreditVoucher",
            "name": "TransferValue",
            "args": {"_fromTokenId": credit_id, "_toTokenId": new_token, "_value": 400 * UNIT},
        },
        {
            "contract": "CreditVoucher",
            "name": "TradeTransferred",
            "args": {
                "fromTokenId": credit_id,
                "toTokenId": new_token,
                "invoiceId": bought_id,
                "value": 400 * UNIT,
                "depth": 1,
            },
        },
        {
            "contract": "InvoiceRegistry",
            "name": "InvoiceDrawnDown",
            "args": {"invoiceId": bought_id, "amount": 400 * UNIT, "remaining": 0},
        },
    ]
    voucher = private_chain.client
    assert voucher.read("CreditVoucher", "balanceOf", credit_id) == 600 * UNIT
    assert voucher.read("CreditVoucher", "balanceOf", new_token) == 400 * UNIT
    assert voucher.read("CreditVoucher", "ownerOf", new_token) == s2.address
    assert forwarder_nonce(private_chain, supplier.address) == 3
    # The read models, through the API: what the holder holds, and both invoices.
    fragments = supplier.http.get("/fragments").json()["items"]
    assert [(f["token_id"], f["holder"], f["value_units"]) for f in fragments] == [
        (credit_id, supplier.address, 600 * UNIT)
    ]
    invoices = supplier.http.get("/invoices").json()["items"]
    assert sorted((i["invoice_id"], i["status"], i["remaining_units"]) for i in invoices) == [
        (invoice_id, "confirmed", 0),
        (bought_id, "confirmed", 0),
    ]
    # It never held ether: the relayer paid every request.
    assert private_chain.client.w3.eth.get_balance(supplier.address) == 0


def test_a_signature_by_another_key_is_refused_and_nothing_is_sent(
    consortium: Consortium, private_chain: PrivateChain, holder: tuple[Party, LocalAccount]
) -> None:
    supplier, key = holder
    answer = to_sign(
        supplier.post("/invoices", invoice_body(private_chain, supplier, consortium["core"], UNIT))
    )
    request_id = answer["request_id"]
    stranger: LocalAccount = Account.create()
    block = private_chain.block_number()

    forged = post_signature(supplier, answer, signature_of(stranger, answer))
    malformed = post_signature(supplier, answer, "0x" + "00" * 65)
    by_another_member = post_signature(consortium["supplier1"], answer, signature_of(key, answer))
    after = supplier.http.get(f"/requests/{request_id}").json()
    sent_meanwhile = private_chain.block_number() - block
    own = signed(supplier, key, answer)

    assert forged.status_code == 403
    assert forged.json()["error"] == "ForwardRequestSignatureInvalid"
    assert forged.json()["args"] == {
        "request_id": request_id,
        "expected": supplier.address,
        "recovered": stranger.address,
    }
    assert malformed.status_code == 403
    assert malformed.json()["args"] == {
        "request_id": request_id,
        "expected": supplier.address,
        "recovered": None,
    }
    # Another member's request is as unknown to it as a missing one.
    assert by_another_member.status_code == 404
    assert by_another_member.json()["error"] == "RequestNotFound"
    assert sent_meanwhile == 0
    assert (after["status"], after["tx_hash"]) == ("awaiting_signature", None)
    # The refusals left the request as it was: the member's own signature is taken.
    assert own["outcome"]["events"][0]["args"]["seller"] == supplier.address


def test_a_revert_is_named_at_simulation_and_nothing_awaits_a_signature(
    consortium: Consortium, private_chain: PrivateChain, holder: tuple[Party, LocalAccount]
) -> None:
    supplier, key = holder
    body = invoice_body(private_chain, supplier, consortium["core"], 10 * UNIT)
    # Two registrations of one invoice number, both simulated before either ran.
    first = to_sign(supplier.post("/invoices", body))
    second = to_sign(
        supplier.post("/invoices", {**body, "document": {**body["document"], "note": "again"}})
    )
    invoice_id = signed(supplier, key, first)["outcome"]["events"][0]["args"]["invoiceId"]
    recorded = len(rows_of(consortium.settings, supplier.member_id))
    block = private_chain.block_number()

    refused = supplier.post("/invoices", body)
    lost_race = post_signature(supplier, second, signature_of(key, second))

    duplicate = {
        "seller": supplier.address,
        "numberHash": to_hex(invoice_number_hash(body["invoice_number"])),
        "existingInvoiceId": invoice_id,
    }
    assert refused.status_code == 409
    assert (refused.json()["error"], refused.json()["args"]) == (
        "InvoiceAlreadyRegistered",
        duplicate,
    )
    assert private_chain.block_number() == block + 1  # only the second signature was relayed
    # Refused at simulation: no request recorded, no nonce allocated.
    assert len(rows_of(consortium.settings, supplier.member_id)) == recorded
    with session_factory(consortium.settings.database_url)() as session:
        assert session.get(ForwarderNonce, supplier.address).next_nonce == 2
    # The one that passed simulation and met the duplicate when it ran answers the same error,
    # as a custodial write would; its nonce is spent.
    assert lost_race.status_code == 409
    assert (lost_race.json()["error"], lost_race.json()["args"]) == (
        "InvoiceAlreadyRegistered",
        duplicate,
    )
    assert lost_race.json()["tx_hash"] is not None
    assert supplier.http.get(f"/requests/{second['request_id']}").json()["status"] == "failed"
    assert forwarder_nonce(private_chain, supplier.address) == 2


def test_the_same_idempotency_key_answers_the_same(
    consortium: Consortium, private_chain: PrivateChain, holder: tuple[Party, LocalAccount]
) -> None:
    supplier, key = holder
    body = invoice_body(private_chain, supplier, consortium["core"], 3 * UNIT)

    handed = supplier.post("/invoices", body, key="register-1")
    handed_again = supplier.post("/invoices", body, key="register-1")
    signature = signature_of(key, handed.json())
    done = post_signature(supplier, handed.json(), signature, key="signature-1")
    done_again = post_signature(supplier, handed.json(), signature, key="signature-1")
    without_the_key = post_signature(supplier, handed.json(), signature)

    assert to_sign(handed) == handed_again.json()
    assert handed_again.headers["idempotent-replayed"] == "true"
    assert [row.status for row in rows_of(consortium.settings, supplier.member_id)] == ["done"]
    assert done.status_code == 200 and done.json()["status"] == "done"
    assert done_again.status_code == 200 and done_again.json() == done.json()
    assert done_again.headers["idempotent-replayed"] == "true"
    # The same signature under another key runs nothing again: it answers the outcome.
    assert without_the_key.status_code == 200 and without_the_key.json() == done.json()
    assert forwarder_nonce(private_chain, supplier.address) == 1


@pytest.fixture
def short_lived(
    serve: Callable[..., LiveServer], write_settings: Settings, private_chain: PrivateChain
) -> Iterator[Consortium]:
    """Requests to sign that expire a second after they are handed out."""
    settings = write_settings.model_copy(
        update={"forward_request_ttl_seconds": SIGNATURE_RELAY_MARGIN_SECONDS + 1}
    )
    server = serve(settings, chain=private_chain.client)
    consortium = build_consortium(server, private_chain, settings, cast={"core": ["SUPPLIER"]})
    yield consortium
    consortium.close()


def wait_for(condition: Callable[[], Any], timeout: float = 30.0) -> Any:
    deadline = time.monotonic() + timeout
    while not (result := condition()):
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.2)
    return result


def test_a_request_not_signed_in_time_expires_and_its_nonce_comes_back(
    short_lived: Consortium, private_chain: PrivateChain
) -> None:
    consortium = short_lived
    key: LocalAccount = Account.create()
    supplier = consortium.onboard("late-signer", ["SUPPLIER"], address=key.address)
    buyer = consortium["core"]
    answer = to_sign(supplier.post("/invoices", invoice_body(private_chain, supplier, buyer, UNIT)))
    request_id = answer["request_id"]
    deadline = answer["typed_data"]["message"]["deadline"]
    expires_at = datetime.fromisoformat(answer["expires_at"])
    time.sleep(max(expires_at.timestamp() - time.time(), 0) + 0.2)

    late = post_signature(supplier, answer, signature_of(key, answer))
    expired = supplier.http.get(f"/requests/{request_id}").json()
    too_soon = supplier.post("/invoices", invoice_body(private_chain, supplier, buyer, UNIT))
    # The member's signature is void once the chain's clock passed the deadline: only then does
    # the sweep give the nonce back, and the next request gets it.
    private_chain.travel_to(deadline + 1)
    given_back = wait_for(
        lambda: (
            (r := supplier.http.get(f"/requests/{request_id}").json())["forwarder_nonce"] is None
            and r
        )
    )
    next_one = to_sign(
        supplier.post("/invoices", invoice_body(private_chain, supplier, buyer, UNIT))
    )

    assert late.status_code == 410
    assert late.json()["error"] == "RequestExpired"
    args = late.json()["args"]
    assert set(args) == {"request_id", "expires_at", "deadline"}
    assert (args["request_id"], args["deadline"]) == (request_id, deadline)
    assert datetime.fromisoformat(args["expires_at"]) == expires_at
    assert (expired["status"], expired["forwarder_nonce"], expired["tx_hash"]) == (
        "expired",
        0,
        None,
    )
    # A request handed out while the expired one holds the nonce could never run.
    assert too_soon.status_code == 409
    assert (too_soon.json()["error"], too_soon.json()["args"]) == (
        "ExpiredRequestHoldsNonce",
        {"request_id": request_id, "forwarder_nonce": 0, "deadline": deadline},
    )
    assert given_back["status"] == "expired"
    assert next_one["typed_data"]["message"]["nonce"] == answer["typed_data"]["message"]["nonce"]
    assert forwarder_nonce(private_chain, supplier.address) == 0


@pytest.fixture
def quick_recovery(
    serve: Callable[..., LiveServer], write_settings: Settings, private_chain: PrivateChain
) -> Iterator[Consortium]:
    """Recovery takes over held-back and recorded requests within a second."""
    settings = write_settings.model_copy(update={"request_lease_seconds": 1.0})
    server = serve(settings, chain=private_chain.client)
    consortium = build_consortium(
        server, private_chain, settings, cast={"core": ["CORE_ENTERPRISE"], "s1": ["SUPPLIER"]}
    )
    yield consortium
    consortium.close()


def settled(party: Party, request_id: str) -> dict[str, Any]:
    """The request once recovery finished it."""
    return wait_for(
        lambda: (
            (r := party.http.get(f"/requests/{request_id}").json())["status"] in ("done", "failed")
            and r
        )
    )


def test_a_custodial_member_asking_to_sign_itself_signs_and_its_later_writes_wait(
    quick_recovery: Consortium, private_chain: PrivateChain
) -> None:
    consortium = quick_recovery
    supplier, core = consortium["s1"], consortium["core"]
    key = consortium.keystore().account(supplier.address)
    first_nonce = forwarder_nonce(private_chain, supplier.address)

    answer = to_sign(
        supplier.post(
            "/invoices", {**invoice_body(private_chain, supplier, core, UNIT), "sign": "self"}
        )
    )
    behind = supplier.post("/invoices", invoice_body(private_chain, supplier, core, 2 * UNIT))
    own = signed(supplier, key, answer)
    later = settled(supplier, behind.json()["args"]["request_id"])

    assert answer["typed_data"]["message"]["nonce"] == str(first_nonce)
    assert (own["signing"], own["forwarder_nonce"]) == ("self", first_nonce)
    assert own["outcome"]["events"][0]["args"]["seller"] == supplier.address
    # The platform-signed write behind it could not run before it: held back, not sent.
    assert behind.status_code == 503
    assert behind.json()["error"] == "RequestUnfinished"
    assert (later["status"], later["signing"], later["forwarder_nonce"]) == (
        "done",
        "custodial",
        first_nonce + 1,
    )
    assert later["outcome"]["events"][0]["args"]["amount"] == 2 * UNIT
    assert forwarder_nonce(private_chain, supplier.address) == first_nonce + 2


def test_a_custodial_members_nonce_left_by_an_expired_request_is_filled(
    quick_recovery: Consortium, private_chain: PrivateChain
) -> None:
    consortium = quick_recovery
    supplier, core = consortium["s1"], consortium["core"]
    key = consortium.keystore().account(supplier.address)
    relayer = consortium.server.app.state.relayer
    first_nonce = forwarder_nonce(private_chain, supplier.address)

    def handed_to_sign(amount: int) -> dict[str, Any]:
        body = invoice_body(private_chain, supplier, core, amount * UNIT)
        return to_sign(supplier.post("/invoices?sign=self", body))

    abandoned = handed_to_sign(1)
    # The one kept is handed out later on the chain's clock: still valid once the first is void.
    private_chain.travel_to(
        private_chain.now() + consortium.settings.forward_request_ttl_seconds // 2
    )
    kept = handed_to_sign(2)
    with session_factory(consortium.settings.database_url)() as session:
        row = session.execute(
            select(WriteRequest).where(WriteRequest.public_id == abandoned["request_id"])
        ).scalar_one()
        session.expunge(row)
    assert relayer.expire(row)
    private_chain.travel_to(abandoned["typed_data"]["message"]["deadline"] + 1)
    given_back = relayer.give_back_nonces(private_chain.client, supplier.address)
    with session_factory(consortium.settings.database_url)() as session:
        filler = session.execute(
            select(WriteRequest).where(
                WriteRequest.member_id == supplier.member_id,
                WriteRequest.function == "statusOf",
            )
        ).scalar_one()
        filler_id = filler.public_id
    filled = settled(supplier, filler_id)
    own = signed(supplier, key, kept)

    # The abandoned nonce had one allocated after it: a gap, which the keystore fills.
    assert given_back == 0
    assert (filled["status"], filled["contract"], filled["forwarder_nonce"]) == (
        "done",
        "Consortium",
        first_nonce,
    )
    assert filled["outcome"]["events"] == []
    assert (
        supplier.http.get(f"/requests/{abandoned['request_id']}").json()["forwarder_nonce"] is None
    )
    assert own["forwarder_nonce"] == first_nonce + 1
    assert forwarder_nonce(private_chain, supplier.address) == first_nonce + 2


def send_as(w3: Web3, account: LocalAccount, transaction: dict[str, Any]) -> Any:
    """Signs and sends `transaction` from the test's own EOA; returns the receipt."""
    signed_tx = account.sign_transaction(transaction)
    tx_hash = w3.eth.send_raw_transaction(signed_tx.raw_transaction)
    return w3.eth.wait_for_transaction_receipt(tx_hash, timeout=30)


def test_a_contract_wallet_gets_the_call_to_execute_from_its_own_account(
    consortium: Consortium, private_chain: PrivateChain
) -> None:
    w3 = private_chain.client.w3
    core = consortium["core"]
    owner: LocalAccount = Account.create()
    private_chain.fund(owner.address)
    artifact = load_artifacts()["TestWallet"]
    factory = w3.eth.contract(abi=artifact.abi, bytecode=artifact.bytecode)
    deployed = send_as(
        w3,
        owner,
        factory.constructor(owner.address).build_transaction(
            {"from": owner.address, "nonce": w3.eth.get_transaction_count(owner.address)}
        ),
    )
    wallet_address = deployed["contractAddress"]
    wallet = consortium.onboard("multisig", ["SUPPLIER"], address=wallet_address)
    body = invoice_body(private_chain, wallet, core, 70 * UNIT)
    block = private_chain.block_number()

    handed = wallet.post("/invoices", body)
    sent_by_the_platform = private_chain.block_number() - block
    request = wallet.http.get(f"/requests/{handed.json()['request_id']}").json()
    contract = w3.eth.contract(address=wallet_address, abi=artifact.abi)
    executed = send_as(
        w3,
        owner,
        contract.functions.execute(handed.json()["to"], handed.json()["data"]).build_transaction(
            {"from": owner.address, "nonce": w3.eth.get_transaction_count(owner.address)}
        ),
    )
    events = private_chain.client.events.decode_all(executed["logs"])
    index_once(consortium.settings, private_chain.client)
    invoices = wallet.http.get("/invoices").json()["items"]

    registry = private_chain.manifest.address("InvoiceRegistry")
    call = private_chain.client.prepare(
        "InvoiceRegistry",
        "register",
        core.address,
        70 * UNIT,
        body["due_date"],
        invoice_number_hash(body["invoice_number"]),
        document_hash(body["document"]),
    )
    assert handed.status_code == 202
    assert handed.json() == {
        "request_id": request["request_id"],
        "status": "handed_out",
        "to": registry,
        "data": "0x" + call.data.hex(),
    }
    assert sent_by_the_platform == 0
    assert (request["status"], request["signing"], request["tx_hash"]) == (
        "handed_out",
        "wallet",
        None,
    )
    assert executed["status"] == 1
    assert [(e.contract, e.name, e.args["seller"]) for e in events] == [
        ("InvoiceRegistry", "InvoiceRegistered", wallet_address)
    ]
    invoice_id = events[0].args["invoiceId"]
    # The indexer projected the wallet's own transaction; its document was kept at hand-out.
    assert [(i["invoice_id"], i["seller"], i["status"]) for i in invoices] == [
        (invoice_id, wallet_address, "registered")
    ]
    with session_factory(consortium.settings.database_url)() as session:
        stored = session.execute(
            select(func.count())
            .select_from(Document)
            .where(Document.document_hash == to_hex(document_hash(body["document"])))
        ).scalar_one()
    assert stored == 1
