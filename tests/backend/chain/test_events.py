"""The precomputed event decoder agrees with web3's and is fast enough for the indexer."""

from __future__ import annotations

from collections.abc import Callable

from eth_account.signers.local import LocalAccount
from eth_utils import event_signature_to_log_topic, keccak
from web3 import Web3

from backend.chain.artifacts import PLATFORM_CONTRACTS, load_artifacts
from backend.chain.client import Chain
from backend.chain.events import EventDecoder
from backend.chain.sender import TxSender

TRANSFER = event_signature_to_log_topic("Transfer(address,address,uint256)")


def word(value: int | str) -> bytes:
    number = int(value, 16) if isinstance(value, str) else value
    return number.to_bytes(32, "big")


def session_logs(chain: Chain) -> list:
    return chain.w3.eth.get_logs(
        {
            "fromBlock": chain.manifest.deployment_block,
            "toBlock": "latest",
            "address": list(chain.manifest.contracts.values()),
        }
    )


def test_cash_mint_decodes_as_the_erc20_transfer(
    chain_client: Chain,
    onboarded_roles: dict[str, LocalAccount],
    make_sender: Callable[[LocalAccount], TxSender],
) -> None:
    bank = onboarded_roles["bank_a"]

    outcome = make_sender(bank).transact(
        chain_client.prepare(
            "SettlementToken", "mint", bank.address, 250_000_000, keccak(text="deposit-1")
        )
    )

    transfer = outcome.event("Transfer")
    assert transfer.contract == "SettlementToken"
    assert transfer.args == {"from": "0x" + "00" * 20, "to": bank.address, "value": 250_000_000}
    assert outcome.event("Deposited").args["amount"] == 250_000_000


def test_same_topic_is_told_apart_by_indexing_without_addresses() -> None:
    artifacts = load_artifacts()
    decoder = EventDecoder({name: artifacts[name].abi for name in PLATFORM_CONTRACTS})
    holder = "0x" + "11" * 20
    base = {
        "address": "0x" + "22" * 20,
        "blockNumber": 5,
        "blockHash": b"\x01" * 32,
        "transactionHash": b"\x02" * 32,
        "transactionIndex": 0,
        "logIndex": 3,
    }

    erc721 = decoder.decode(
        {**base, "topics": [TRANSFER, word(0), word(holder), word(42)], "data": b""}
    )
    erc20 = decoder.decode({**base, "topics": [TRANSFER, word(0), word(holder)], "data": word(7)})

    assert erc721 is not None and (erc721.contract, erc721.args["tokenId"]) == ("CreditVoucher", 42)
    assert erc20 is not None and (erc20.contract, erc20.args["value"]) == ("SettlementToken", 7)


def test_decoder_agrees_with_web3_on_every_session_log(
    chain_client: Chain, onboarded_roles
) -> None:
    logs = session_logs(chain_client)
    by_address = {address: name for name, address in chain_client.manifest.contracts.items()}
    assert len(logs) > 20

    for log in logs:
        ours = chain_client.events.decode(log)
        contract = chain_client.contract(by_address[log["address"]])
        assert ours is not None
        theirs = getattr(contract.events, ours.name)().process_log(log)
        assert (ours.name, ours.log_index, ours.block_number) == (
            theirs["event"],
            theirs["logIndex"],
            theirs["blockNumber"],
        )
        assert ours.args == {
            k: bytes(v) if isinstance(v, bytes) else v for k, v in theirs["args"].items()
        }


def test_logs_of_other_contracts_are_skipped(chain_client: Chain) -> None:
    stranger_log = {
        "address": Web3.to_checksum_address("0x" + "33" * 20),
        "topics": [TRANSFER],
        "data": b"",
        "blockNumber": 1,
        "blockHash": b"\x00" * 32,
        "transactionHash": b"\x00" * 32,
        "transactionIndex": 0,
        "logIndex": 0,
    }

    assert chain_client.events.decode(stranger_log) is None
