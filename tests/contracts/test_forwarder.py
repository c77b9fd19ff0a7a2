"""The Forwarder (ERC-2771): a member's EIP-712 signed request, relayed by anyone through the one
forwarder every platform contract trusts, acts as the member, and the same calls made directly
keep working; only that forwarder names a sender; a batch skips what fails, and a zero refund
receiver refuses a batch only for an invalid request; nonces stop replays; the hooks one platform
contract keeps for another stay out of a member's reach.

The signing members' keys are fixed here, so their requests are signed with eth_account as a
member's client signs them; the relayer is an account that is no member."""

from typing import NamedTuple

import brownie
import pytest
from brownie import accounts, chain
from brownie.network.account import LocalAccount
from brownie.network.contract import ProjectContract
from conftest import DAY, ROLE, UNIT, ZERO, emitted, err, h, hex32
from eth_account import Account
from eth_account.messages import encode_typed_data
from flows import PASS, PERMIT_TYPES, deposit, event_args
from hexbytes import HexBytes

FACE = 1_000 * UNIT
TRADE = 400 * UNIT  # what the signing supplier owes supplier2
PART = 100 * UNIT
ASKED = 600 * UNIT
RATE = 1_200
LINE = 10 * FACE
# What a request lets its call spend; the relayer must supply it, or the forwarder reverts.
REQUEST_GAS = 500_000
# Fixed keys, so every signer is reproducible.
CORE_KEY = "0x" + "c1" * 32
SUPPLIER_KEY = "0x" + "c2" * 32
SUPPLIER2_KEY = "0x" + "c3" * 32
BANK_KEY = "0x" + "c4" * 32
INSPECTOR_KEY = "0x" + "c5" * 32
IMPOSTOR_KEY = "0x" + "c6" * 32
# The domain is written out, not read from the contract: a request signed over any other is refused.
FORWARDER_DOMAIN = {"name": "TierCredit Forwarder", "version": "1"}
FORWARD_REQUEST_TYPES = {
    "EIP712Domain": PERMIT_TYPES["EIP712Domain"],
    "ForwardRequest": [
        {"name": "from", "type": "address"},
        {"name": "to", "type": "address"},
        {"name": "value", "type": "uint256"},
        {"name": "gas", "type": "uint256"},
        {"name": "nonce", "type": "uint256"},
        {"name": "deadline", "type": "uint48"},
        {"name": "data", "type": "bytes"},
    ],
}


class MemberCall(NamedTuple):
    """A call a member makes through the forwarder, and the events it must emit."""

    member: LocalAccount
    function: str
    args: tuple
    events: list[tuple[str, dict]]


def forward_request_message(forwarder: ProjectContract, request: dict) -> dict:
    """The EIP-712 typed data of `request` (a ForwardRequest's fields) for `forwarder`."""
    return {
        "types": FORWARD_REQUEST_TYPES,
        "primaryType": "ForwardRequest",
        "domain": {
            **FORWARDER_DOMAIN,
            "chainId": chain.id,
            "verifyingContract": forwarder.address,
        },
        "message": request,
    }


def signed_request(
    forwarder: ProjectContract,
    member: LocalAccount,
    target: ProjectContract,
    function: str,
    *args: object,
    nonce: int | None = None,
    deadline: int | None = None,
    key: str | None = None,
) -> tuple:
    """The ForwardRequestData of `member` calling `target.function(*args)`: for the member's next
    nonce and valid for a day unless told, signed with the member's own key unless given another."""
    data = getattr(target, function).encode_input(*args)
    request = {
        "from": member.address,
        "to": target.address,
        "value": 0,
        "gas": REQUEST_GAS,
        "nonce": forwarder.nonces(member) if nonce is None else nonce,
        "deadline": chain.time() + DAY if deadline is None else deadline,
        "data": HexBytes(data),
    }
    signed = Account.sign_typed_data(
        key or member.private_key, full_message=forward_request_message(forwarder, request)
    )
    return (
        member.address,
        target.address,
        0,
        REQUEST_GAS,
        request["deadline"],
        data,
        signed.signature,
    )


def recovered_signer(forwarder: ProjectContract, request: tuple, nonce: int) -> str:
    """Whom the forwarder recovers from `request`'s signature once its signer's nonce is `nonce`."""
    sender, target, value, gas, deadline, data, signature = request
    message = forward_request_message(
        forwarder,
        {
            "from": sender,
            "to": target,
            "value": value,
            "gas": gas,
            "nonce": nonce,
            "deadline": deadline,
            "data": HexBytes(data),
        },
    )
    return Account.recover_message(encode_typed_data(full_message=message), signature=signature)


def with_sender(data: str, member: LocalAccount) -> str:
    """`data` with `member`'s address appended: what the forwarder sends the target (ERC-2771)."""
    return data + member.address[2:].lower()


def executed(signer: LocalAccount, nonce: int, success: bool = True) -> tuple[str, dict]:
    return ("ExecutedForwardRequest", {"signer": signer, "nonce": nonce, "success": success})


def permit(cash: ProjectContract, owner: LocalAccount, spender: ProjectContract, value: int):
    """(deadline, v, r, s) of an EIP-2612 permit signed with `owner`'s key, at its next nonce."""
    deadline = chain.time() + DAY
    message = {
        "types": PERMIT_TYPES,
        "primaryType": "Permit",
        "domain": {
            "name": cash.name(),
            "version": "1",
            "chainId": chain.id,
            "verifyingContract": cash.address,
        },
        "message": {
            "owner": owner.address,
            "spender": spender.address,
            "value": value,
            "nonce": cash.nonces(owner),
            "deadline": deadline,
        },
    }
    signed = Account.sign_typed_data(owner.private_key, full_message=message)
    return deadline, signed.v, signed.r.to_bytes(32, "big"), signed.s.to_bytes(32, "big")


def split_events(
    source: int, child: int, to: object, invoice: int, value: int, remaining: int
) -> list[tuple[str, dict]]:
    """What a split-transfer of `value` from `source` to `to` citing `invoice` emits."""
    return [
        ("Transfer", {"from": ZERO, "to": to, "tokenId": child}),
        ("SlotChanged", {"_tokenId": child, "_oldSlot": 0, "_newSlot": source}),
        ("TransferValue", {"_fromTokenId": source, "_toTokenId": child, "_value": value}),
        (
            "TradeTransferred",
            {
                "fromTokenId": source,
                "toTokenId": child,
                "invoiceId": invoice,
                "value": value,
                "depth": 1,
            },
        ),
        ("InvoiceDrawnDown", {"invoiceId": invoice, "amount": value, "remaining": remaining}),
    ]


@pytest.fixture(scope="module", autouse=True)
def signers(consortium, operator) -> dict[str, LocalAccount]:
    """Members whose keys the tests hold, onboarded before any test's snapshot (autouse): a member
    first asked for inside a test would be onboarded there and lost when the test is reverted."""
    members = {}
    for name, key, role in (
        ("core", CORE_KEY, "CORE_ENTERPRISE"),
        ("supplier", SUPPLIER_KEY, "SUPPLIER"),
        ("supplier2", SUPPLIER2_KEY, "SUPPLIER"),
        ("bank", BANK_KEY, "FINANCIER"),
        ("inspector", INSPECTOR_KEY, "INSPECTOR"),
    ):
        member = accounts.add(key)
        consortium.onboard(member, h(f"kyc:{name}"), [ROLE[role]], {"from": operator})
        members[name] = member
    return members


@pytest.fixture(scope="module")
def signing_core(signers) -> LocalAccount:
    return signers["core"]


@pytest.fixture(scope="module")
def signing_supplier(signers) -> LocalAccount:
    return signers["supplier"]


@pytest.fixture(scope="module")
def signing_supplier2(signers) -> LocalAccount:
    return signers["supplier2"]


@pytest.fixture(scope="module")
def signing_bank(signers) -> LocalAccount:
    return signers["bank"]


@pytest.fixture(scope="module")
def signing_inspector(signers) -> LocalAccount:
    return signers["inspector"]


@pytest.fixture(scope="module")
def relayer(stranger):
    """Anyone may relay a signed request: here an account that is no member."""
    return stranger


@pytest.fixture(scope="module")
def as_forwarder(forwarder):
    """The forwarder's own address as a sender (Anvil impersonation): what a target sees when the
    forwarder relays, without the forwarder hiding the target's custom error behind FailedCall."""
    return accounts.at(forwarder.address, force=True)


@pytest.fixture
def credit(issued, core, signing_supplier) -> int:
    """A credit of FACE from core, held by the signing supplier."""
    return issued(core, signing_supplier, FACE)


@pytest.fixture
def trade_invoice(confirmed_invoice, signing_supplier, supplier2) -> int:
    """What the signing supplier owes supplier2: TRADE."""
    return confirmed_invoice(supplier2, signing_supplier, TRADE)


@pytest.fixture
def overdrawn(voucher, issued, confirmed_invoice, core, signing_supplier2, supplier3) -> tuple:
    """A split-transfer the signing supplier 2 cannot make (more than its fragment of FACE holds),
    as (function, args), and the fragment."""
    fragment = issued(core, signing_supplier2, FACE)
    invoice = confirmed_invoice(supplier3, signing_supplier2, 2 * FACE)
    args = (fragment, supplier3, FACE + 1, invoice)
    with brownie.reverts(err("VoucherInsufficientValue", fragment, FACE + 1, FACE)):
        voucher.splitTransfer.call(*args, {"from": signing_supplier2})
    return ("splitTransfer", args), fragment


@pytest.fixture
def split(forwarder, voucher, credit, trade_invoice, signing_supplier, supplier2):
    """The signing supplier's signed request paying supplier2 `value` of its credit, citing the
    trade invoice (`options` as for `signed_request`)."""

    def sign(value: int = PART, **options: object) -> tuple:
        args = (credit, supplier2, value, trade_invoice)
        return signed_request(
            forwarder, signing_supplier, voucher, "splitTransfer", *args, **options
        )

    return sign


@pytest.fixture
def split_emits(credit, trade_invoice, supplier2):
    """The events of the signing supplier's split-transfer of PART creating `child` and leaving
    `remaining` of the trade invoice."""

    def events(child: int, remaining: int = TRADE - PART) -> list[tuple[str, dict]]:
        return split_events(credit, child, supplier2, trade_invoice, PART, remaining)

    return events


# ----------------------------------------------------------------- every contract reads the member


@pytest.fixture
def consortium_call(signing_core) -> MemberCall:
    return MemberCall(
        signing_core,
        "setQualityRequirement",
        (True,),
        [("QualityRequirementChanged", {"obligor": signing_core, "required": True})],
    )


@pytest.fixture
def cash_call(cash, bank_a, signing_supplier) -> MemberCall:
    deposit(cash, bank_a, signing_supplier, FACE)
    return MemberCall(
        signing_supplier,
        "burn",
        (PART, h("withdrawal")),
        [
            ("Transfer", {"from": signing_supplier, "to": ZERO, "value": PART}),
            (
                "Withdrawn",
                {
                    "account": signing_supplier,
                    "amount": PART,
                    "withdrawalRef": hex32(h("withdrawal")),
                },
            ),
        ],
    )


@pytest.fixture
def invoices_call(invoices, signing_core, supplier1) -> MemberCall:
    """The signing core confirms what it owes supplier1: only an invoice's buyer may."""
    invoice = invoices.register(
        signing_core, FACE, chain.time() + 90 * DAY, h("INV-c"), h("doc-c"), {"from": supplier1}
    ).return_value
    return MemberCall(
        signing_core, "confirm", (invoice,), [("InvoiceConfirmed", {"invoiceId": invoice})]
    )


@pytest.fixture
def quality_call(confirmed_invoice, core, supplier1, signing_inspector) -> MemberCall:
    invoice = confirmed_invoice(supplier1, core, FACE)
    expires_at = chain.time() + 365 * DAY
    hashes = (h("batch-1"), h("GB/T 19001"), h("certificate-1"))
    return MemberCall(
        signing_inspector,
        "issue",
        (invoice, hashes[0], hashes[1], PASS, hashes[2], expires_at),
        [
            (
                "CertificateIssued",
                {
                    "certificateId": 1,
                    "invoiceId": invoice,
                    "inspector": signing_inspector,
                    "result": PASS,
                    "batchCodeHash": hex32(hashes[0]),
                    "standardCode": hex32(hashes[1]),
                    "documentHash": hex32(hashes[2]),
                    "expiresAt": expires_at,
                },
            )
        ],
    )


@pytest.fixture
def voucher_call(signing_supplier, bank_b) -> MemberCall:
    return MemberCall(
        signing_supplier,
        "setApprovalForAll",
        (bank_b, True),
        [
            (
                "ApprovalForAll",
                {"owner": signing_supplier, "operator": bank_b, "approved": True},
            )
        ],
    )


@pytest.fixture
def financing_call(credit, signing_supplier) -> MemberCall:
    expires_at = chain.time() + 7 * DAY
    locked = credit + 1
    return MemberCall(
        signing_supplier,
        "requestFinancing",
        (credit, ASKED, expires_at),
        [
            ("Transfer", {"from": ZERO, "to": signing_supplier, "tokenId": locked}),
            ("SlotChanged", {"_tokenId": locked, "_oldSlot": 0, "_newSlot": credit}),
            ("TransferValue", {"_fromTokenId": credit, "_toTokenId": locked, "_value": ASKED}),
            ("FragmentLocked", {"tokenId": locked, "locked": True}),
            (
                "FinancingRequested",
                {
                    "requestId": 1,
                    "holder": signing_supplier,
                    "tokenId": locked,
                    "value": ASKED,
                    "expiresAt": expires_at,
                },
            ),
        ],
    )


@pytest.fixture
def settlement_call(cash, settlement, issued, bank_a, signing_core, supplier1) -> MemberCall:
    credit_id = issued(signing_core, supplier1, FACE)
    deposit(cash, bank_a, signing_core, PART)
    cash.approve(settlement, PART, {"from": signing_core})
    return MemberCall(
        signing_core,
        "repay",
        (credit_id, PART),
        [
            (
                "CreditRepaid",
                {"creditId": credit_id, "payer": signing_core, "amount": PART, "totalRepaid": PART},
            ),
            ("OutstandingChanged", {"obligor": signing_core, "outstanding": FACE - PART}),
            ("Transfer", {"from": signing_core, "to": settlement, "value": PART}),
        ],
    )


@pytest.mark.parametrize(
    "contract", ["consortium", "cash", "invoices", "quality", "voucher", "financing", "settlement"]
)
def test_each_platform_contract_reads_the_signer_of_a_relayed_request(
    request, platform, forwarder, relayer, contract
):
    call = request.getfixturevalue(f"{contract}_call")
    target = platform[contract]

    tx = forwarder.execute(
        signed_request(forwarder, call.member, target, call.function, *call.args),
        {"from": relayer},
    )

    assert target.isTrustedForwarder(forwarder)
    assert not target.isTrustedForwarder(relayer)
    assert emitted(tx) == [*call.events, executed(call.member, 0)]
    assert forwarder.nonces(call.member) == 1


# ----------------------------------------------------------------- direct and relayed alike


def test_invoice_registered_directly_and_through_the_forwarder(
    invoices, forwarder, relayer, signing_supplier, core
):
    due = chain.time() + 90 * DAY
    second = (core, TRADE, due, h("INV-2"), h("doc-2"))

    direct = invoices.register(core, FACE, due, h("INV-1"), h("doc-1"), {"from": signing_supplier})
    relayed = forwarder.execute(
        signed_request(forwarder, signing_supplier, invoices, "register", *second),
        {"from": relayer},
    )

    def registered(invoice_id: int, amount: int, number: str, document: str) -> tuple:
        return (
            "InvoiceRegistered",
            {
                "invoiceId": invoice_id,
                "seller": signing_supplier,
                "buyer": core,
                "amount": amount,
                "dueDate": due,
                "numberHash": hex32(h(number)),
                "documentHash": hex32(h(document)),
            },
        )

    assert emitted(direct) == [registered(1, FACE, "INV-1", "doc-1")]
    assert emitted(relayed) == [
        registered(2, TRADE, "INV-2", "doc-2"),
        executed(signing_supplier, 0),
    ]
    assert [invoices.invoice(i)["seller"] for i in (1, 2)] == [signing_supplier] * 2
    assert forwarder.nonces(signing_supplier) == 1


def test_split_transfer_by_a_supplier_directly_and_through_the_forwarder(
    voucher,
    invoices,
    forwarder,
    relayer,
    credit,
    trade_invoice,
    split,
    split_emits,
    signing_supplier,
    supplier2,
):
    direct = voucher.splitTransfer(
        credit, supplier2, PART, trade_invoice, {"from": signing_supplier}
    )
    relayed = forwarder.execute(split(), {"from": relayer})

    assert emitted(direct) == split_emits(credit + 1)
    assert emitted(relayed) == [
        *split_emits(credit + 2, TRADE - 2 * PART),
        executed(signing_supplier, 0),
    ]
    assert voucher.balanceOf["uint256"](credit) == FACE - 2 * PART
    assert [voucher.ownerOf(credit + i) for i in (1, 2)] == [supplier2] * 2
    assert [voucher.balanceOf["uint256"](credit + i) for i in (1, 2)] == [PART] * 2
    assert invoices.invoice(trade_invoice)["remaining"] == TRADE - 2 * PART


def test_credit_issued_by_a_core_enterprise_directly_and_through_the_forwarder(
    voucher,
    consortium,
    forwarder,
    relayer,
    confirmed_invoice,
    credit_line,
    bank_a,
    signing_core,
    supplier1,
):
    credit_line(bank_a, signing_core, LINE)
    first, second = (confirmed_invoice(supplier1, signing_core, FACE) for _ in range(2))
    maturity = chain.time() + 90 * DAY

    direct = voucher.issue(first, FACE, maturity, 0, {"from": signing_core})
    relayed = forwarder.execute(
        signed_request(forwarder, signing_core, voucher, "issue", second, PART, maturity, 0),
        {"from": relayer},
    )

    def issued(credit_id: int, invoice: int, face: int, outstanding: int) -> list:
        return [
            ("InvoiceDrawnDown", {"invoiceId": invoice, "amount": face, "remaining": FACE - face}),
            ("OutstandingChanged", {"obligor": signing_core, "outstanding": outstanding}),
            ("Transfer", {"from": ZERO, "to": supplier1, "tokenId": credit_id}),
            ("SlotChanged", {"_tokenId": credit_id, "_oldSlot": 0, "_newSlot": credit_id}),
            ("TransferValue", {"_fromTokenId": 0, "_toTokenId": credit_id, "_value": face}),
            (
                "CreditIssued",
                {
                    "creditId": credit_id,
                    "obligor": signing_core,
                    "supplier": supplier1,
                    "faceValue": face,
                    "maturity": maturity,
                    "invoiceId": invoice,
                    "certificateId": 0,
                    "gracePeriodDays": 30,
                },
            ),
        ]

    assert emitted(direct) == issued(1, first, FACE, FACE)
    assert emitted(relayed) == [*issued(2, second, PART, FACE + PART), executed(signing_core, 0)]
    assert [voucher.credit(i)["obligor"] for i in (1, 2)] == [signing_core] * 2
    assert [voucher.balanceOf["uint256"](i) for i in (1, 2)] == [FACE, PART]
    assert consortium.outstanding(signing_core) == FACE + PART


def test_quote_with_a_permit_by_a_financier_directly_and_through_the_forwarder(
    financing, cash, consortium, forwarder, relayer, issued, core, supplier1, signing_bank
):
    credit_id = issued(core, supplier1, FACE)
    request_id = financing.requestFinancing(
        credit_id, ASKED, chain.time() + 7 * DAY, {"from": supplier1}
    ).return_value
    consortium.setCreditLine(core, LINE, {"from": signing_bank})

    direct = financing.submitQuoteWithPermit(
        request_id,
        RATE,
        ASKED,
        *permit(cash, signing_bank, financing, ASKED),
        {"from": signing_bank},
    )
    # The second permit raises the allowance to FACE: the forwarded call's permit took effect.
    quote = (request_id, RATE - 100, FACE, *permit(cash, signing_bank, financing, FACE))
    relayed = forwarder.execute(
        signed_request(forwarder, signing_bank, financing, "submitQuoteWithPermit", *quote),
        {"from": relayer},
    )

    def quoted(quote_id: int, rate: int, allowance: int) -> list:
        return [
            ("Approval", {"owner": signing_bank, "spender": financing, "value": allowance}),
            (
                "QuoteSubmitted",
                {
                    "quoteId": quote_id,
                    "requestId": request_id,
                    "financier": signing_bank,
                    "rateBps": rate,
                },
            ),
        ]

    assert emitted(direct) == quoted(1, RATE, ASKED)
    assert emitted(relayed) == [*quoted(2, RATE - 100, FACE), executed(signing_bank, 0)]
    assert [financing.quote(i)["financier"] for i in (1, 2)] == [signing_bank] * 2
    assert cash.allowance(signing_bank, financing) == FACE
    assert cash.nonces(signing_bank) == 2


# ----------------------------------------------------------------- only the forwarder names senders


def test_an_appended_address_from_another_sender_registers_as_that_sender(
    invoices, forwarder, relayer, signing_supplier, supplier2, core
):
    due = chain.time() + 90 * DAY
    data = invoices.register.encode_input(core, FACE, due, h("INV-1"), h("doc-1"))
    own = (core, FACE, due, h("INV-1"), h("doc-2"))

    posing = supplier2.transfer(invoices, 0, data=with_sender(data, signing_supplier))
    relayed = forwarder.execute(
        signed_request(forwarder, signing_supplier, invoices, "register", *own),
        {"from": relayer},
    )

    assert event_args(posing, "InvoiceRegistered")["seller"] == supplier2
    assert event_args(relayed, "InvoiceRegistered")["seller"] == signing_supplier
    assert [invoices.invoice(i)["seller"] for i in (1, 2)] == [supplier2, signing_supplier]


def test_an_appended_holder_from_another_sender_moves_nothing(
    voucher, forwarder, relayer, credit, trade_invoice, split, signing_supplier, supplier2, bank_b
):
    data = voucher.splitTransfer.encode_input(credit, supplier2, PART, trade_invoice)

    with brownie.reverts(err("VoucherInsufficientAllowance", bank_b, credit, 0, PART)):
        bank_b.transfer(voucher, 0, data=with_sender(data, signing_supplier))
    assert voucher.balanceOf["uint256"](credit) == FACE

    forwarder.execute(split(), {"from": relayer})

    assert voucher.balanceOf["uint256"](credit) == FACE - PART
    assert voucher.ownerOf(credit + 1) == supplier2


# ----------------------------------------------------------------- batches


def test_batch_skips_a_request_that_reverts_and_uses_its_nonce(
    voucher,
    forwarder,
    relayer,
    credit,
    overdrawn,
    split,
    split_emits,
    signing_supplier,
    signing_supplier2,
    supplier3,
):
    (function, args), overdrawn_fragment = overdrawn
    requests = [
        split(nonce=0),
        signed_request(forwarder, signing_supplier2, voucher, function, *args),
        split(nonce=1),
    ]
    child = voucher.tokenCount() + 1

    tx = forwarder.executeBatch(requests, relayer, {"from": relayer})

    assert emitted(tx) == [
        *split_emits(child),
        executed(signing_supplier, 0),
        executed(signing_supplier2, 0, success=False),
        *split_emits(child + 1, TRADE - 2 * PART),
        executed(signing_supplier, 1),
    ]
    assert voucher.tokenCount() == child + 1
    assert voucher.balanceOf["uint256"](credit) == FACE - 2 * PART
    assert voucher.balanceOf["uint256"](overdrawn_fragment) == FACE
    assert voucher.balanceOf["address"](supplier3) == 0
    assert (forwarder.nonces(signing_supplier), forwarder.nonces(signing_supplier2)) == (2, 1)


def test_batch_skips_expired_and_forged_requests_without_using_a_nonce(
    voucher, forwarder, relayer, credit, split, split_emits, signing_supplier
):
    impostor = Account.from_key(IMPOSTOR_KEY).address
    requests = [split(deadline=chain.time() - DAY), split(key=IMPOSTOR_KEY), split()]

    tx = forwarder.executeBatch(requests, relayer, {"from": relayer})

    # All three carry nonce 0: the last runs only because the other two left it unused.
    assert emitted(tx) == [*split_emits(credit + 1), executed(signing_supplier, 0)]
    assert voucher.balanceOf["uint256"](credit) == FACE - PART
    assert (forwarder.nonces(signing_supplier), forwarder.nonces(impostor)) == (1, 0)


def test_batch_without_refund_receiver_refuses_an_expired_request(
    voucher, forwarder, relayer, credit, split, split_emits, signing_supplier
):
    deadline = chain.time() - DAY
    valid, expired = split(nonce=0), split(nonce=1, deadline=deadline)

    with brownie.reverts(err("ERC2771ForwarderExpiredRequest", deadline)):
        forwarder.executeBatch([valid, expired], ZERO, {"from": relayer})
    assert forwarder.nonces(signing_supplier) == 0
    assert voucher.balanceOf["uint256"](credit) == FACE

    # Nothing of the refused batch ran: its valid request still runs, at the same nonce.
    tx = forwarder.executeBatch([valid], ZERO, {"from": relayer})

    assert emitted(tx) == [*split_emits(credit + 1), executed(signing_supplier, 0)]


def test_batch_without_refund_receiver_refuses_a_forged_request(
    voucher,
    forwarder,
    relayer,
    credit,
    split,
    split_emits,
    signing_supplier,
    signing_supplier2,
    supplier2,
):
    approval = ("setApprovalForAll", supplier2, True)
    forged = signed_request(forwarder, signing_supplier2, voucher, *approval, key=IMPOSTOR_KEY)
    impostor = Account.from_key(IMPOSTOR_KEY).address

    with brownie.reverts(err("ERC2771ForwarderInvalidSigner", impostor, signing_supplier2)):
        forwarder.executeBatch([split(), forged], ZERO, {"from": relayer})
    assert voucher.balanceOf["uint256"](credit) == FACE

    tx = forwarder.executeBatch([split()], ZERO, {"from": relayer})

    assert emitted(tx) == [*split_emits(credit + 1), executed(signing_supplier, 0)]
    assert not voucher.isApprovedForAll(signing_supplier2, supplier2)


def test_batch_without_refund_receiver_still_runs_past_a_request_that_reverts(
    voucher,
    forwarder,
    relayer,
    overdrawn,
    split,
    split_emits,
    signing_supplier,
    signing_supplier2,
):
    """A zero refund receiver makes a batch all-or-nothing over the requests' validity only
    (signer, deadline, target): a request whose call reverts is skipped and its nonce used, as with
    a refund receiver (OpenZeppelin's ERC2771Forwarder). Only `execute` reverts on a failed call."""
    (function, args), overdrawn_fragment = overdrawn
    requests = [signed_request(forwarder, signing_supplier2, voucher, function, *args), split()]
    child = voucher.tokenCount() + 1

    tx = forwarder.executeBatch(requests, ZERO, {"from": relayer})

    assert emitted(tx) == [
        executed(signing_supplier2, 0, success=False),
        *split_emits(child),
        executed(signing_supplier, 0),
    ]
    assert voucher.balanceOf["uint256"](overdrawn_fragment) == FACE
    assert (forwarder.nonces(signing_supplier), forwarder.nonces(signing_supplier2)) == (1, 1)


def test_execute_of_a_request_that_reverts_reverts_and_keeps_the_nonce(
    voucher, forwarder, relayer, credit, split, split_emits, signing_supplier
):
    # More than the trade invoice has left: the voucher refuses, the forwarder reports FailedCall.
    with brownie.reverts(err("FailedCall")):
        forwarder.execute(split(TRADE + 1), {"from": relayer})
    assert forwarder.nonces(signing_supplier) == 0

    tx = forwarder.execute(split(nonce=0), {"from": relayer})

    assert emitted(tx) == [*split_emits(credit + 1), executed(signing_supplier, 0)]
    assert voucher.balanceOf["uint256"](credit) == FACE - PART


# ----------------------------------------------------------------- replays


def test_replayed_request_is_refused(voucher, forwarder, relayer, credit, split, signing_supplier):
    request = split()
    forwarder.execute(request, {"from": relayer})
    # The signature covers nonce 0; with the nonce at 1 it recovers to some other address.
    recovered = recovered_signer(forwarder, request, 1)

    with brownie.reverts(err("ERC2771ForwarderInvalidSigner", recovered, signing_supplier)):
        forwarder.execute(request, {"from": relayer})
    assert voucher.balanceOf["uint256"](credit) == FACE - PART
    assert forwarder.nonces(signing_supplier) == 1


def test_replayed_request_in_a_batch_is_skipped(
    voucher, forwarder, relayer, credit, split, split_emits, signing_supplier
):
    request = split()

    tx = forwarder.executeBatch([request, request], relayer, {"from": relayer})

    assert emitted(tx) == [*split_emits(credit + 1), executed(signing_supplier, 0)]
    assert voucher.balanceOf["uint256"](credit) == FACE - PART
    assert voucher.tokenCount() == credit + 1


# ----------------------------------------------------------------- the platform's own hooks


def test_draw_issuance_is_out_of_a_members_reach(
    consortium, forwarder, relayer, as_forwarder, signing_core, supplier1
):
    draw = (signing_core, supplier1, FACE)
    data = with_sender(consortium.drawIssuance.encode_input(*draw), signing_core)
    with brownie.reverts(err("ConsortiumNotVoucher", forwarder)):
        as_forwarder.transfer(consortium, 0, data=data)
    requests = [
        signed_request(forwarder, signing_core, consortium, "drawIssuance", *draw, nonce=0),
        signed_request(forwarder, signing_core, consortium, "setQualityRequirement", True, nonce=1),
    ]

    tx = forwarder.executeBatch(requests, relayer, {"from": relayer})

    assert emitted(tx) == [
        executed(signing_core, 0, success=False),
        ("QualityRequirementChanged", {"obligor": signing_core, "required": True}),
        executed(signing_core, 1),
    ]
    assert consortium.outstanding(signing_core) == 0


def test_restore_quota_is_out_of_a_members_reach(
    consortium, forwarder, relayer, as_forwarder, issued, signing_core, supplier1
):
    issued(signing_core, supplier1, FACE)
    restore = (signing_core, FACE)
    data = with_sender(consortium.restoreQuota.encode_input(*restore), signing_core)
    with brownie.reverts(err("AccessControlUnauthorizedAccount", forwarder, ROLE["PLATFORM"])):
        as_forwarder.transfer(consortium, 0, data=data)
    requests = [
        signed_request(forwarder, signing_core, consortium, "restoreQuota", *restore, nonce=0),
        signed_request(forwarder, signing_core, consortium, "setQualityRequirement", True, nonce=1),
    ]

    tx = forwarder.executeBatch(requests, relayer, {"from": relayer})

    assert emitted(tx) == [
        executed(signing_core, 0, success=False),
        ("QualityRequirementChanged", {"obligor": signing_core, "required": True}),
        executed(signing_core, 1),
    ]
    assert consortium.outstanding(signing_core) == FACE


def test_voucher_lock_is_out_of_a_members_reach(
    voucher, financing, forwarder, relayer, as_forwarder, credit, signing_supplier
):
    lock = (credit, ASKED, signing_supplier)
    data = with_sender(voucher.lock.encode_input(*lock), signing_supplier)
    with brownie.reverts(err("VoucherNotPlatform", forwarder)):
        as_forwarder.transfer(voucher, 0, data=data)
    expires_at = chain.time() + 7 * DAY
    ask = (credit, ASKED, expires_at)
    requests = [
        signed_request(forwarder, signing_supplier, voucher, "lock", *lock, nonce=0),
        # The member reaches the lock the way the platform offers it: by asking for financing.
        signed_request(forwarder, signing_supplier, financing, "requestFinancing", *ask, nonce=1),
    ]

    tx = forwarder.executeBatch(requests, relayer, {"from": relayer})

    locked = credit + 1
    assert emitted(tx) == [
        executed(signing_supplier, 0, success=False),
        ("Transfer", {"from": ZERO, "to": signing_supplier, "tokenId": locked}),
        ("SlotChanged", {"_tokenId": locked, "_oldSlot": 0, "_newSlot": credit}),
        ("TransferValue", {"_fromTokenId": credit, "_toTokenId": locked, "_value": ASKED}),
        ("FragmentLocked", {"tokenId": locked, "locked": True}),
        (
            "FinancingRequested",
            {
                "requestId": 1,
                "holder": signing_supplier,
                "tokenId": locked,
                "value": ASKED,
                "expiresAt": expires_at,
            },
        ),
        executed(signing_supplier, 1),
    ]
    assert voucher.fragment(locked)["locked"]
    assert financing.request(1)["holder"] == signing_supplier
