"""SettlementToken: cash minted by financiers, burned on withdrawal, permit, members only."""

import brownie
import pytest
from brownie import accounts, chain
from conftest import DAY, ROLE, UNIT, ZERO, emitted, err, h, hex32, next_block_at
from eth_account import Account
from eth_account.messages import encode_typed_data

NONE, SUSPENDED = 0, 2
DEPOSIT = 1_000 * UNIT
MAX_UINT = 2**256 - 1
# Fixed keys, so the permit signer is reproducible.
TREASURER_KEY = "0x" + "a1" * 32
IMPOSTOR_KEY = "0x" + "b2" * 32


@pytest.fixture
def funded(cash, bank_a, supplier1) -> int:
    """supplier1 holds DEPOSIT, minted by bank_a."""
    cash.mint(supplier1, DEPOSIT, h("deposit:supplier1"), {"from": bank_a})
    return DEPOSIT


@pytest.fixture
def treasurer(consortium, operator, cash, bank_a):
    """A member whose key the test holds, so it can sign permits; it holds DEPOSIT."""
    account = accounts.add(TREASURER_KEY)
    consortium.onboard(account, h("kyc:treasurer"), [ROLE["SUPPLIER"]], {"from": operator})
    cash.mint(account, DEPOSIT, h("deposit:treasurer"), {"from": bank_a})
    return account


def permit_message(cash, owner, spender, value: int, nonce: int, deadline: int) -> dict:
    """The EIP-712 typed data of an EIP-2612 permit for `cash`."""
    return {
        "types": {
            "EIP712Domain": [
                {"name": "name", "type": "string"},
                {"name": "version", "type": "string"},
                {"name": "chainId", "type": "uint256"},
                {"name": "verifyingContract", "type": "address"},
            ],
            "Permit": [
                {"name": "owner", "type": "address"},
                {"name": "spender", "type": "address"},
                {"name": "value", "type": "uint256"},
                {"name": "nonce", "type": "uint256"},
                {"name": "deadline", "type": "uint256"},
            ],
        },
        "primaryType": "Permit",
        "domain": {
            "name": cash.name(),
            "version": "1",
            "chainId": chain.id,
            "verifyingContract": cash.address,
        },
        "message": {
            "owner": str(owner),
            "spender": str(spender),
            "value": value,
            "nonce": nonce,
            "deadline": deadline,
        },
    }


def sign(key: str, message: dict) -> tuple[int, bytes, bytes]:
    signed = Account.sign_typed_data(key, full_message=message)
    return signed.v, signed.r.to_bytes(32, "big"), signed.s.to_bytes(32, "big")


def recover(message: dict, v: int, r: bytes, s: bytes) -> str:
    return Account.recover_message(encode_typed_data(full_message=message), vrs=(v, r, s))


# ----------------------------------------------------------------- metadata


def test_metadata_names_the_token_with_six_decimals(cash):
    assert (cash.name(), cash.symbol(), cash.decimals()) == (
        "TierCredit Settlement Token",
        "TCST",
        6,
    )
    assert cash.totalSupply() == 0


def test_domain_separator_is_the_eip712_domain_of_the_token(cash, supplier1, bank_b):
    message = permit_message(cash, supplier1, bank_b, 0, 0, 0)

    assert cash.DOMAIN_SEPARATOR() == hex32(encode_typed_data(full_message=message).header)


# ----------------------------------------------------------------- mint


def test_mint_by_financier_credits_the_member(cash, bank_a, supplier1):
    tx = cash.mint(supplier1, DEPOSIT, h("deposit:001"), {"from": bank_a})

    assert emitted(tx) == [
        ("Transfer", {"from": ZERO, "to": supplier1, "value": DEPOSIT}),
        (
            "Deposited",
            {
                "financier": bank_a,
                "to": supplier1,
                "amount": DEPOSIT,
                "depositRef": hex32(h("deposit:001")),
            },
        ),
    ]
    assert cash.balanceOf(supplier1) == DEPOSIT
    assert cash.totalSupply() == DEPOSIT


def test_mint_by_non_financier_reverts(cash, core, supplier1):
    with brownie.reverts(err("ConsortiumMissingRole", core, ROLE["FINANCIER"])):
        cash.mint(supplier1, DEPOSIT, h("deposit:001"), {"from": core})


def test_mint_by_non_member_reverts(cash, stranger, supplier1):
    with brownie.reverts(err("ConsortiumMemberNotActive", stranger, NONE)):
        cash.mint(supplier1, DEPOSIT, h("deposit:001"), {"from": stranger})


def test_mint_by_suspended_financier_reverts(cash, consortium, operator, bank_a, supplier1):
    consortium.suspend(bank_a, h("capital ratio"), {"from": operator})

    with brownie.reverts(err("ConsortiumMemberNotActive", bank_a, SUSPENDED)):
        cash.mint(supplier1, DEPOSIT, h("deposit:001"), {"from": bank_a})


def test_mint_to_non_member_reverts(cash, bank_a, stranger):
    with brownie.reverts(err("ConsortiumMemberNotActive", stranger, NONE)):
        cash.mint(stranger, DEPOSIT, h("deposit:001"), {"from": bank_a})


def test_mint_to_suspended_member_reverts(cash, consortium, operator, bank_a, supplier1):
    consortium.suspend(supplier1, h("late filings"), {"from": operator})

    with brownie.reverts(err("ConsortiumMemberNotActive", supplier1, SUSPENDED)):
        cash.mint(supplier1, DEPOSIT, h("deposit:001"), {"from": bank_a})


def test_mint_while_paused_reverts(cash, consortium, operator, bank_a, supplier1):
    consortium.pause({"from": operator})

    with brownie.reverts(err("EnforcedPause")):
        cash.mint(supplier1, DEPOSIT, h("deposit:001"), {"from": bank_a})


# ----------------------------------------------------------------- burn


def test_burn_withdraws_from_the_callers_balance(cash, funded, supplier1):
    tx = cash.burn(400 * UNIT, h("withdrawal:001"), {"from": supplier1})

    assert emitted(tx) == [
        ("Transfer", {"from": supplier1, "to": ZERO, "value": 400 * UNIT}),
        (
            "Withdrawn",
            {
                "account": supplier1,
                "amount": 400 * UNIT,
                "withdrawalRef": hex32(h("withdrawal:001")),
            },
        ),
    ]
    assert cash.balanceOf(supplier1) == DEPOSIT - 400 * UNIT
    assert cash.totalSupply() == DEPOSIT - 400 * UNIT


def test_burn_beyond_balance_reverts(cash, funded, supplier1):
    with brownie.reverts(err("ERC20InsufficientBalance", supplier1, DEPOSIT, DEPOSIT + 1)):
        cash.burn(DEPOSIT + 1, h("withdrawal:001"), {"from": supplier1})


def test_burn_by_suspended_member_reverts(cash, consortium, operator, funded, supplier1):
    consortium.suspend(supplier1, h("late filings"), {"from": operator})

    with brownie.reverts(err("ConsortiumMemberNotActive", supplier1, SUSPENDED)):
        cash.burn(UNIT, h("withdrawal:001"), {"from": supplier1})


def test_burn_by_non_member_reverts(cash, stranger):
    with brownie.reverts(err("ConsortiumMemberNotActive", stranger, NONE)):
        cash.burn(0, h("withdrawal:001"), {"from": stranger})


def test_burn_while_paused_reverts(cash, consortium, operator, funded, supplier1):
    consortium.pause({"from": operator})

    with brownie.reverts(err("EnforcedPause")):
        cash.burn(UNIT, h("withdrawal:001"), {"from": supplier1})


# ----------------------------------------------------------------- transfer


def test_transfer_between_members_moves_the_balance(cash, funded, supplier1, supplier2):
    tx = cash.transfer(supplier2, 300 * UNIT, {"from": supplier1})

    assert emitted(tx) == [("Transfer", {"from": supplier1, "to": supplier2, "value": 300 * UNIT})]
    assert cash.balanceOf(supplier1) == DEPOSIT - 300 * UNIT
    assert cash.balanceOf(supplier2) == 300 * UNIT


def test_transfer_to_non_member_reverts(cash, funded, supplier1, stranger):
    with brownie.reverts(err("ConsortiumMemberNotActive", stranger, NONE)):
        cash.transfer(stranger, UNIT, {"from": supplier1})


def test_transfer_to_suspended_member_reverts(
    cash, consortium, operator, funded, supplier1, supplier2
):
    consortium.suspend(supplier2, h("late filings"), {"from": operator})

    with brownie.reverts(err("ConsortiumMemberNotActive", supplier2, SUSPENDED)):
        cash.transfer(supplier2, UNIT, {"from": supplier1})


def test_transfer_from_suspended_member_reverts(
    cash, consortium, operator, funded, supplier1, supplier2
):
    consortium.suspend(supplier1, h("late filings"), {"from": operator})

    with brownie.reverts(err("ConsortiumMemberNotActive", supplier1, SUSPENDED)):
        cash.transfer(supplier2, UNIT, {"from": supplier1})


def test_transfer_from_non_member_reverts(cash, stranger, supplier2):
    with brownie.reverts(err("ConsortiumMemberNotActive", stranger, NONE)):
        cash.transfer(supplier2, 0, {"from": stranger})


def test_transfer_while_paused_reverts(cash, consortium, operator, funded, supplier1, supplier2):
    consortium.pause({"from": operator})

    with brownie.reverts(err("EnforcedPause")):
        cash.transfer(supplier2, UNIT, {"from": supplier1})


def test_transfer_after_unpause_succeeds(cash, consortium, operator, funded, supplier1, supplier2):
    consortium.pause({"from": operator})
    consortium.unpause({"from": operator})

    cash.transfer(supplier2, UNIT, {"from": supplier1})

    assert cash.balanceOf(supplier2) == UNIT


def test_transfer_beyond_balance_reverts(cash, funded, supplier1, supplier2):
    with brownie.reverts(err("ERC20InsufficientBalance", supplier1, DEPOSIT, DEPOSIT + 1)):
        cash.transfer(supplier2, DEPOSIT + 1, {"from": supplier1})


def test_transfer_to_zero_address_reverts(cash, funded, supplier1):
    with brownie.reverts(err("ERC20InvalidReceiver", ZERO)):
        cash.transfer(ZERO, UNIT, {"from": supplier1})


# ----------------------------------------------------------------- approve / transferFrom


def test_approve_sets_the_allowance(cash, supplier1, bank_b):
    tx = cash.approve(bank_b, 250 * UNIT, {"from": supplier1})

    assert emitted(tx) == [
        ("Approval", {"owner": supplier1, "spender": bank_b, "value": 250 * UNIT})
    ]
    assert cash.allowance(supplier1, bank_b) == 250 * UNIT


def test_approve_of_zero_spender_reverts(cash, supplier1):
    with brownie.reverts(err("ERC20InvalidSpender", ZERO)):
        cash.approve(ZERO, UNIT, {"from": supplier1})


def test_transfer_from_spends_the_allowance(cash, funded, supplier1, supplier2, bank_b):
    cash.approve(bank_b, 250 * UNIT, {"from": supplier1})

    tx = cash.transferFrom(supplier1, supplier2, 100 * UNIT, {"from": bank_b})

    assert emitted(tx) == [("Transfer", {"from": supplier1, "to": supplier2, "value": 100 * UNIT})]
    assert cash.allowance(supplier1, bank_b) == 150 * UNIT
    assert cash.balanceOf(supplier2) == 100 * UNIT


def test_transfer_from_with_unlimited_allowance_keeps_it(
    cash, funded, supplier1, supplier2, bank_b
):
    cash.approve(bank_b, MAX_UINT, {"from": supplier1})

    cash.transferFrom(supplier1, supplier2, 100 * UNIT, {"from": bank_b})

    assert cash.allowance(supplier1, bank_b) == MAX_UINT


def test_transfer_from_beyond_allowance_reverts(cash, funded, supplier1, supplier2, bank_b):
    cash.approve(bank_b, 250 * UNIT, {"from": supplier1})

    with brownie.reverts(err("ERC20InsufficientAllowance", bank_b, 250 * UNIT, 250 * UNIT + 1)):
        cash.transferFrom(supplier1, supplier2, 250 * UNIT + 1, {"from": bank_b})


def test_transfer_from_to_non_member_reverts(cash, funded, supplier1, bank_b, stranger):
    cash.approve(bank_b, 250 * UNIT, {"from": supplier1})

    with brownie.reverts(err("ConsortiumMemberNotActive", stranger, NONE)):
        cash.transferFrom(supplier1, stranger, UNIT, {"from": bank_b})


# ----------------------------------------------------------------- permit (EIP-2612)


def test_permit_with_owners_signature_sets_the_allowance(cash, treasurer, bank_b):
    deadline = chain.time() + DAY
    v, r, s = sign(TREASURER_KEY, permit_message(cash, treasurer, bank_b, 250 * UNIT, 0, deadline))

    tx = cash.permit(treasurer, bank_b, 250 * UNIT, deadline, v, r, s, {"from": bank_b})

    assert emitted(tx) == [
        ("Approval", {"owner": treasurer, "spender": bank_b, "value": 250 * UNIT})
    ]
    assert cash.allowance(treasurer, bank_b) == 250 * UNIT
    assert cash.nonces(treasurer) == 1


def test_permit_allowance_can_be_spent_by_the_spender(cash, treasurer, bank_b):
    deadline = chain.time() + DAY
    v, r, s = sign(TREASURER_KEY, permit_message(cash, treasurer, bank_b, 250 * UNIT, 0, deadline))
    cash.permit(treasurer, bank_b, 250 * UNIT, deadline, v, r, s, {"from": bank_b})

    cash.transferFrom(treasurer, bank_b, 250 * UNIT, {"from": bank_b})

    assert cash.balanceOf(bank_b) == 250 * UNIT
    assert cash.allowance(treasurer, bank_b) == 0


def test_permit_past_its_deadline_reverts(cash, treasurer, bank_b):
    deadline = next_block_at(chain[-1].timestamp + 10) - 1
    v, r, s = sign(TREASURER_KEY, permit_message(cash, treasurer, bank_b, 250 * UNIT, 0, deadline))

    with brownie.reverts(err("ERC2612ExpiredSignature", deadline)):
        cash.permit(treasurer, bank_b, 250 * UNIT, deadline, v, r, s, {"from": bank_b})


def test_permit_signed_by_another_key_reverts(cash, treasurer, bank_b):
    deadline = chain.time() + DAY
    v, r, s = sign(IMPOSTOR_KEY, permit_message(cash, treasurer, bank_b, 250 * UNIT, 0, deadline))

    with brownie.reverts(
        err("ERC2612InvalidSigner", Account.from_key(IMPOSTOR_KEY).address, treasurer)
    ):
        cash.permit(treasurer, bank_b, 250 * UNIT, deadline, v, r, s, {"from": bank_b})


def test_permit_with_a_changed_value_reverts(cash, treasurer, bank_b):
    deadline = chain.time() + DAY
    v, r, s = sign(TREASURER_KEY, permit_message(cash, treasurer, bank_b, 250 * UNIT, 0, deadline))
    # The contract recovers a signer from the digest of what was submitted, not of what was signed.
    recovered = recover(permit_message(cash, treasurer, bank_b, MAX_UINT, 0, deadline), v, r, s)

    with brownie.reverts(err("ERC2612InvalidSigner", recovered, treasurer)):
        cash.permit(treasurer, bank_b, MAX_UINT, deadline, v, r, s, {"from": bank_b})


def test_permit_replayed_reverts(cash, treasurer, bank_b):
    deadline = chain.time() + DAY
    v, r, s = sign(TREASURER_KEY, permit_message(cash, treasurer, bank_b, 250 * UNIT, 0, deadline))
    cash.permit(treasurer, bank_b, 250 * UNIT, deadline, v, r, s, {"from": bank_b})
    # The nonce moved on, so the same signature now recovers to some other address.
    recovered = recover(permit_message(cash, treasurer, bank_b, 250 * UNIT, 1, deadline), v, r, s)

    with brownie.reverts(err("ERC2612InvalidSigner", recovered, treasurer)):
        cash.permit(treasurer, bank_b, 250 * UNIT, deadline, v, r, s, {"from": bank_b})
