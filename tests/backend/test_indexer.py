"""The indexer on real chains (own Anvil nodes) into real SQLite and PostgreSQL databases."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, delete, func, select

from backend.chain.artifacts import PLATFORM_CONTRACTS, load_artifacts
from backend.chain.ids import INVOICE_STATUSES, MEMBER_STATUSES, REQUEST_STATUSES, ROLE_BITS
from backend.chain.models import SentTransaction, SignerNonce
from backend.chain.node import rpc_request, start_node
from backend.chain.settlement import read_account, read_claim
from backend.chain.voucher import read_credit, read_fragment
from backend.core.database import engine_for, session_factory, transaction
from backend.core.migrate import run_migrations
from backend.core.settings import Settings
from backend.devtools.postgres import POSTGRES_BIN_GLOB, postgres_bin
from backend.devtools.postgres import postgres_server as start_postgres
from backend.indexer.follower import (
    Follower,
    IndexerAlreadyRunning,
    IndexerLock,
    index_once,
    run_indexer,
)
from backend.readmodels.models import (
    AuditEvent,
    CashBalance,
    ClaimWriteOffRecord,
    CreditRecord,
    Exposure,
    FinancingRequestRecord,
    FragmentRecord,
    IndexedBlock,
    IndexerCursor,
    InvoiceRecord,
    MemberChainStatus,
    ObligorLimit,
    QuoteRecord,
    RedemptionRecord,
    RedemptionSkipRecord,
)
from backend.readmodels.projector import (
    AUDIT_ONLY_EVENTS,
    HANDLERS,
    ZERO_ADDRESS,
    project,
    projectable_events,
)
from tests.backend.chain.qbft_proxy import QbftShapedNode, besu_block
from tests.backend.indexer_flow import DEFAULT_GRACE_DAYS, LATE_GRACE_DAYS, UNIT, Platform, h
from tests.readmodel_tables import dump

# ---------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def day(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Platform]:
    """A platform that went through a whole business day and past maturity; never changed after."""
    platform = Platform.start(tmp_path_factory.mktemp("indexer-day"))
    platform.business_day()
    platform.maturity_day()
    platform.late_day()
    yield platform
    platform.node.stop()


@pytest.fixture
def platform(tmp_path: Path) -> Iterator[Platform]:
    """A platform of this test's own, for tests that change the chain under the indexer."""
    platform = Platform.start(tmp_path)
    yield platform
    platform.node.stop()


def follower(platform: Platform, url: str, **kwargs: Any) -> Follower:
    return Follower(platform.chain, session_factory(url), **kwargs)


def all_logs(platform: Platform) -> list[dict[str, Any]]:
    return rpc_request(
        platform.node.url,
        "eth_getLogs",
        [
            {
                "fromBlock": "0x0",
                "toBlock": "latest",
                "address": list(platform.manifest.contracts.values()),
            }
        ],
    )  # type: ignore[return-value]


def assert_matches_chain(platform: Platform, url: str) -> None:
    """The read models say what the contracts say, field by field."""
    factory = session_factory(url)
    read = platform.read
    with factory() as session:
        token_count = read("CreditVoucher", "tokenCount")
        fragments = {f.token_id: f for f in session.scalars(select(FragmentRecord))}
        credits = {c.credit_id: c for c in session.scalars(select(CreditRecord))}
        assert set(fragments) == set(range(1, token_count + 1))
        for token_id, row in fragments.items():
            fragment = read_fragment(platform.chain, token_id)
            assert (row.value, row.credit_id, row.depth, row.frozen, row.locked) == (
                fragment.value,
                fragment.credit_id,
                fragment.depth,
                fragment.frozen,
                fragment.locked,
            ), token_id
            assert row.parent_id == (fragment.parent_id or None)
            assert row.invoice_id == (fragment.invoice_id or None)
            assert row.redeemed == (fragment.owner == ZERO_ADDRESS)
            if fragment.owner != ZERO_ADDRESS:
                assert row.owner == fragment.owner
                assert row.value == read("CreditVoucher", "balanceOf", token_id)
            claim = read_claim(platform.chain, token_id)
            written_off = session.scalars(
                select(ClaimWriteOffRecord).where(ClaimWriteOffRecord.token_id == token_id)
            ).all()
            assert [r.claimant for r in written_off] == ([claim.claimant] * claim.written_off)
            redeemed = session.scalars(
                select(RedemptionRecord).where(RedemptionRecord.token_id == token_id)
            ).all()
            assert [(r.holder, r.value, r.held_as_financier) for r in redeemed] == (
                [(claim.claimant, claim.value, claim.held_as_financier)] if row.redeemed else []
            ), token_id
        for credit_id, row in credits.items():
            credit = read_credit(platform.chain, credit_id)
            account = read_account(platform.chain, credit_id)
            assert (
                row.obligor,
                row.maturity,
                row.certificate_id or 0,
                row.frozen,
                row.face_value,
                row.quality_freeze_lifted,
                row.grace_period_days,
            ) == (
                credit.obligor,
                credit.maturity,
                credit.certificate_id,
                credit.frozen,
                credit.face_value,
                credit.quality_freeze_lifted,
                credit.grace_period_days,
            )
            assert (row.repaid, row.overdue) == (account.repaid, account.overdue)
            live = sum(
                f.value for f in fragments.values() if f.credit_id == credit_id and not f.redeemed
            )
            redeemed = sum(
                session.scalars(
                    select(RedemptionRecord.value).where(RedemptionRecord.credit_id == credit_id)
                )
            )
            # Invariant 1 of the design brief, as the read models see it.
            assert live + row.redeemed_value == row.face_value
            assert redeemed == row.redeemed_value
        for row in session.scalars(select(InvoiceRecord)):
            invoice = read("InvoiceRegistry", "invoice", row.invoice_id)
            # Invoice: seller, status, dueDate, buyer, remaining, amount, numberHash, documentHash
            assert (row.remaining, row.status) == (invoice[4], INVOICE_STATUSES[invoice[1]])
        for name, account in platform.accounts.items():
            cash = session.get(CashBalance, account.address)
            assert (cash.balance if cash else 0) == read(
                "SettlementToken", "balanceOf", account.address
            ), name
            member = session.get(MemberChainStatus, account.address)
            status = MEMBER_STATUSES[read("Consortium", "statusOf", account.address)]
            bits = read("Consortium", "roleBitsOf", account.address)
            assert (member.status if member else "none") == status, name
            assert sorted(r for r in (member.roles if member else []) if r in ROLE_BITS) == sorted(
                role for role, bit in ROLE_BITS.items() if bits & bit
            ), name
        for row in session.scalars(select(Exposure)):
            assert row.credit_line == read("Consortium", "creditLine", row.financier, row.obligor)
            assert row.exposure == read("Consortium", "exposure", row.financier, row.obligor)
        for row in session.scalars(select(ObligorLimit)):
            assert row.quota == read("Consortium", "issuanceQuota", row.obligor)
            assert row.outstanding == read("Consortium", "outstanding", row.obligor)
            assert row.requires_certificate == read(
                "Consortium", "requiresQualityCertificate", row.obligor
            )
        for row in session.scalars(select(FinancingRequestRecord)):
            request = read("Financing", "request", row.request_id)
            assert (row.holder, row.token_id, row.status) == (
                request[0],
                request[1],
                REQUEST_STATUSES[request[3]],
            )
        for row in session.scalars(select(QuoteRecord)):
            assert row.withdrawn == read("Financing", "quote", row.quote_id)[3]
        assert session.scalar(select(func.count()).select_from(AuditEvent)) == len(
            all_logs(platform)
        )


# ---------------------------------------------------------------------- following


def test_read_models_match_chain_after_a_business_day(day: Platform, migrated_url: str) -> None:
    applied = follower(day, migrated_url).index_once()

    assert applied == len(all_logs(day))
    assert_matches_chain(day, migrated_url)
    with session_factory(migrated_url)() as session:
        cursor = session.get(IndexerCursor, "main")
        head = day.chain.w3.eth.get_block("latest")
        assert (cursor.block_number, cursor.block_hash, cursor.block_timestamp) == (
            head["number"],
            "0x" + head["hash"].hex(),
            head["timestamp"],
        )
        token4 = session.get(FragmentRecord, day.ids["token4"])
        assert (token4.owner, token4.parent_id, token4.depth, token4.redeemed) == (
            day.address("bank_b"),
            day.ids["token3"],
            2,
            True,
        )
        request = session.get(FinancingRequestRecord, day.ids["request1"])
        assert (request.status, request.financier, request.price) == (
            "accepted",
            day.address("bank_b"),
            day.ids["price1"],
        )
        timestamps = session.scalars(select(AuditEvent.block_timestamp)).all()
        assert all(moment > 0 for moment in timestamps)
        credit1 = session.get(CreditRecord, day.ids["credit1"])
        credit2 = session.get(CreditRecord, day.ids["credit2"])
        assert (credit1.quality_freeze_lifted, credit2.overdue, credit2.repaid) == (
            True,
            False,
            60_000 * UNIT,
        )
        # Each credit keeps the grace period of its CreditIssued, not the platform's of today.
        graces = dict(
            session.execute(select(CreditRecord.credit_id, CreditRecord.grace_period_days)).all()
        )
        assert graces == {
            day.ids["credit1"]: DEFAULT_GRACE_DAYS,
            day.ids["credit2"]: DEFAULT_GRACE_DAYS,
            day.ids["credit3"]: LATE_GRACE_DAYS,
        }
        # FragmentRedeemed's heldAsFinancier: bank_b's discounted fragment, not supplier3's.
        held = dict(
            session.execute(
                select(RedemptionRecord.token_id, RedemptionRecord.held_as_financier)
            ).all()
        )
        assert (held[day.ids["token4"]], held[day.ids["token3"]]) == (True, False)
        (skip,) = session.scalars(select(RedemptionSkipRecord)).all()
        assert (skip.token_id, skip.error, skip.error_args) == (
            day.ids["credit2"],
            "VoucherFrozen",
            {"tokenId": day.ids["credit2"]},
        )
        (write_off,) = session.scalars(select(ClaimWriteOffRecord)).all()
        assert (write_off.token_id, write_off.claimant, write_off.amount) == (
            day.ids["token4"],
            day.address("bank_b"),
            2_500 * UNIT,
        )
        events = set(session.scalars(select(AuditEvent.event)))
        assert events >= {
            "QualityFreezeLifted",
            "Paused",
            "Unpaused",
            "ApprovalValue",
            "RedemptionSkipped",
            "ClaimWrittenOff",
            "CreditOverdueCleared",
            "LimitsChanged",
            "VoucherLinked",
        }
        linked = session.execute(
            select(AuditEvent.contract, AuditEvent.subject_kind, AuditEvent.args)
            .where(AuditEvent.event == "VoucherLinked")
            .order_by(AuditEvent.block_number)
        ).all()
        voucher = {"voucher": day.manifest.address("CreditVoucher")}
        assert [tuple(row) for row in linked] == [
            ("Consortium", "contract", voucher),
            ("InvoiceRegistry", "contract", voucher),
        ]


def test_every_compiled_event_is_projected_or_kept_for_the_audit_trail() -> None:
    artifacts = load_artifacts()
    compiled = {
        (contract, item["name"])
        for contract in PLATFORM_CONTRACTS
        for item in artifacts[contract].abi
        if item["type"] == "event"
    }

    assert sorted(compiled - projectable_events()) == []
    assert sorted(projectable_events() - compiled) == []
    assert sorted(set(HANDLERS) & AUDIT_ONLY_EVENTS) == []


def test_projecting_the_same_events_again_changes_nothing(day: Platform, migrated_url: str) -> None:
    follower(day, migrated_url).index_once()
    before = dump(migrated_url)
    events = day.chain.events.decode_all(all_logs(day))

    with transaction(session_factory(migrated_url)) as session:
        result = project(session, events, strict=True)

    assert (result.applied, result.skipped) == (0, len(events))
    assert dump(migrated_url) == before


def test_write_path_projections_out_of_order_converge(
    day: Platform, migrated_url: str, tmp_path: Path
) -> None:
    """The API projects its own transactions at once, ahead of the follower and in any order."""
    events = day.chain.events.decode_all(all_logs(day))
    by_tx: dict[bytes, list[Any]] = {}
    for event in events:
        by_tx.setdefault(event.transaction_hash, []).append(event)
    transactions = list(by_tx.values())
    factory = session_factory(migrated_url)
    deferred = 0
    # Newest first: many depend on rows earlier ones create, so those are left to the follower.
    for tx_events in reversed(transactions[len(transactions) // 2 :]):
        with transaction(factory) as session:
            deferred += project(session, tx_events).deferred
    for tx_events in transactions[: len(transactions) // 3]:
        with transaction(factory) as session:
            project(session, tx_events)

    follower(day, migrated_url).index_once()

    assert deferred > 0
    reference = f"sqlite:///{tmp_path / 'reference.db'}"
    run_migrations(reference)
    follower(day, reference).index_once()
    assert_matches_chain(day, migrated_url)
    assert dump(migrated_url) == dump(reference)


def test_restart_resumes_from_the_cursor_without_gaps_or_duplicates(
    day: Platform, migrated_url: str
) -> None:
    first = follower(day, migrated_url, batch_blocks=7)
    applied = first.index_once(max_batches=3)
    stopped_at = first.cursor_block()

    # A new process: nothing but the database carries over.
    applied += follower(day, migrated_url, batch_blocks=7).index_once()

    assert stopped_at == day.manifest.deployment_block - 1 + 3 * 7
    assert applied == len(all_logs(day))
    assert_matches_chain(day, migrated_url)
    with session_factory(migrated_url)() as session:
        logs = session.execute(select(AuditEvent.tx_hash, AuditEvent.log_index)).all()
    assert len(set(logs)) == len(logs) == len(all_logs(day))


# ---------------------------------------------------------------------- reorgs


def reset_nonces(platform: Platform) -> None:
    """After blocks are dropped the chain's nonces are lower than the ones handed out (and what
    was sent at them was meant to go with the dropped blocks, not to be sent again)."""
    with platform.nonce_engine.begin() as connection:
        connection.execute(delete(SignerNonce.__table__))
        connection.execute(delete(SentTransaction.__table__))


def test_reorg_by_snapshot_and_revert_is_unwound(platform: Platform, migrated_url: str) -> None:
    platform.business_day()
    indexer = follower(platform, migrated_url)
    indexer.index_once()
    snapshot = rpc_request(platform.node.url, "evm_snapshot")
    ids = platform.ids
    # The fork that will be dropped: a hop, a freeze, cash and a repayment.
    inv7 = platform.invoice("supplier2", "supplier1", 9_000 * UNIT, "inv7")
    platform.send(
        "supplier1",
        "CreditVoucher",
        "splitTransfer",
        ids["credit1"],
        platform.address("supplier2"),
        9_000 * UNIT,
        inv7,
    )
    platform.send(
        "auditor", "CreditVoucher", "setFragmentFrozen", ids["token3"], True, h("reason:fork")
    )
    platform.deposit("bank_a", "supplier3", 777 * UNIT)
    platform.send("core", "Settlement", "repay", ids["credit1"], 1_000 * UNIT)
    indexer.index_once()
    with session_factory(migrated_url)() as session:
        assert session.get(FragmentRecord, ids["token3"]).frozen
        dropped_head = indexer.cursor_block()

    rpc_request(platform.node.url, "evm_revert", [snapshot])
    reset_nonces(platform)
    # The other fork: different transactions at the same heights, and then some.
    platform.deposit("bank_b", "supplier2", 555 * UNIT)
    platform.send(
        "supplier2",
        "CreditVoucher",
        "transferFrom",
        ids["token2"],
        platform.address("bank_a"),
        2_000 * UNIT,
    )
    platform.send(
        "auditor", "CreditVoucher", "setCreditFrozen", ids["credit1"], True, h("reason:other fork")
    )
    while platform.chain.w3.eth.block_number <= dropped_head:
        rpc_request(platform.node.url, "evm_mine")
    indexer.index_once()

    assert_matches_chain(platform, migrated_url)
    with session_factory(migrated_url)() as session:
        assert not session.get(FragmentRecord, ids["token3"]).frozen
        assert session.get(CreditRecord, ids["credit1"]).frozen
        # What the financing paid supplier3 before the fork, without the dropped deposit.
        assert session.get(CashBalance, platform.address("supplier3")).balance == ids["price1"]
        hashes = dict(session.execute(select(IndexedBlock.number, IndexedBlock.hash)).all())
    for number, block_hash in hashes.items():
        assert "0x" + platform.chain.w3.eth.get_block(number)["hash"].hex() == block_hash


def test_anvil_reorg_is_detected_and_unwound(platform: Platform, migrated_url: str) -> None:
    platform.business_day()
    indexer = follower(platform, migrated_url)
    indexer.index_once()
    ids = platform.ids
    platform.send(
        "supplier2",
        "CreditVoucher",
        "transferFrom",
        ids["token2"],
        platform.address("bank_a"),
        3_000 * UNIT,
    )
    platform.deposit("bank_a", "supplier1", 123 * UNIT)
    platform.send("core", "Settlement", "repay", ids["credit1"], 2_000 * UNIT)
    indexer.index_once()

    # Replace the last three blocks with one in which bank_b deposits for supplier2 instead.
    mint = platform.chain.prepare(
        "SettlementToken", "mint", platform.address("supplier2"), 999 * UNIT, h("deposit:reorg")
    )
    replacement = {
        "from": platform.address("bank_b"),
        "to": mint.to,
        "data": "0x" + mint.data.hex(),
        "gas": hex(200_000),
    }
    rpc_request(platform.node.url, "anvil_reorg", [3, [[replacement, 0]]])
    reset_nonces(platform)
    indexer.index_once()

    assert_matches_chain(platform, migrated_url)
    with session_factory(migrated_url)() as session:
        assert session.get(CashBalance, platform.address("supplier2")).balance == 999 * UNIT
        assert session.get(CashBalance, platform.address("supplier1")) is None
        assert session.get(CreditRecord, ids["credit1"]).repaid == 30_000 * UNIT


def test_write_path_projection_of_a_dropped_block_is_unwound(
    platform: Platform, migrated_url: str
) -> None:
    """The API projected a transaction whose block a reorg replaced before the follower came."""
    platform.onboard_all()
    indexer = follower(platform, migrated_url)
    indexer.index_once()
    snapshot = rpc_request(platform.node.url, "evm_snapshot")
    outcome = platform.send(
        "bank_a", "SettlementToken", "mint", platform.address("supplier1"), 5 * UNIT, h("gone")
    )
    with transaction(session_factory(migrated_url)) as session:
        project(session, outcome.events)
    rpc_request(platform.node.url, "evm_revert", [snapshot])
    reset_nonces(platform)
    platform.deposit("bank_b", "supplier2", 7 * UNIT)
    rpc_request(platform.node.url, "evm_mine")

    indexer.index_once()

    assert_matches_chain(platform, migrated_url)
    with session_factory(migrated_url)() as session:
        assert session.get(CashBalance, platform.address("supplier1")) is None
        assert session.get(CashBalance, platform.address("supplier2")).balance == 7 * UNIT


# ---------------------------------------------------------------------- the running indexer


def indexer_settings(url: str, platform: Platform, manifest_path: Path) -> Settings:
    from backend.chain.manifest import write_manifest

    write_manifest(manifest_path, platform.manifest)
    return Settings(
        environment="test",
        keystore_password="test-keystore-password",
        api_key_pepper="test-pepper",
        database_url=url,
        rpc_url=platform.node.url,
        deployment_manifest=manifest_path,
        indexer_poll_seconds=0.1,
        _env_file=None,  # type: ignore[call-arg]
    )


def wait_for(condition: Any, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.1)


def cash_of(url: str, address: str) -> int:
    with session_factory(url)() as session:
        row = session.get(CashBalance, address)
        return row.balance if row else 0


def reusable_port_is_free(port: int) -> bool:
    """node.port_is_free without the false 'in use' of the dead node's TIME_WAIT connections."""
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def test_indexer_survives_the_node_going_away(
    platform: Platform, migrated_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("backend.chain.node.port_is_free", reusable_port_is_free)
    platform.onboard_all()
    settings = indexer_settings(migrated_url, platform, tmp_path / "manifest.json")
    stop = threading.Event()
    failures: list[BaseException] = []

    def run() -> None:
        try:
            run_indexer(settings, stop)
        except BaseException as exc:  # asserted below
            failures.append(exc)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    try:
        platform.deposit("bank_a", "supplier1", 10 * UNIT)
        wait_for(lambda: cash_of(migrated_url, platform.address("supplier1")) == 10 * UNIT)
        state = rpc_request(platform.node.url, "anvil_dumpState")
        port = int(platform.node.url.rsplit(":", 1)[1])
        platform.node.stop()
        time.sleep(1.5)  # the indexer polls a dead node meanwhile
        assert thread.is_alive() and not failures

        platform.node = start_node(
            "anvil", port=port, chain_id=7358, log_path=tmp_path / "anvil-2.log"
        )
        rpc_request(platform.node.url, "anvil_loadState", [state])
        reset_nonces(platform)
        platform.deposit("bank_a", "supplier1", 5 * UNIT)
        wait_for(lambda: cash_of(migrated_url, platform.address("supplier1")) == 15 * UNIT)
    finally:
        stop.set()
        thread.join(timeout=30)
    assert not failures
    assert_matches_chain(platform, migrated_url)


def test_one_indexer_per_database(platform: Platform, migrated_url: str, tmp_path: Path) -> None:
    engine: Engine = engine_for(migrated_url)
    first = IndexerLock(engine)
    with first.held():
        with pytest.raises(IndexerAlreadyRunning):
            IndexerLock(engine).acquire()
        settings = indexer_settings(migrated_url, platform, tmp_path / "manifest.json")
        with pytest.raises(IndexerAlreadyRunning):
            index_once(settings)
    # Released: the next one may start.
    assert index_once(indexer_settings(migrated_url, platform, tmp_path / "manifest.json")) >= 0


def test_the_advisory_lock_is_taken_again_after_a_postgresql_restart() -> None:
    """A restart cuts the lock's connection, and the lock with it: renew takes it again, so a
    second indexer is still refused, and release does not fail on the dead connection."""
    bin_dir = postgres_bin()
    if bin_dir is None:
        pytest.skip(f"PostgreSQL binaries not found under {POSTGRES_BIN_GLOB}")
    with start_postgres(bin_dir) as server:
        url = server.url(server.create_database("lock"))
        run_migrations(url)
        engine = engine_for(url)
        lock = IndexerLock(engine)
        lock.acquire()

        server.restart()
        lock.renew()

        with pytest.raises(IndexerAlreadyRunning):
            IndexerLock(engine).acquire()
        server.restart()
        lock.release()
        successor = IndexerLock(engine)
        successor.acquire()
        successor.release()
        engine.dispose()


def test_a_lapsed_sqlite_lease_is_taken_over(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'lease.db'}"
    run_migrations(url)
    engine = engine_for(url)
    crashed = IndexerLock(engine, lease_seconds=0.2)
    crashed.acquire()
    with pytest.raises(IndexerAlreadyRunning):
        IndexerLock(engine, lease_seconds=0.2).acquire()
    time.sleep(0.3)

    successor = IndexerLock(engine, lease_seconds=0.2)
    successor.acquire()

    with pytest.raises(IndexerAlreadyRunning):
        crashed.renew()
    successor.renew()
    successor.release()


# ---------------------------------------------------------------------- speed


def test_catch_up_from_scratch_over_hundreds_of_moves(platform: Platform, tmp_path: Path) -> None:
    """Hundreds of fragment moves indexed from scratch in one pass, exactly as on chain.

    How fast is the benchmarks' figure (make bench, section 2), not this test's.
    """
    platform.business_day()
    ids = platform.ids
    calls = [
        platform.chain.prepare(
            "CreditVoucher", "transferFrom", ids["token4"], platform.address("bank_a"), UNIT
        )
        for _ in range(600)
    ]
    platform.sender("bank_b").send_many(calls)
    url = f"sqlite:///{tmp_path / 'catch-up.db'}"
    run_migrations(url)

    applied = follower(platform, url).index_once()

    assert applied == len(all_logs(platform))
    assert_matches_chain(platform, url)


def test_a_besu_qbft_chain_is_sent_to_indexed_and_its_reorg_unwound(
    tmp_path: Path, migrated_url: str
) -> None:
    """Blocks in Besu QBFT's shape (validators and seals in an extraData of hundreds of bytes,
    which web3's validation refuses by default): sending (fees, the receipt's block), the
    indexer's headers and reorg detection all read them."""
    node = start_node("anvil", chain_id=7358, log_path=tmp_path / "anvil.log")
    proxy = QbftShapedNode(node.url)
    try:
        platform = Platform.on(node, tmp_path, rpc_url=proxy.url)
        qbft_extra = bytes.fromhex(besu_block()["extraData"].removeprefix("0x"))
        latest = platform.chain.w3.eth.get_block("latest")
        assert bytes(latest["proofOfAuthorityData"]) == qbft_extra
        platform.business_day()
        indexer = follower(platform, migrated_url)
        indexer.index_once()
        assert_matches_chain(platform, migrated_url)

        mint = platform.chain.prepare(
            "SettlementToken", "mint", platform.address("supplier2"), 999 * UNIT, h("qbft:reorg")
        )
        replacement = {
            "from": platform.address("bank_b"),
            "to": mint.to,
            "data": "0x" + mint.data.hex(),
            "gas": hex(200_000),
        }
        platform.deposit("bank_a", "supplier1", 123 * UNIT)
        indexer.index_once()
        rpc_request(proxy.url, "anvil_reorg", [1, [[replacement, 0]]])
        reset_nonces(platform)
        indexer.index_once()

        assert_matches_chain(platform, migrated_url)
        with session_factory(migrated_url)() as session:
            assert session.get(CashBalance, platform.address("supplier2")).balance == 999 * UNIT
            assert session.get(CashBalance, platform.address("supplier1")) is None
    finally:
        proxy.stop()
        node.stop()
