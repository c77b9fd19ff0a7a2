"""On-chain cash writes (mint, burn, approve), credit lines, and the writes that draw a member's
cash: with an EIP-2612 permit signed with the member's custodial key, so that quoting and
repaying need no separate approval transaction, or, where the platform holds no key of the
member, against the allowance the member granted with its own approval."""

from collections.abc import Callable
from dataclasses import dataclass

from backend.api_deps import Reply
from backend.cash.schemas import (
    SPENDER_CONTRACTS,
    ApprovalCreate,
    ApprovalWrite,
    BurnCreate,
    BurnWrite,
    CashBalance,
    CreditLineSet,
    CreditLineWrite,
    MintCreate,
    MintWrite,
)
from backend.chain import consortium, settlement_token
from backend.chain.calls import ContractCall
from backend.chain.sender import TxOutcome, node_errors
from backend.documents.hashing import text_hash, to_hex
from backend.members.models import Member
from backend.readmodels.models import Exposure
from backend.reads.schemas import CreditLineRead
from backend.writes import Actor, ChainWriter, projected

TOKEN = "SettlementToken"
# A permit is used at once; an hour covers a slow node without leaving it open for long.
PERMIT_LIFETIME_SECONDS = 3600
PERMIT_TYPES = {
    "Permit": [
        {"name": "owner", "type": "address"},
        {"name": "spender", "type": "address"},
        {"name": "value", "type": "uint256"},
        {"name": "nonce", "type": "uint256"},
        {"name": "deadline", "type": "uint256"},
    ]
}


@dataclass(frozen=True)
class Permit:
    """An EIP-2612 permit of the actor for a platform contract, as the contracts take it."""

    value: int
    deadline: int
    v: int
    r: bytes
    s: bytes


def sign_permit(writer: ChainWriter, actor: Actor, spender: str, value: int) -> Permit:
    """Signs a permit letting platform contract `spender` pull `value` of the actor's cash.

    Call inside `writer.serialized(actor)`: the permit signs the token's current nonce.
    """
    chain = writer.chain
    token = chain.contract(TOKEN)
    with node_errors():
        deadline = int(chain.w3.eth.get_block("latest")["timestamp"]) + PERMIT_LIFETIME_SECONDS
        chain_id = chain.w3.eth.chain_id
    signed = writer.signer_of(actor).sign_typed_data(
        domain_data={
            "name": chain.read(TOKEN, "name"),
            "version": "1",
            "chainId": chain_id,
            "verifyingContract": token.address,
        },
        message_types=PERMIT_TYPES,
        message_data={
            "owner": actor.address,
            "spender": chain.manifest.address(spender),
            "value": value,
            "nonce": chain.read(TOKEN, "nonces", actor.address),
            "deadline": deadline,
        },
    )
    return Permit(
        value, deadline, signed.v, signed.r.to_bytes(32, "big"), signed.s.to_bytes(32, "big")
    )


def send_drawing_cash(
    writer: ChainWriter,
    actor: Actor,
    spender: str,
    *,
    with_permit: Callable[[Permit], ContractCall],
    from_allowance: ContractCall,
    permit_value: Callable[[], int],
    amount: int | None = None,
) -> TxOutcome:
    """Sends a write by which platform contract `spender` draws the actor's cash.

    When the keystore signs for the actor it signs a permit for `permit_value()` as well and
    sends `with_permit(permit)`: no approval transaction. A member whose key the platform does
    not hold (self-custody, a contract wallet, or `"sign": "self"`) gets `from_allowance`, the
    call without a permit, drawing on the allowance it granted with its own approval (POST
    /cash/approvals); where that is short the token refuses the draw with
    `ERC20InsufficientAllowance`, named at simulation when the draw is part of this call.
    """
    if not writer.platform_signs(actor):
        return writer.send(actor, from_allowance, amount=amount)
    with writer.serialized(actor):
        permit = sign_permit(writer, actor, spender, permit_value())
        return writer.send(actor, with_permit(permit), amount=amount)


def allowance(writer: ChainWriter, owner: str, spender: str) -> int:
    """How much of `owner`'s cash platform contract `spender` may pull now."""
    return int(writer.chain.read(TOKEN, "allowance", owner, writer.chain.manifest.address(spender)))


def mint(writer: ChainWriter, member: Member, request: MintCreate) -> MintWrite | Reply:
    """A financier mints cash to an active member against a deposit."""
    actor = writer.authorize(member, "FINANCIER")
    reference = text_hash(request.deposit_reference)
    outcome = writer.send(
        actor,
        settlement_token.mint(request.to, request.amount_units, reference),
        amount=request.amount_units,
    )
    block = outcome.block_number
    return writer.record(
        outcome,
        lambda _: MintWrite(
            tx_hash=outcome.tx_hash,
            block_number=block,
            deposit_reference_hash=to_hex(reference),
            recipient=_balance(writer, request.to, block),
            total_supply_units=writer.chain.read(TOKEN, "totalSupply", block=block),
        ),
    )


def burn(writer: ChainWriter, member: Member, request: BurnCreate) -> BurnWrite | Reply:
    """A member burns its own cash to withdraw it off-chain."""
    actor = writer.authorize(member)
    reference = text_hash(request.withdrawal_reference)
    outcome = writer.send(
        actor,
        settlement_token.burn(request.amount_units, reference),
        amount=request.amount_units,
    )
    block = outcome.block_number
    return writer.record(
        outcome,
        lambda _: BurnWrite(
            tx_hash=outcome.tx_hash,
            block_number=block,
            withdrawal_reference_hash=to_hex(reference),
            account=_balance(writer, actor.address, block),
            total_supply_units=writer.chain.read(TOKEN, "totalSupply", block=block),
        ),
    )


def approve(writer: ChainWriter, member: Member, request: ApprovalCreate) -> ApprovalWrite | Reply:
    """Lets the Financing or Settlement contract pull up to an amount of the member's cash."""
    actor = writer.authorize(member)
    spender = SPENDER_CONTRACTS[request.spender]
    spender_address = writer.chain.manifest.address(spender)
    outcome = writer.send(actor, settlement_token.approve(spender_address, request.amount_units))
    return writer.record(
        outcome,
        lambda _: ApprovalWrite(
            tx_hash=outcome.tx_hash,
            block_number=outcome.block_number,
            owner=actor.address,
            spender=request.spender,
            spender_address=spender_address,
            allowance_units=writer.chain.read(
                TOKEN, "allowance", actor.address, spender_address, block=outcome.block_number
            ),
        ),
    )


def set_credit_line(
    writer: ChainWriter, member: Member, request: CreditLineSet
) -> CreditLineWrite | Reply:
    """The financier sets its credit line to a core enterprise; the obligor's quota follows."""
    actor = writer.authorize(member, "FINANCIER")
    outcome = writer.send(actor, consortium.set_credit_line(request.obligor, request.limit_units))
    quota = outcome.event("CreditLineSet").args["quota"]
    return writer.record(
        outcome,
        lambda session: CreditLineWrite(
            tx_hash=outcome.tx_hash,
            block_number=outcome.block_number,
            credit_line=CreditLineRead.of(
                projected(session, Exposure, (actor.address, request.obligor))
            ),
            obligor_quota_units=quota,
        ),
    )


def _balance(writer: ChainWriter, account: str, block: int) -> CashBalance:
    return CashBalance(
        account=account, balance_units=writer.chain.read(TOKEN, "balanceOf", account, block=block)
    )
