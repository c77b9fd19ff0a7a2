"""InvoiceRegistry: register, confirm, reject, cancel, draw-down; every anchor is unique."""

import brownie
import pytest
from brownie import InvoiceRegistry, chain
from conftest import DAY, ROLE, UNIT, ZERO, emitted, err, h, hex32, next_block_at

NONE, REGISTERED, CONFIRMED, REJECTED, CANCELLED = range(5)
SUSPENDED = 2
AMOUNT = 500 * UNIT
NUMBER = h("INV-2024-001")
DOCUMENT = h("doc:INV-2024-001")
UINT96_MAX = 2**96 - 1
UINT40_MAX = 2**40 - 1


@pytest.fixture
def due() -> int:
    return chain.time() + 60 * DAY


@pytest.fixture
def registered(invoices, supplier1, core, due) -> int:
    """Invoice NUMBER of AMOUNT from supplier1 to core, registered and not yet answered."""
    return invoices.register(core, AMOUNT, due, NUMBER, DOCUMENT, {"from": supplier1}).return_value


@pytest.fixture
def voucher_stand_in(roles):
    """Plays the linked voucher of a standalone registry, so draw-down can be called directly."""
    return roles["other"]


@pytest.fixture
def standalone(consortium, operator, voucher_stand_in):
    """A second registry whose linked voucher is `voucher_stand_in`."""
    registry = InvoiceRegistry.deploy(consortium, {"from": operator})
    registry.linkVoucher(voucher_stand_in, {"from": operator})
    return registry


@pytest.fixture
def standalone_confirmed(standalone, supplier1, core, due) -> int:
    """Invoice NUMBER of AMOUNT from supplier1 to core in the standalone registry, confirmed."""
    invoice_id = standalone.register(
        core, AMOUNT, due, NUMBER, DOCUMENT, {"from": supplier1}
    ).return_value
    standalone.confirm(invoice_id, {"from": core})
    return invoice_id


# ----------------------------------------------------------------- register


def test_register_records_the_invoice(invoices, supplier1, core, due):
    tx = invoices.register(core, AMOUNT, due, NUMBER, DOCUMENT, {"from": supplier1})

    assert tx.return_value == 1
    assert emitted(tx) == [
        (
            "InvoiceRegistered",
            {
                "invoiceId": 1,
                "seller": supplier1,
                "buyer": core,
                "amount": AMOUNT,
                "dueDate": due,
                "numberHash": hex32(NUMBER),
                "documentHash": hex32(DOCUMENT),
            },
        )
    ]
    assert tuple(invoices.invoice(1)) == (
        supplier1,
        REGISTERED,
        due,
        core,
        0,
        AMOUNT,
        hex32(NUMBER),
        hex32(DOCUMENT),
    )
    assert invoices.invoiceIdByNumber(supplier1, NUMBER) == 1
    assert invoices.invoiceIdByDocument(DOCUMENT) == 1
    assert invoices.invoiceCount() == 1


def test_register_numbers_invoices_from_one(invoices, supplier1, supplier2, core, due):
    invoices.register(core, AMOUNT, due, NUMBER, DOCUMENT, {"from": supplier1})

    tx = invoices.register(supplier1, AMOUNT, due, h("INV-7"), h("doc:INV-7"), {"from": supplier2})

    assert tx.return_value == 2
    assert invoices.invoiceCount() == 2


def test_register_to_a_supplier_buyer_succeeds(invoices, supplier1, supplier2, due):
    tx = invoices.register(supplier1, AMOUNT, due, NUMBER, DOCUMENT, {"from": supplier2})

    assert invoices.invoice(tx.return_value)["buyer"] == supplier1


def test_register_same_number_by_another_seller_succeeds(
    invoices, registered, supplier1, supplier2, core, due
):
    tx = invoices.register(
        core, AMOUNT, due, NUMBER, h("doc:supplier2:INV-2024-001"), {"from": supplier2}
    )

    assert invoices.invoiceIdByNumber(supplier2, NUMBER) == tx.return_value == registered + 1
    assert invoices.invoiceIdByNumber(supplier1, NUMBER) == registered


def test_register_accepts_the_largest_storable_amount_and_due_date(invoices, supplier1, core):
    tx = invoices.register(core, UINT96_MAX, UINT40_MAX, NUMBER, DOCUMENT, {"from": supplier1})

    invoice = invoices.invoice(tx.return_value)
    assert (invoice["amount"], invoice["dueDate"]) == (UINT96_MAX, UINT40_MAX)


def test_register_same_number_twice_reverts(invoices, registered, supplier1, core, due):
    with brownie.reverts(err("InvoiceAlreadyRegistered", supplier1, NUMBER, registered)):
        invoices.register(core, AMOUNT, due, NUMBER, h("doc:other"), {"from": supplier1})


def test_register_same_document_twice_reverts(invoices, registered, supplier2, core, due):
    with brownie.reverts(err("InvoiceDocumentAlreadyRegistered", DOCUMENT, registered)):
        invoices.register(core, AMOUNT, due, h("INV-other"), DOCUMENT, {"from": supplier2})


def test_register_number_of_a_cancelled_invoice_reverts(invoices, registered, supplier1, core, due):
    invoices.cancel(registered, {"from": supplier1})

    with brownie.reverts(err("InvoiceAlreadyRegistered", supplier1, NUMBER, registered)):
        invoices.register(core, AMOUNT, due, NUMBER, h("doc:reissued"), {"from": supplier1})


def test_register_document_of_a_rejected_invoice_reverts(
    invoices, registered, supplier1, core, due
):
    invoices.reject(registered, h("not ours"), {"from": core})

    with brownie.reverts(err("InvoiceDocumentAlreadyRegistered", DOCUMENT, registered)):
        invoices.register(core, AMOUNT, due, h("INV-reissued"), DOCUMENT, {"from": supplier1})


def test_register_by_non_supplier_reverts(invoices, core, core2, due):
    with brownie.reverts(err("ConsortiumMissingRole", core2, ROLE["SUPPLIER"])):
        invoices.register(core, AMOUNT, due, NUMBER, DOCUMENT, {"from": core2})


def test_register_by_non_member_reverts(invoices, stranger, core, due):
    with brownie.reverts(err("ConsortiumMemberNotActive", stranger, NONE)):
        invoices.register(core, AMOUNT, due, NUMBER, DOCUMENT, {"from": stranger})


def test_register_by_suspended_seller_reverts(invoices, consortium, operator, supplier1, core, due):
    consortium.suspend(supplier1, h("late filings"), {"from": operator})

    with brownie.reverts(err("ConsortiumMemberNotActive", supplier1, SUSPENDED)):
        invoices.register(core, AMOUNT, due, NUMBER, DOCUMENT, {"from": supplier1})


def test_register_to_non_member_buyer_reverts(invoices, supplier1, stranger, due):
    with brownie.reverts(err("ConsortiumMemberNotActive", stranger, NONE)):
        invoices.register(stranger, AMOUNT, due, NUMBER, DOCUMENT, {"from": supplier1})


def test_register_to_suspended_buyer_reverts(invoices, consortium, operator, supplier1, core, due):
    consortium.suspend(core, h("audit"), {"from": operator})

    with brownie.reverts(err("ConsortiumMemberNotActive", core, SUSPENDED)):
        invoices.register(core, AMOUNT, due, NUMBER, DOCUMENT, {"from": supplier1})


def test_register_while_paused_reverts(invoices, consortium, operator, supplier1, core, due):
    consortium.pause({"from": operator})

    with brownie.reverts(err("EnforcedPause")):
        invoices.register(core, AMOUNT, due, NUMBER, DOCUMENT, {"from": supplier1})


def test_register_to_oneself_reverts(invoices, supplier1, due):
    with brownie.reverts(err("InvoiceInvalidParties", supplier1, supplier1)):
        invoices.register(supplier1, AMOUNT, due, NUMBER, DOCUMENT, {"from": supplier1})


def test_register_to_buyer_that_neither_supplies_nor_issues_reverts(
    invoices, supplier1, bank_a, due
):
    with brownie.reverts(err("InvoiceInvalidParties", supplier1, bank_a)):
        invoices.register(bank_a, AMOUNT, due, NUMBER, DOCUMENT, {"from": supplier1})


def test_register_with_empty_number_hash_reverts(invoices, supplier1, core, due):
    with brownie.reverts(err("InvoiceInvalidParties", supplier1, core)):
        invoices.register(core, AMOUNT, due, bytes(32), DOCUMENT, {"from": supplier1})


def test_register_with_empty_document_hash_reverts(invoices, supplier1, core, due):
    with brownie.reverts(err("InvoiceInvalidParties", supplier1, core)):
        invoices.register(core, AMOUNT, due, NUMBER, bytes(32), {"from": supplier1})


@pytest.mark.parametrize("amount", [0, UINT96_MAX + 1], ids=["zero", "over-uint96"])
def test_register_with_invalid_amount_reverts(invoices, supplier1, core, due, amount):
    with brownie.reverts(err("InvoiceInvalidAmount", amount)):
        invoices.register(core, amount, due, NUMBER, DOCUMENT, {"from": supplier1})


def test_register_due_now_reverts(invoices, supplier1, core):
    now = next_block_at(chain[-1].timestamp + 10)

    with brownie.reverts(err("InvoiceInvalidDueDate", now, now)):
        invoices.register(core, AMOUNT, now, NUMBER, DOCUMENT, {"from": supplier1})


def test_register_due_date_beyond_uint40_reverts(invoices, supplier1, core):
    now = next_block_at(chain[-1].timestamp + 10)

    with brownie.reverts(err("InvoiceInvalidDueDate", UINT40_MAX + 1, now)):
        invoices.register(core, AMOUNT, UINT40_MAX + 1, NUMBER, DOCUMENT, {"from": supplier1})


# ----------------------------------------------------------------- confirm


def test_confirm_makes_the_whole_amount_available(invoices, registered, core):
    tx = invoices.confirm(registered, {"from": core})

    assert emitted(tx) == [("InvoiceConfirmed", {"invoiceId": registered})]
    invoice = invoices.invoice(registered)
    assert (invoice["status"], invoice["remaining"]) == (CONFIRMED, AMOUNT)


def test_confirm_by_seller_reverts(invoices, registered, supplier1):
    with brownie.reverts(err("InvoiceUnauthorizedParty", registered, supplier1)):
        invoices.confirm(registered, {"from": supplier1})


def test_confirm_by_third_party_reverts(invoices, registered, core2):
    with brownie.reverts(err("InvoiceUnauthorizedParty", registered, core2)):
        invoices.confirm(registered, {"from": core2})


def test_confirm_by_suspended_buyer_reverts(invoices, consortium, operator, registered, core):
    consortium.suspend(core, h("audit"), {"from": operator})

    with brownie.reverts(err("ConsortiumMemberNotActive", core, SUSPENDED)):
        invoices.confirm(registered, {"from": core})


def test_confirm_while_paused_reverts(invoices, consortium, operator, registered, core):
    consortium.pause({"from": operator})

    with brownie.reverts(err("EnforcedPause")):
        invoices.confirm(registered, {"from": core})


def test_confirm_of_unknown_invoice_reverts(invoices, core):
    with brownie.reverts(err("InvoiceNotFound", 99)):
        invoices.confirm(99, {"from": core})


def test_confirm_twice_reverts(invoices, registered, core):
    invoices.confirm(registered, {"from": core})

    with brownie.reverts(err("InvoiceInvalidStatus", registered, CONFIRMED)):
        invoices.confirm(registered, {"from": core})


def test_confirm_of_rejected_invoice_reverts(invoices, registered, core):
    invoices.reject(registered, h("not ours"), {"from": core})

    with brownie.reverts(err("InvoiceInvalidStatus", registered, REJECTED)):
        invoices.confirm(registered, {"from": core})


def test_confirm_of_cancelled_invoice_reverts(invoices, registered, supplier1, core):
    invoices.cancel(registered, {"from": supplier1})

    with brownie.reverts(err("InvoiceInvalidStatus", registered, CANCELLED)):
        invoices.confirm(registered, {"from": core})


# ----------------------------------------------------------------- reject


def test_reject_closes_the_invoice(invoices, registered, core):
    tx = invoices.reject(registered, h("goods never arrived"), {"from": core})

    assert emitted(tx) == [
        (
            "InvoiceRejected",
            {"invoiceId": registered, "reasonHash": hex32(h("goods never arrived"))},
        )
    ]
    invoice = invoices.invoice(registered)
    assert (invoice["status"], invoice["remaining"]) == (REJECTED, 0)


def test_reject_by_seller_reverts(invoices, registered, supplier1):
    with brownie.reverts(err("InvoiceUnauthorizedParty", registered, supplier1)):
        invoices.reject(registered, h("changed my mind"), {"from": supplier1})


def test_reject_by_suspended_buyer_reverts(invoices, consortium, operator, registered, core):
    consortium.suspend(core, h("audit"), {"from": operator})

    with brownie.reverts(err("ConsortiumMemberNotActive", core, SUSPENDED)):
        invoices.reject(registered, h("not ours"), {"from": core})


def test_reject_of_unknown_invoice_reverts(invoices, core):
    with brownie.reverts(err("InvoiceNotFound", 99)):
        invoices.reject(99, h("not ours"), {"from": core})


def test_reject_of_confirmed_invoice_reverts(invoices, registered, core):
    invoices.confirm(registered, {"from": core})

    with brownie.reverts(err("InvoiceInvalidStatus", registered, CONFIRMED)):
        invoices.reject(registered, h("second thoughts"), {"from": core})


# ----------------------------------------------------------------- cancel


def test_cancel_withdraws_the_invoice(invoices, registered, supplier1):
    tx = invoices.cancel(registered, {"from": supplier1})

    assert emitted(tx) == [("InvoiceCancelled", {"invoiceId": registered})]
    assert invoices.invoice(registered)["status"] == CANCELLED


def test_cancel_by_buyer_reverts(invoices, registered, core):
    with brownie.reverts(err("InvoiceUnauthorizedParty", registered, core)):
        invoices.cancel(registered, {"from": core})


def test_cancel_by_suspended_seller_reverts(invoices, consortium, operator, registered, supplier1):
    consortium.suspend(supplier1, h("late filings"), {"from": operator})

    with brownie.reverts(err("ConsortiumMemberNotActive", supplier1, SUSPENDED)):
        invoices.cancel(registered, {"from": supplier1})


def test_cancel_of_unknown_invoice_reverts(invoices, supplier1):
    with brownie.reverts(err("InvoiceNotFound", 99)):
        invoices.cancel(99, {"from": supplier1})


def test_cancel_of_confirmed_invoice_reverts(invoices, registered, supplier1, core):
    invoices.confirm(registered, {"from": core})

    with brownie.reverts(err("InvoiceInvalidStatus", registered, CONFIRMED)):
        invoices.cancel(registered, {"from": supplier1})


def test_cancel_twice_reverts(invoices, registered, supplier1):
    invoices.cancel(registered, {"from": supplier1})

    with brownie.reverts(err("InvoiceInvalidStatus", registered, CANCELLED)):
        invoices.cancel(registered, {"from": supplier1})


# ----------------------------------------------------------------- drawDown (linked voucher only)


def test_draw_down_lowers_remaining_and_names_the_seller(
    standalone, standalone_confirmed, voucher_stand_in, supplier1, core
):
    seller = standalone.drawDown.call(
        standalone_confirmed, core, 200 * UNIT, {"from": voucher_stand_in}
    )
    tx = standalone.drawDown(standalone_confirmed, core, 200 * UNIT, {"from": voucher_stand_in})

    assert seller == supplier1
    assert emitted(tx) == [
        (
            "InvoiceDrawnDown",
            {"invoiceId": standalone_confirmed, "amount": 200 * UNIT, "remaining": 300 * UNIT},
        )
    ]
    assert standalone.invoice(standalone_confirmed)["remaining"] == 300 * UNIT


def test_draw_down_of_the_whole_remaining_succeeds(
    standalone, standalone_confirmed, voucher_stand_in, core
):
    standalone.drawDown(standalone_confirmed, core, 200 * UNIT, {"from": voucher_stand_in})

    tx = standalone.drawDown(standalone_confirmed, core, 300 * UNIT, {"from": voucher_stand_in})

    assert tx.events["InvoiceDrawnDown"]["remaining"] == 0
    assert standalone.invoice(standalone_confirmed)["remaining"] == 0


def test_draw_down_beyond_remaining_reverts(
    standalone, standalone_confirmed, voucher_stand_in, core
):
    standalone.drawDown(standalone_confirmed, core, 200 * UNIT, {"from": voucher_stand_in})

    with brownie.reverts(
        err("InvoiceInsufficientRemaining", standalone_confirmed, 300 * UNIT + 1, 300 * UNIT)
    ):
        standalone.drawDown(standalone_confirmed, core, 300 * UNIT + 1, {"from": voucher_stand_in})


def test_draw_down_by_another_buyer_reverts(
    standalone, standalone_confirmed, voucher_stand_in, supplier1, core, core2
):
    with brownie.reverts(err("InvoicePartyMismatch", standalone_confirmed, core, supplier1)):
        standalone.drawDown(standalone_confirmed, core2, UNIT, {"from": voucher_stand_in})


def test_draw_down_of_unconfirmed_invoice_reverts(
    standalone, voucher_stand_in, supplier1, core, due
):
    invoice_id = standalone.register(
        core, AMOUNT, due, NUMBER, DOCUMENT, {"from": supplier1}
    ).return_value

    with brownie.reverts(err("InvoiceInvalidStatus", invoice_id, REGISTERED)):
        standalone.drawDown(invoice_id, core, UNIT, {"from": voucher_stand_in})


def test_draw_down_of_rejected_invoice_reverts(standalone, voucher_stand_in, supplier1, core, due):
    invoice_id = standalone.register(
        core, AMOUNT, due, NUMBER, DOCUMENT, {"from": supplier1}
    ).return_value
    standalone.reject(invoice_id, h("not ours"), {"from": core})

    with brownie.reverts(err("InvoiceInvalidStatus", invoice_id, REJECTED)):
        standalone.drawDown(invoice_id, core, UNIT, {"from": voucher_stand_in})


def test_draw_down_of_unknown_invoice_reverts(standalone, voucher_stand_in, core):
    with brownie.reverts(err("InvoiceNotFound", 99)):
        standalone.drawDown(99, core, UNIT, {"from": voucher_stand_in})


def test_draw_down_by_anyone_but_the_linked_voucher_reverts(standalone, standalone_confirmed, core):
    with brownie.reverts(err("InvoiceUnauthorizedCaller", core)):
        standalone.drawDown(standalone_confirmed, core, UNIT, {"from": core})


def test_draw_down_through_issuance_draws_the_face_value(
    invoices, voucher, confirmed_invoice, credit_line, supplier1, core, bank_a
):
    credit_line(bank_a, core, AMOUNT)
    invoice_id = confirmed_invoice(supplier1, core, AMOUNT)

    tx = voucher.issue(invoice_id, 200 * UNIT, chain.time() + 30 * DAY, 0, {"from": core})

    assert tx.events["InvoiceDrawnDown"] == {
        "invoiceId": invoice_id,
        "amount": 200 * UNIT,
        "remaining": 300 * UNIT,
    }
    assert invoices.invoice(invoice_id)["remaining"] == 300 * UNIT


# ----------------------------------------------------------------- linkVoucher


def test_link_voucher_links_once(consortium, operator, voucher_stand_in):
    registry = InvoiceRegistry.deploy(consortium, {"from": operator})

    tx = registry.linkVoucher(voucher_stand_in, {"from": operator})

    assert emitted(tx) == [("VoucherLinked", {"voucher": voucher_stand_in})]


def test_link_voucher_again_reverts(invoices, voucher, operator, voucher_stand_in):
    with brownie.reverts(err("InvoiceVoucherAlreadyLinked", voucher)):
        invoices.linkVoucher(voucher_stand_in, {"from": operator})


def test_link_voucher_to_zero_address_reverts(consortium, operator):
    registry = InvoiceRegistry.deploy(consortium, {"from": operator})

    with brownie.reverts(err("InvoiceUnauthorizedCaller", ZERO)):
        registry.linkVoucher(ZERO, {"from": operator})


def test_link_voucher_by_non_operator_reverts(consortium, operator, auditor, voucher_stand_in):
    registry = InvoiceRegistry.deploy(consortium, {"from": operator})

    with brownie.reverts(err("ConsortiumMissingRole", auditor, ROLE["OPERATOR"])):
        registry.linkVoucher(voucher_stand_in, {"from": auditor})


# ----------------------------------------------------------------- views


def test_invoice_of_unknown_id_reverts(invoices):
    with brownie.reverts(err("InvoiceNotFound", 0)):
        invoices.invoice(0)


def test_status_of_follows_the_invoice(invoices, registered, core):
    assert invoices.statusOf(registered) == REGISTERED

    invoices.confirm(registered, {"from": core})

    assert invoices.statusOf(registered) == CONFIRMED


def test_status_of_unknown_invoice_is_none(invoices):
    assert invoices.statusOf(99) == NONE


def test_lookups_of_unknown_anchors_are_zero(invoices, supplier1):
    assert invoices.invoiceIdByNumber(supplier1, NUMBER) == 0
    assert invoices.invoiceIdByDocument(DOCUMENT) == 0
    assert invoices.invoiceIdByNumber(ZERO, bytes(32)) == 0
    assert invoices.invoiceCount() == 0
