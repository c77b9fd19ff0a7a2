"""TxSender on a real Anvil: outcomes, nonces across threads and processes, windows, failures."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from eth_account import Account
from eth_account.signers.local import LocalAccount
from eth_keys import KeyAPI
from eth_keys.backends import CoinCurveECCBackend, NativeECCBackend, get_backend
from eth_keys.datatypes import PrivateKey
from eth_utils import keccak
from web3 import Web3

from backend.chain import sender as sender_module
from backend.chain.client import Chain
from backend.chain.errors import ChainUnavailable, ErrorDecoder
from backend.chain.events import EventDecoder
from backend.chain.models import CHAIN_TABLES, SignerNonce
from backend.chain.node import LocalNode, rpc_request, start_node
from backend.chain.sender import Call, NonceAllocator, TxSender
from backend.core.database import make_engine

PROJECT_ROOT = Path(__file__).resolve().parents[3]
WORKER = Path(__file__).with_name("nonce_worker.py")
DAY = 86_400


def plain_sender(w3: Web3, signer: LocalAccount, database_url: str, **options: object) -> TxSender:
    engine = make_engine(database_url)
    SignerNonce.metadata.create_all(engine, tables=CHAIN_TABLES)
    return TxSender(
        w3,
        signer,
        NonceAllocator(engine, w3),
        events=EventDecoder({}),
        errors=ErrorDecoder({}),
        **options,
    )


def transfer(to: str) -> Call:
    return Call(to=to, data=b"", value=1)


def test_outcome_carries_decoded_events(
    chain_client: Chain,
    onboarded_roles: dict[str, LocalAccount],
    make_sender: Callable[[LocalAccount], TxSender],
) -> None:
    seller, buyer = onboarded_roles["supplier1"], onboarded_roles["core2"]
    due = int(time.time()) + 45 * DAY
    call = chain_client.prepare(
        "InvoiceRegistry",
        "register",
        buyer.address,
        7_000_000,
        due,
        keccak(text="INV-ev"),
        keccak(text="doc-ev"),
    )

    outcome = make_sender(seller).transact(call)

    event = outcome.event("InvoiceRegistered")
    assert event.contract == "InvoiceRegistry"
    assert event.address == chain_client.manifest.address("InvoiceRegistry")
    assert event.args == {
        "invoiceId": chain_client.read("InvoiceRegistry", "invoiceCount"),
        "seller": seller.address,
        "buyer": buyer.address,
        "amount": 7_000_000,
        "dueDate": due,
        "numberHash": keccak(text="INV-ev"),
        "documentHash": keccak(text="doc-ev"),
    }
    receipt = chain_client.w3.eth.get_transaction_receipt(outcome.tx_hash)
    assert (outcome.status, outcome.block_number, outcome.gas_used) == (
        1,
        receipt["blockNumber"],
        receipt["gasUsed"],
    )
    assert event.transaction_hash == bytes(receipt["transactionHash"])


def test_nonces_are_unique_and_gapless_across_four_processes(
    anvil: LocalNode, anvil_web3: Web3, migrated_url: str
) -> None:
    signer, receiver = anvil.accounts[12], anvil.accounts[13]
    first = anvil_web3.eth.get_transaction_count(signer.address, "pending")
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT)}
    workers = [
        subprocess.Popen(
            [
                sys.executable,
                str(WORKER),
                anvil.url,
                migrated_url,
                signer.key.hex(),
                receiver.address,
                "10",
            ],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        for _ in range(4)
    ]
    for worker in workers:
        assert worker.stdout is not None and worker.stdout.readline() == "ready\n"
    results = []
    for worker in workers:
        out, err = worker.communicate("go\n", timeout=180)
        assert worker.returncode == 0, err
        results.extend(json.loads(out))

    nonces = sorted(sent["nonce"] for sent in results)
    assert nonces == list(range(first, first + 40))
    for sent in results:
        tx = anvil_web3.eth.get_transaction(sent["tx_hash"])
        assert (tx["from"], tx["nonce"]) == (signer.address, sent["nonce"])
        assert anvil_web3.eth.get_transaction_receipt(sent["tx_hash"])["status"] == 1
    assert anvil_web3.eth.get_transaction_count(signer.address) == first + 40


def test_threads_share_one_allocator(
    anvil: LocalNode, anvil_web3: Web3, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Gap filling has its own test: here a thread that a loaded machine stalls for seconds
    # between reserving its nonce and sending must not be taken for a dead worker and filled.
    monkeypatch.setattr(sender_module, "GAP_CHECK_SECONDS", 600.0)
    signer = anvil.accounts[14]
    sender = plain_sender(anvil_web3, signer, f"sqlite:///{tmp_path / 'nonces.db'}")
    first = anvil_web3.eth.get_transaction_count(signer.address, "pending")
    outcomes: list[int] = []

    def work() -> None:
        outcomes.extend(
            sender.transact(transfer(anvil.accounts[13].address)).nonce for _ in range(5)
        )

    threads = [threading.Thread(target=work) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)

    assert sorted(outcomes) == list(range(first, first + 30))


def test_allocation_catches_up_with_transactions_sent_elsewhere(
    anvil: LocalNode, anvil_web3: Web3, tmp_path: Path
) -> None:
    signer = anvil.accounts[15]
    sender = plain_sender(anvil_web3, signer, f"sqlite:///{tmp_path / 'nonces.db'}")
    sender.transact(transfer(anvil.accounts[13].address))
    # The same key used outside the table (another tool, a wallet) moves the chain's nonce on.
    outside = anvil_web3.eth.send_transaction(
        {"from": signer.address, "to": signer.address, "value": 0}
    )
    anvil_web3.eth.wait_for_transaction_receipt(outside, timeout=30)

    outcome = sender.transact(transfer(anvil.accounts[13].address))

    assert outcome.nonce == anvil_web3.eth.get_transaction(outside)["nonce"] + 1


def test_windows_send_everything_in_order(
    anvil: LocalNode, anvil_web3: Web3, tmp_path: Path
) -> None:
    signer = anvil.accounts[16]
    sender = plain_sender(anvil_web3, signer, f"sqlite:///{tmp_path / 'nonces.db'}")
    first = anvil_web3.eth.get_transaction_count(signer.address, "pending")

    outcomes = sender.send_many([transfer(anvil.accounts[13].address)] * 120, window=25)

    assert [o.nonce for o in outcomes] == list(range(first, first + 120))
    assert anvil_web3.eth.get_transaction_count(signer.address) == first + 120


def test_a_rejected_send_returns_its_nonces(
    anvil: LocalNode, anvil_web3: Web3, tmp_path: Path
) -> None:
    signer = anvil.accounts[17]
    sender = plain_sender(anvil_web3, signer, f"sqlite:///{tmp_path / 'nonces.db'}")
    first = anvil_web3.eth.get_transaction_count(signer.address, "pending")
    to = anvil.accounts[13].address
    # More gas than a block holds: the node refuses it at send time, after nonces were reserved.
    too_big = Call(to=to, data=b"", value=1, gas=10**9)

    with pytest.raises(Exception, match=r"(?i)gas"):
        sender.send_many([transfer(to), too_big, transfer(to)], window=3)

    after = sender.transact(transfer(to))
    assert after.nonce == first + 1
    assert anvil_web3.eth.get_transaction_count(signer.address) == first + 2


def test_confirmations_wait_for_blocks_on_top(
    anvil: LocalNode, anvil_web3: Web3, tmp_path: Path
) -> None:
    signer = anvil.accounts[18]
    sender = plain_sender(
        anvil_web3, signer, f"sqlite:///{tmp_path / 'nonces.db'}", confirmations=3
    )
    mined: list[int] = []

    def mine_later() -> None:
        for _ in range(3):
            time.sleep(0.3)
            anvil_web3.provider.make_request("evm_mine", [])  # type: ignore[arg-type]
            mined.append(anvil_web3.eth.block_number)

    miner = threading.Thread(target=mine_later)
    miner.start()
    outcome = sender.transact(transfer(anvil.accounts[13].address))
    miner.join()

    assert len(mined) == 3
    assert anvil_web3.eth.block_number >= outcome.block_number + 3


def test_unreachable_node_is_chain_unavailable(tmp_path: Path) -> None:
    w3 = Web3(Web3.HTTPProvider("http://127.0.0.1:9", request_kwargs={"timeout": 2}))
    sender = plain_sender(w3, Account.create(), f"sqlite:///{tmp_path / 'nonces.db'}")

    with pytest.raises(ChainUnavailable) as caught:
        sender.transact(transfer(Account.create().address))

    assert (caught.value.http_status, caught.value.retry_after_seconds) == (503, 5)


def test_signing_uses_coincurve() -> None:
    # DESIGN measures ~150 signatures/s with the pure-Python key backend and ~1,200 with
    # coincurve; that speed is the benchmarks' figure (make bench). Here: coincurve is in use,
    # and it signs exactly as the pure-Python backend does (RFC 6979 signatures are deterministic).
    message_hash = keccak(b"tiercredit")
    private_key = PrivateKey(Account.create().key)

    assert isinstance(get_backend(), CoinCurveECCBackend)
    assert KeyAPI().ecdsa_sign(message_hash, private_key) == KeyAPI(NativeECCBackend()).ecdsa_sign(
        message_hash, private_key
    )


def test_nonces_reserved_but_never_sent_are_filled(
    anvil: LocalNode, anvil_web3: Web3, tmp_path: Path
) -> None:
    # As after a worker died between allocation and sending, or a restarted development chain.
    signer = anvil.accounts[11]
    sender = plain_sender(anvil_web3, signer, f"sqlite:///{tmp_path / 'nonces.db'}")
    first = anvil_web3.eth.get_transaction_count(signer.address, "pending")
    assert sender.nonces.allocate(signer.address, count=3) == first
    start_block = anvil_web3.eth.block_number

    outcome = sender.transact(transfer(anvil.accounts[13].address))

    assert outcome.nonce == first + 3
    assert anvil_web3.eth.get_transaction_count(signer.address) == first + 4
    mined = [
        tx
        for number in range(start_block + 1, outcome.block_number + 1)
        for tx in anvil_web3.eth.get_block(number, full_transactions=True)["transactions"]
        if tx["from"] == signer.address
    ]
    assert [(tx["nonce"], tx["to"], tx["value"]) for tx in mined] == [
        *((first + i, signer.address, 0) for i in range(3)),
        (first + 3, anvil.accounts[13].address, 1),
    ]


def test_a_transaction_a_reorg_dropped_is_sent_again_as_it_was(tmp_path: Path) -> None:
    """The reorg takes the block with the transaction out and the node forgets it: the sender
    sends the same signed bytes again (same hash, same nonce) instead of waiting until its
    receipt timeout, and the transfer happens once."""
    with start_node("anvil", log_path=tmp_path / "anvil.log") as node:
        w3 = Web3(Web3.HTTPProvider(node.url, request_kwargs={"timeout": 30}))
        signer, receiver = node.accounts[1], Account.create().address
        sender = plain_sender(
            w3, signer, f"sqlite:///{tmp_path / 'nonces.db'}", confirmations=2, receipt_timeout=15
        )
        first_nonce = w3.eth.get_transaction_count(signer.address)
        outcomes: list[Any] = []
        thread = threading.Thread(
            target=lambda: outcomes.append(sender.transact(transfer(receiver)))
        )
        thread.start()
        deadline = time.monotonic() + 10
        while w3.eth.get_transaction_count(signer.address) == first_nonce:
            assert time.monotonic() < deadline, "the transfer was not mined"
            time.sleep(0.05)
        (dropped_bytes,) = w3.eth.get_block("latest")["transactions"]
        dropped = "0x" + bytes(dropped_bytes).hex()

        rpc_request(node.url, "anvil_reorg", [1, []])
        assert w3.eth.get_balance(receiver) == 0
        assert rpc_request(node.url, "eth_getTransactionByHash", [dropped]) is None
        deadline = time.monotonic() + 12
        while thread.is_alive() and time.monotonic() < deadline:
            rpc_request(node.url, "evm_mine")
            thread.join(0.3)

        assert not thread.is_alive(), "still waiting for the dropped transaction"
        (outcome,) = outcomes
        assert (outcome.tx_hash, outcome.nonce) == (dropped, first_nonce)
        receipt = w3.eth.get_transaction_receipt(outcome.tx_hash)
        canonical = w3.eth.get_block(receipt["blockNumber"])
        assert bytes(canonical["hash"]) == bytes(receipt["blockHash"])
        assert w3.eth.get_balance(receiver) == 1
        assert w3.eth.get_transaction_count(signer.address) == first_nonce + 1


def test_an_answered_transaction_a_deeper_reorg_dropped_is_sent_again(tmp_path: Path) -> None:
    """A reorg deeper than the confirmations takes out a transaction whose write was answered:
    the sender still holds its signed bytes for a while and sends them again, once."""
    with start_node("anvil", log_path=tmp_path / "anvil.log") as node:
        w3 = Web3(Web3.HTTPProvider(node.url, request_kwargs={"timeout": 30}))
        signer, receiver = node.accounts[2], Account.create().address
        sender = plain_sender(
            w3, signer, f"sqlite:///{tmp_path / 'nonces.db'}", confirmations=1, receipt_timeout=15
        )
        miner = threading.Timer(0.5, lambda: rpc_request(node.url, "evm_mine"))
        miner.start()
        outcome = sender.transact(transfer(receiver))
        miner.join()
        assert sender.resend_reorged() == 0

        rpc_request(node.url, "anvil_reorg", [2, []])
        assert rpc_request(node.url, "eth_getTransactionByHash", [outcome.tx_hash]) is None
        assert w3.eth.get_balance(receiver) == 0

        assert sender.resend_reorged() == 1
        assert sender.resend_reorged() == 0
        receipt = w3.eth.get_transaction_receipt(outcome.tx_hash)
        assert (receipt["status"], int(receipt["transactionIndex"])) == (1, 0)
        assert w3.eth.get_balance(receiver) == 1
        assert w3.eth.get_transaction_count(signer.address) == outcome.nonce + 1


def _dropped_by_a_reorg(node: LocalNode, w3: Web3, sender: TxSender, receiver: str) -> Any:
    """Sends a transfer with ``sender`` (answered: it was mined), then a reorg of depth 1 takes
    its block out and the node forgets it. Returns its outcome."""
    outcome = sender.transact(transfer(receiver))
    rpc_request(node.url, "anvil_reorg", [1, []])
    assert rpc_request(node.url, "eth_getTransactionByHash", [outcome.tx_hash]) is None
    assert w3.eth.get_balance(receiver) == 0
    return outcome


def test_a_gap_a_reorg_left_is_filled_with_what_another_process_sent_there(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two processes share a signer (the relayer): the first's answered transaction is taken out
    by a reorg, and the second's next one waits behind the gap. The second sends the first's
    recorded bytes at the missing nonce instead of an empty transfer, which would lose what the
    first carried (a batch of members' requests) for good."""
    monkeypatch.setattr(sender_module, "GAP_CHECK_SECONDS", 0.2)
    with start_node("anvil", log_path=tmp_path / "anvil.log") as node:
        w3 = Web3(Web3.HTTPProvider(node.url, request_kwargs={"timeout": 30}))
        signer, first_receiver, second_receiver = (
            node.accounts[3],
            Account.create().address,
            Account.create().address,
        )
        database = f"sqlite:///{tmp_path / 'nonces.db'}"
        first = plain_sender(w3, signer, database)
        dropped = _dropped_by_a_reorg(node, w3, first, first_receiver)

        # Another process: its own sender, memory and all, on the same tables.
        second = plain_sender(w3, signer, database, receipt_timeout=15).transact(
            transfer(second_receiver)
        )

        assert second.nonce == dropped.nonce + 1
        receipt = w3.eth.get_transaction_receipt(dropped.tx_hash)
        assert (receipt["status"], w3.eth.get_transaction(dropped.tx_hash)["nonce"]) == (
            1,
            dropped.nonce,
        )
        assert w3.eth.get_balance(first_receiver) == 1
        assert w3.eth.get_balance(second_receiver) == 1
        assert w3.eth.get_transaction_count(signer.address) == dropped.nonce + 2


def test_an_answered_transaction_of_a_process_now_gone_is_sent_again_by_another(
    tmp_path: Path,
) -> None:
    """No later transaction leaves a gap, and the process that sent the one a reorg took out is
    gone with its memory: another process finds the recorded nonce above the node's count at two
    looks in a row and sends it again, once."""
    with start_node("anvil", log_path=tmp_path / "anvil.log") as node:
        w3 = Web3(Web3.HTTPProvider(node.url, request_kwargs={"timeout": 30}))
        signer, receiver = node.accounts[4], Account.create().address
        database = f"sqlite:///{tmp_path / 'nonces.db'}"
        dropped = _dropped_by_a_reorg(node, w3, plain_sender(w3, signer, database), receiver)
        other = plain_sender(w3, signer, database)

        assert other.resend_reorged() == 0  # its sender may still be sending it
        assert other.resend_reorged() == 1
        assert other.resend_reorged() == 0

        receipt = w3.eth.get_transaction_receipt(dropped.tx_hash)
        assert receipt["status"] == 1
        assert w3.eth.get_balance(receiver) == 1
        assert w3.eth.get_transaction_count(signer.address) == dropped.nonce + 1
