"""Reverts decode into the contracts' named errors with their arguments, on real nodes."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from eth_abi import encode as abi_encode
from eth_account.signers.local import LocalAccount
from eth_utils import function_signature_to_4byte_selector, keccak
from web3 import Web3

from backend.chain.artifacts import PLATFORM_CONTRACTS, load_artifacts
from backend.chain.client import Chain
from backend.chain.deploy import deploy_platform
from backend.chain.errors import ERROR_HTTP_STATUS, ContractRevert, ErrorDecoder
from backend.chain.ids import role_id
from backend.chain.models import CHAIN_TABLES, SignerNonce
from backend.chain.node import LocalNode, start_node
from backend.chain.sender import Call, NonceAllocator, TxSender
from backend.core.database import make_engine
from backend.core.errors import error_response

DAY = 86_400
BUILTIN = {"Error", "Panic", "UnknownRevert"}


@pytest.fixture(scope="module")
def decoder() -> ErrorDecoder:
    artifacts = load_artifacts()
    return ErrorDecoder({name: artifacts[name].abi for name in PLATFORM_CONTRACTS})


def register_call(
    chain: Chain, buyer: str, number: str, document: str, amount: int = 5_000_000
) -> Call:
    return chain.prepare(
        "InvoiceRegistry",
        "register",
        buyer,
        amount,
        int(time.time()) + 60 * DAY,
        keccak(text=number),
        keccak(text=document),
    )


def test_every_contract_error_has_an_http_status(decoder: ErrorDecoder) -> None:
    declared = decoder.error_names

    assert sorted(declared - ERROR_HTTP_STATUS.keys()) == []
    assert sorted(ERROR_HTTP_STATUS.keys() - declared - BUILTIN) == []


def test_duplicate_invoice_reverts_with_its_values_and_409_before_sending(
    chain_client: Chain,
    onboarded_roles: dict[str, LocalAccount],
    make_sender: Callable[[LocalAccount], TxSender],
) -> None:
    seller, buyer = onboarded_roles["supplier2"], onboarded_roles["core"]
    sender = make_sender(seller)
    first = sender.transact(register_call(chain_client, buyer.address, "INV-dup", "doc-dup-1"))
    existing_id = first.event("InvoiceRegistered").args["invoiceId"]
    nonce_before = chain_client.w3.eth.get_transaction_count(seller.address, "pending")

    with pytest.raises(ContractRevert) as caught:
        sender.transact(register_call(chain_client, buyer.address, "INV-dup", "doc-dup-2"))

    revert = caught.value
    assert revert.name == "InvoiceAlreadyRegistered"
    assert revert.error_args == {
        "seller": seller.address,
        "numberHash": keccak(text="INV-dup"),
        "existingInvoiceId": existing_id,
    }
    assert revert.contract == "InvoiceRegistry"
    assert revert.http_status == 409
    assert chain_client.w3.eth.get_transaction_count(seller.address, "pending") == nonce_before
    status, body, _ = error_response(revert)
    assert status == 409
    assert body == {
        "type": "urn:tiercredit:error:InvoiceAlreadyRegistered",
        "title": "Conflict",
        "status": 409,
        "error": "InvoiceAlreadyRegistered",
        "args": {
            "seller": seller.address,
            "numberHash": "0x" + keccak(text="INV-dup").hex(),
            "existingInvoiceId": existing_id,
        },
        "detail": "InvoiceRegistry reverted with InvoiceAlreadyRegistered",
        "contract": "InvoiceRegistry",
    }


def test_missing_role_is_403_with_the_role(
    chain_client: Chain,
    onboarded_roles: dict[str, LocalAccount],
    make_sender: Callable[[LocalAccount], TxSender],
) -> None:
    # A core enterprise may be invoiced but may not register invoices: that needs SUPPLIER_ROLE.
    core, supplier = onboarded_roles["core"], onboarded_roles["supplier1"]

    with pytest.raises(ContractRevert) as caught:
        make_sender(core).transact(
            register_call(chain_client, supplier.address, "INV-role", "doc-role")
        )

    assert (caught.value.name, caught.value.http_status) == ("ConsortiumMissingRole", 403)
    assert caught.value.error_args == {"account": core.address, "role": role_id("SUPPLIER")}


def test_invalid_amount_is_422(
    chain_client: Chain,
    onboarded_roles: dict[str, LocalAccount],
    make_sender: Callable[[LocalAccount], TxSender],
) -> None:
    call = register_call(
        chain_client, onboarded_roles["core"].address, "INV-zero", "doc-zero", amount=0
    )

    with pytest.raises(ContractRevert) as caught:
        make_sender(onboarded_roles["supplier1"]).transact(call)

    assert (caught.value.name, caught.value.error_args, caught.value.http_status) == (
        "InvoiceInvalidAmount",
        {"amount": 0},
        422,
    )


def test_suspending_the_last_operator_is_409_before_sending(
    chain_client: Chain,
    onboarded_roles: dict[str, LocalAccount],
    make_sender: Callable[[LocalAccount], TxSender],
) -> None:
    operator = onboarded_roles["operator"]
    call = chain_client.prepare("Consortium", "suspend", operator.address, keccak(text="r"))

    with pytest.raises(ContractRevert) as caught:
        make_sender(operator).transact(call)

    assert (caught.value.name, caught.value.error_args, caught.value.http_status) == (
        "ConsortiumLastOperator",
        {"operator": operator.address},
        409,
    )
    assert chain_client.read("Consortium", "activeOperatorCount") == 1


def test_a_credit_line_to_oneself_is_422(
    chain_client: Chain,
    onboarded_roles: dict[str, LocalAccount],
    make_sender: Callable[[LocalAccount], TxSender],
) -> None:
    bank = onboarded_roles["bank_a"]

    with pytest.raises(ContractRevert) as caught:
        make_sender(bank).transact(
            chain_client.prepare("Consortium", "setCreditLine", bank.address, 1)
        )

    assert (caught.value.name, caught.value.error_args, caught.value.http_status) == (
        "ConsortiumSelfCreditLine",
        {"account": bank.address},
        422,
    )


def test_the_voucher_is_linked_once_and_alone_draws_issuance(
    chain_client: Chain,
    onboarded_roles: dict[str, LocalAccount],
    make_sender: Callable[[LocalAccount], TxSender],
) -> None:
    operator, core = onboarded_roles["operator"], onboarded_roles["core"]
    voucher = chain_client.manifest.address("CreditVoucher")

    with pytest.raises(ContractRevert) as relinked:
        make_sender(operator).transact(
            chain_client.prepare("Consortium", "linkVoucher", operator.address)
        )
    with pytest.raises(ContractRevert) as drawn:
        make_sender(core).transact(
            chain_client.prepare(
                "Consortium", "drawIssuance", core.address, onboarded_roles["supplier1"].address, 1
            )
        )

    assert (relinked.value.name, relinked.value.error_args, relinked.value.http_status) == (
        "ConsortiumVoucherAlreadyLinked",
        {"voucher": voucher},
        409,
    )
    assert (drawn.value.name, drawn.value.error_args, drawn.value.http_status) == (
        "ConsortiumNotVoucher",
        {"caller": core.address},
        403,
    )


def test_an_issue_by_a_buyer_that_is_no_core_enterprise_is_403_with_the_role(
    chain_client: Chain,
    onboarded_roles: dict[str, LocalAccount],
    make_sender: Callable[[LocalAccount], TxSender],
) -> None:
    # supplier1 owes supplier2 on a confirmed invoice, but only a core enterprise issues credit.
    buyer, seller = onboarded_roles["supplier1"], onboarded_roles["supplier2"]
    registered = make_sender(seller).transact(
        register_call(chain_client, buyer.address, "INV-tier2", "doc-tier2")
    )
    invoice_id = registered.event("InvoiceRegistered").args["invoiceId"]
    make_sender(buyer).transact(chain_client.prepare("InvoiceRegistry", "confirm", invoice_id))
    maturity = int(chain_client.w3.eth.get_block("latest")["timestamp"]) + 30 * DAY

    with pytest.raises(ContractRevert) as caught:
        make_sender(buyer).transact(
            chain_client.prepare("CreditVoucher", "issue", invoice_id, 1_000_000, maturity, 0)
        )

    assert (caught.value.name, caught.value.error_args, caught.value.http_status) == (
        "ConsortiumMissingRole",
        {"account": buyer.address, "role": role_id("CORE_ENTERPRISE")},
        403,
    )


def test_a_seventeenth_certificate_for_one_invoice_is_409(
    chain_client: Chain,
    onboarded_roles: dict[str, LocalAccount],
    make_sender: Callable[[LocalAccount], TxSender],
) -> None:
    inspector = make_sender(onboarded_roles["inspector"])
    registered = make_sender(onboarded_roles["supplier3"]).transact(
        register_call(chain_client, onboarded_roles["core"].address, "INV-certs", "doc-certs")
    )
    invoice_id = registered.event("InvoiceRegistered").args["invoiceId"]
    expires_at = int(chain_client.w3.eth.get_block("latest")["timestamp"]) + 365 * DAY

    def certificate(number: int) -> Call:
        return chain_client.prepare(
            "QualityRegistry",
            "issue",
            invoice_id,
            keccak(text="batch-certs"),
            keccak(text="GB/T 19001"),
            1,
            keccak(text=f"certificate-certs-{number}"),
            expires_at,
        )

    inspector.send_many([certificate(n) for n in range(16)], window=1)
    with pytest.raises(ContractRevert) as caught:
        inspector.transact(certificate(16))

    assert (caught.value.name, caught.value.error_args, caught.value.http_status) == (
        "QualityTooManyCertificates",
        {"invoiceId": invoice_id, "max": 16},
        409,
    )


def test_view_revert_is_404_for_an_unknown_invoice(chain_client: Chain) -> None:
    with pytest.raises(ContractRevert) as caught:
        chain_client.read("InvoiceRegistry", "invoice", 987_654)

    assert (caught.value.name, caught.value.error_args, caught.value.http_status) == (
        "InvoiceNotFound",
        {"invoiceId": 987_654},
        404,
    )


def test_mined_failure_is_replayed_into_its_named_error(
    chain_client: Chain,
    onboarded_roles: dict[str, LocalAccount],
    make_sender: Callable[[LocalAccount], TxSender],
) -> None:
    # A fixed gas limit skips estimation, as when state changed between estimate and mining.
    seller = onboarded_roles["supplier3"]
    first = make_sender(seller).transact(
        register_call(chain_client, onboarded_roles["core"].address, "INV-m", "doc-m1")
    )
    invoice_id = first.event("InvoiceRegistered").args["invoiceId"]
    again = register_call(chain_client, onboarded_roles["core"].address, "INV-m", "doc-m2")

    with pytest.raises(ContractRevert) as caught:
        make_sender(seller).transact(
            Call(to=again.to, data=again.data, contract=again.contract, gas=300_000)
        )

    revert = caught.value
    assert (revert.name, revert.error_args["existingInvoiceId"]) == (
        "InvoiceAlreadyRegistered",
        invoice_id,
    )
    assert revert.tx_hash is not None
    receipt = chain_client.w3.eth.get_transaction_receipt(revert.tx_hash)
    assert receipt["status"] == 0


def test_builtin_and_unknown_reverts(decoder: ErrorDecoder) -> None:
    message = function_signature_to_4byte_selector("Error(string)") + abi_encode(["string"], ["no"])
    panic = function_signature_to_4byte_selector("Panic(uint256)") + abi_encode(["uint256"], [0x11])
    unknown = bytes.fromhex("deadbeef") + bytes(32)

    assert (decoder.decode(message).name, decoder.decode(message).error_args) == (
        "Error",
        {"message": "no"},
    )
    assert (
        decoder.decode(panic).name,
        decoder.decode(panic).error_args,
        decoder.decode(panic).http_status,
    ) == (
        "Panic",
        {"code": 0x11, "reason": "arithmetic overflow"},
        422,
    )
    assert (decoder.decode(unknown).name, decoder.decode(unknown).error_args) == (
        "UnknownRevert",
        {"data": unknown},
    )
    assert decoder.decode(b"").name == "UnknownRevert"


@pytest.fixture(scope="module")
def ganache() -> Iterator[LocalNode]:
    node = start_node("ganache")
    yield node
    node.stop()


def test_ganache_reverts_decode_the_same(ganache: LocalNode, tmp_path: Path) -> None:
    w3 = Web3(Web3.HTTPProvider(ganache.url))
    operator, supplier, core = ganache.accounts[0], ganache.accounts[1], ganache.accounts[2]
    manifest = deploy_platform(w3, operator)
    chain = Chain(ganache.url, manifest)
    # Its own nonce table: Ganache's accounts are the session Anvil's (one mnemonic), and
    # signer_nonces is per address, for one chain.
    engine = make_engine(f"sqlite:///{tmp_path / 'ganache-nonces.db'}")
    SignerNonce.metadata.create_all(engine, tables=CHAIN_TABLES)
    nonces = NonceAllocator(engine, chain.w3)

    def sender(account: LocalAccount) -> TxSender:
        return TxSender(chain.w3, account, nonces, events=chain.events, errors=chain.errors)

    sender(operator).send_many(
        [
            chain.prepare(
                "Consortium", "onboard", supplier.address, keccak(text="kyc"), [role_id("SUPPLIER")]
            ),
            chain.prepare(
                "Consortium",
                "onboard",
                core.address,
                keccak(text="kyc"),
                [role_id("CORE_ENTERPRISE")],
            ),
        ]
    )
    first = sender(supplier).transact(register_call(chain, core.address, "INV-g", "doc-g1"))

    with pytest.raises(ContractRevert) as caught:
        sender(supplier).transact(register_call(chain, core.address, "INV-g", "doc-g2"))

    assert caught.value.name == "InvoiceAlreadyRegistered"
    assert caught.value.error_args == {
        "seller": supplier.address,
        "numberHash": keccak(text="INV-g"),
        "existingInvoiceId": first.event("InvoiceRegistered").args["invoiceId"],
    }
