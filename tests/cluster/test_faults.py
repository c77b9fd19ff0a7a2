"""The production shape on one machine, under faults: several hosts, nothing lost, nothing twice.

Each host is a network namespace of its own on a bridge in 10.77.<n>.0/24 (n from this process's
id, so parallel runs do not meet), with its own address: a chain host (Anvil, a block a second,
not automine), a PostgreSQL host (a throwaway server from the machine's binaries, listening on
its address), three API hosts (`tiercredit serve --workers 2`), an indexer host (`tiercredit
index`) and an nginx load balancer in front of the API hosts (passive health checks; a POST
whose upstream fails to connect is tried on the next one: every write carries an
Idempotency-Key, so a second try does not do it twice). Confirmations are 2.

The platform is deployed with `tiercredit deploy` and its operator recorded as `up` records it;
the members are onboarded through the load balancer. Then members write at once (the demo's
split-transfers and invoices, each with its own Idempotency-Key and a value no other write
has, so the chain shows which write each event is), bounded in count, while these faults
happen one after another, each once the platform has recovered from the one before:
  1. every process of one API host killed with SIGKILL, then the host started again;
  2. PostgreSQL restarted;
  3. the chain host's link down for 10 s, then up;
  4. `anvil_reorg` of depth 3 under load;
  5. the indexer killed with SIGKILL and started again.
Afterwards every acknowledged write is on chain exactly once and in the read models; every
unacknowledged one happened once or not at all, and a retry with its key says which (and does
it, once, if it had not happened); no nonce error anywhere; the read models equal a fresh
`tiercredit reindex` of the chain, table by table.

Everything started here is stopped by its process id; the namespaces and the bridge are deleted.
Skipped unless root with `ip` and nginx (`make system-packages` installs them) and PostgreSQL.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from backend.chain.client import Chain
from backend.chain.manifest import read_manifest
from backend.chain.node import (
    DEFAULT_ACCOUNTS,
    DEV_MNEMONIC,
    _command,
    dev_accounts,
    rpc_request,
)
from backend.core.database import session_factory
from backend.core.migrate import run_migrations
from backend.core.settings import Settings
from backend.demo.seed import register_operator
from backend.demo.stack import Child, cli_command, spawn, wait_for_http
from backend.devtools.postgres import postgres_bin, postgres_server
from backend.indexer.follower import DEFAULT_CURSOR
from backend.readmodels.models import FragmentRecord, IndexerCursor, InvoiceRecord
from backend.relay.models import RECEIVED, SENT, SIGNED, WriteRequest
from tests.backend.writes.test_api_writes_concurrency import worker_environment
from tests.backend.writes.test_write_soak import NONCE_ERRORS
from tests.readmodel_tables import dump

pytestmark = pytest.mark.timeout(600)

NGINX = Path("/usr/sbin/nginx")
IP = shutil.which("ip")
CHAIN_ID = 31337
CONFIRMATIONS = 2
API_PORT = 8000
LB_PORT = 8080
RPC_PORT = 8545
UNIT = 10**6
DAY = 86_400
FACE = 1_000_000 * UNIT
LINE = 10**9 * UNIT
HOLDERS = 10
# Each holder writes at most this many times, a pause between writes: the load is bounded.
WRITES_PER_HOLDER = 16
PAUSE_SECONDS = 0.5
LINK_DOWN_SECONDS = 10
# How long the platform may take to recover from one fault, and an unacknowledged write's
# retry to get its answer: bounds of the loops that wait for them.
RECOVERY_BOUND_SECONDS = 90.0
SETTLE_BOUND_SECONDS = 120.0

if os.geteuid() != 0:
    pytest.skip(
        "the cluster test builds network namespaces: run it as root", allow_module_level=True
    )
if IP is None or not NGINX.exists():
    pytest.skip(
        "the cluster test needs iproute2 and nginx: apt-get install iproute2 nginx "
        "(make system-packages does, as root)",
        allow_module_level=True,
    )
if postgres_bin() is None:
    pytest.skip(
        "the cluster test needs PostgreSQL's binaries (initdb, pg_ctl)", allow_module_level=True
    )


def run(*argv: str) -> None:
    subprocess.run(list(argv), check=True, capture_output=True)


# ---------------------------------------------------------------------- the network


@dataclass
class Network:
    """A bridge in the root namespace and one namespace per host, each on a veth pair."""

    tag: str
    subnet: int
    hosts: dict[str, tuple[str, str]] = field(default_factory=dict)  # name -> (netns, root veth)

    @property
    def bridge(self) -> str:
        return f"tcb{self.tag}"

    def address(self, octet: int) -> str:
        return f"10.77.{self.subnet}.{octet}"

    def create(self) -> None:
        run(IP, "link", "add", self.bridge, "type", "bridge")
        run(IP, "addr", "add", f"{self.address(1)}/24", "dev", self.bridge)
        run(IP, "link", "set", self.bridge, "up")

    def add_host(self, name: str, octet: int) -> str:
        netns, outside = f"tc{self.tag}-{name}", f"tcv{self.tag}{octet}"
        run(IP, "netns", "add", netns)
        self.hosts[name] = (netns, outside)
        run(IP, "link", "add", outside, "type", "veth", "peer", "name", "eth0", "netns", netns)
        run(IP, "link", "set", outside, "master", self.bridge)
        run(IP, "link", "set", outside, "up")
        run(IP, "-n", netns, "addr", "add", f"{self.address(octet)}/24", "dev", "eth0")
        run(IP, "-n", netns, "link", "set", "eth0", "up")
        run(IP, "-n", netns, "link", "set", "lo", "up")
        return netns

    def netns(self, name: str) -> str:
        return self.hosts[name][0]

    def link(self, name: str, state: str) -> None:
        """The host's cable: its veth end on the bridge set up or down."""
        run(IP, "link", "set", self.hosts[name][1], state)

    def pids(self, name: str) -> list[int]:
        out = subprocess.run(
            [IP, "netns", "pids", self.netns(name)], check=True, capture_output=True, text=True
        ).stdout
        return [int(pid) for pid in out.split()]

    def delete(self) -> None:
        for netns, outside in self.hosts.values():
            subprocess.run([IP, "link", "del", outside], check=False, capture_output=True)
            subprocess.run([IP, "netns", "del", netns], check=False, capture_output=True)
        subprocess.run([IP, "link", "del", self.bridge], check=False, capture_output=True)


def new_network() -> Network:
    """A tag and a /24 no other run of this test uses (their bridge would exist)."""
    for attempt in range(50):
        seed = (os.getpid() + attempt) % 250
        network = Network(tag=f"{seed:02x}{uuid.uuid4().hex[:2]}", subnet=seed + 1)
        existing = subprocess.run([IP, "-o", "addr", "show"], capture_output=True, text=True)
        if f" 10.77.{network.subnet}." not in existing.stdout:
            return network
    raise RuntimeError("no free 10.77.x.0/24 for the cluster")


def in_netns(netns: str, argv: list[str]) -> list[str]:
    # `ip netns exec` execs the command: the child's pid is the command's.
    return [IP, "netns", "exec", netns, *argv]


def nginx_config(directory: Path, listen: str, upstreams: list[str]) -> Path:
    for sub in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (directory / sub).mkdir(parents=True, exist_ok=True)
        (directory / sub).chmod(0o777)
    servers = "\n".join(
        f"    server {address}:{API_PORT} max_fails=1 fail_timeout=3s;" for address in upstreams
    )
    config = directory / "nginx.conf"
    config.write_text(
        f"""daemon off;
worker_processes 1;
pid {directory}/nginx.pid;
error_log {directory}/error.log warn;
events {{ worker_connections 1024; }}
http {{
  access_log off;
  client_body_temp_path {directory}/body;
  proxy_temp_path {directory}/proxy;
  fastcgi_temp_path {directory}/fastcgi;
  uwsgi_temp_path {directory}/uwsgi;
  scgi_temp_path {directory}/scgi;
  upstream api {{
{servers}
  }}
  server {{
    listen {listen}:{LB_PORT};
    location / {{
      proxy_pass http://api;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      # A write whose upstream refused or did not answer the connection is tried on the next:
      # its Idempotency-Key makes that safe for a POST too.
      proxy_next_upstream error timeout non_idempotent;
      proxy_next_upstream_tries 3;
      proxy_connect_timeout 2s;
      proxy_read_timeout 300s;
    }}
  }}
}}
"""
    )
    return config


# ---------------------------------------------------------------------- the load


@dataclass
class Write:
    """One write of the load: what was asked, with which key, and what the client heard."""

    index: int
    kind: str  # "split" or "invoice"
    api_key: str
    path: str
    body: dict[str, Any]
    key: str
    started: float = 0.0
    finished: float = 0.0
    status: int | None = None
    answer: Any = None
    outcome: int | None = None  # the new fragment's or invoice's id, once known

    @property
    def acknowledged(self) -> bool:
        return self.status == 201

    @property
    def mark(self) -> int:
        """The value no other write has: a split's value, an invoice's amount."""
        return self.body["value_units" if self.kind == "split" else "amount_units"]


def outcome_of(write: Write, status: int, answer: Any) -> int | None:
    """The new fragment (split) or invoice id an answer names: a 201, or a finished request."""
    if status == 201:
        if write.kind == "split":
            return int(answer["fragment"]["token_id"])
        return int(answer["invoice"]["invoice_id"])
    if status == 200 and isinstance(answer, dict) and answer.get("status") == "done":
        name, arg = (
            ("TradeTransferred", "toTokenId")
            if write.kind == "split"
            else ("InvoiceRegistered", "invoiceId")
        )
        (event,) = [e for e in answer["outcome"]["events"] if e["name"] == name]
        return int(event["args"][arg])
    return None


def send(http: httpx.Client, write: Write) -> tuple[int | None, Any]:
    headers = {"Authorization": f"Bearer {write.api_key}", "Idempotency-Key": write.key}
    try:
        response = http.post(write.path, json=write.body, headers=headers)
    except httpx.HTTPError as exc:
        return None, repr(exc)
    try:
        return response.status_code, response.json()
    except ValueError:
        return response.status_code, response.text


@dataclass
class Member:
    name: str
    address: str
    api_key: str


@dataclass
class Holder:
    member: Member
    token_id: int
    invoice_id: int  # the receiver's invoice to the holder: a split-transfer's trade reference


# ---------------------------------------------------------------------- the cluster


class Cluster:
    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        self.network = new_network()
        self.children: dict[str, Child] = {}
        self.settings: Settings | None = None
        self.env: dict[str, str] = {}

    def address(self, host: str) -> str:
        return self.network.address(OCTETS[host])

    @property
    def rpc_url(self) -> str:
        return f"http://{self.address('chain')}:{RPC_PORT}"

    @property
    def lb_url(self) -> str:
        return f"http://{self.address('lb')}:{LB_PORT}"

    def start_child(self, host: str, argv: list[str], env: dict[str, str] | None = None) -> Child:
        child = spawn(
            host,
            in_netns(self.network.netns(host), argv),
            env or self.env,
            self.tmp / "logs" / f"{host}.log",
        )
        self.children[host] = child
        return child

    def start_api(self, *hosts: str) -> None:
        """Starts the API hosts at once, then waits for each to answer."""
        for host in hosts:
            argv = [*cli_command("serve", "--host", self.address(host), "--port", str(API_PORT))]
            self.start_child(host, [*argv, "--workers", "2"])
        for host in hosts:
            url = f"http://{self.address(host)}:{API_PORT}/health"
            wait_for_http(url, self.children[host], 120)

    def kill_host(self, host: str) -> None:
        """SIGKILL to every process of the host's namespace, by its pid."""
        for pid in self.network.pids(host):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        self.children[host].process.wait(10)

    def stop(self) -> None:
        for child in reversed(list(self.children.values())):
            with contextlib.suppress(Exception):
                child.stop()


OCTETS = {"chain": 2, "pg": 3, "api1": 11, "api2": 12, "api3": 13, "indexer": 20, "lb": 30}
APIS = ("api1", "api2", "api3")


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[Cluster]:
    cluster = Cluster(tmp_path)
    network = cluster.network
    try:
        network.create()
        for host, octet in OCTETS.items():
            network.add_host(host, octet)
        yield cluster
    finally:
        cluster.stop()
        network.delete()


def test_a_cluster_under_faults_loses_nothing_and_does_nothing_twice(
    cluster: Cluster, tmp_path: Path
) -> None:
    bin_dir = postgres_bin()
    assert bin_dir is not None
    network = cluster.network
    started = time.monotonic()

    # The chain host: Anvil on its own address, a block a second.
    anvil = _command(
        "anvil",
        RPC_PORT,
        CHAIN_ID,
        1,
        DEFAULT_ACCOUNTS,
        DEV_MNEMONIC,
        host=cluster.address("chain"),
    )
    cluster.start_child("chain", anvil, dict(os.environ))
    deadline = time.monotonic() + 30
    while True:
        with contextlib.suppress(Exception):
            if rpc_request(cluster.rpc_url, "eth_chainId") == hex(CHAIN_ID):
                break
        assert time.monotonic() < deadline, "anvil did not start"
        time.sleep(0.2)

    with postgres_server(
        bin_dir,
        netns=network.netns("pg"),
        host=cluster.address("pg"),
        trusted=f"{network.address(0)}/24",
    ) as pg:
        database = pg.create_database("cluster")
        database_url = pg.url(database)
        manifest_path = tmp_path / "deployment.json"
        subprocess.run(
            cli_command("deploy", "--rpc-url", cluster.rpc_url, "--manifest", str(manifest_path)),
            check=True,
            capture_output=True,
            env={k: v for k, v in os.environ.items() if not k.startswith("TIERCREDIT_")},
            timeout=300,
        )
        settings = Settings(
            environment="test",
            rpc_url=cluster.rpc_url,
            chain_id=CHAIN_ID,
            database_url=database_url,
            deployment_manifest=manifest_path,
            keystore_dir=tmp_path / "keystore",
            keystore_password="cluster-keystore-password",
            keystore_kdf="pbkdf2",
            keystore_kdf_iterations=2,
            api_key_pepper="cluster-pepper",
            relayer_private_key=dev_accounts(10)[9].key.hex(),
            confirmations=CONFIRMATIONS,
        )
        cluster.settings = settings
        cluster.env = worker_environment(settings)
        run_migrations(database_url)
        operator = register_operator(settings, dev_accounts(1)[0])

        cluster.start_api(*APIS)
        cluster.start_child("indexer", cli_command("index"))
        config = nginx_config(
            tmp_path / "nginx", cluster.address("lb"), [cluster.address(h) for h in APIS]
        )
        lb = cluster.start_child(
            "lb", [str(NGINX), "-c", str(config), "-e", str(tmp_path / "nginx" / "error.log")]
        )
        wait_for_http(f"{cluster.lb_url}/health", lb, 30)

        chain = Chain(cluster.rpc_url, read_manifest(manifest_path), expected_chain_id=CHAIN_ID)
        with httpx.Client(base_url=cluster.lb_url, timeout=120) as http:
            holders, receiver = onboard(http, chain, operator.api_key)
            setup_seconds = time.monotonic() - started
            writes, recoveries = load_under_faults(cluster, http, chain, holders, receiver, pg)
            report = settle_and_check(cluster, http, chain, writes, pg)

        total = time.monotonic() - started
        print(
            f"\ncluster: {report['writes']} writes, {report['acknowledged']} acknowledged, "
            f"{report['unacknowledged']} unacknowledged ({report['happened']} had happened, "
            f"{report['not_happened']} had not; each retried with its key), lost "
            f"{report['lost']}, duplicated {report['duplicated']}, nonce errors "
            f"{report['nonce_errors']}, read models equal a fresh reindex to block "
            f"{report['reindexed_to']}; longest recovery: "
            + ", ".join(f"{name} {seconds:.0f} s" for name, seconds in recoveries.items())
            + f"; setup {setup_seconds:.0f} s, run {total:.0f} s"
        )


# ---------------------------------------------------------------------- the steps


def post_ok(http: httpx.Client, api_key: str, path: str, body: dict[str, Any], status: int) -> Any:
    """A setup write: retried with its key while the answer is not final (bounded). A retry
    after an unfinished answer may get the request as recovery finished it (200, `done`: the
    route's own answer could not be built any more); `made_id` reads the id from either."""
    key = f"setup-{uuid.uuid4().hex}"
    headers = {"Authorization": f"Bearer {api_key}", "Idempotency-Key": key}
    deadline = time.monotonic() + SETTLE_BOUND_SECONDS
    while True:
        response = http.post(path, json=body, headers=headers)
        if response.status_code == status:
            return response.json()
        if response.status_code == 200 and response.json().get("status") == "done":
            return response.json()
        assert response.status_code in (409, 503) and time.monotonic() < deadline, (
            path,
            response.status_code,
            response.text,
        )
        time.sleep(1)


def made_id(answer: Any, entity: str, field: str, event: str, arg: str) -> int:
    """The id a setup write made: in its route's answer, or in the events of its request."""
    if entity in answer:
        return int(answer[entity][field])
    (found,) = [e for e in answer["outcome"]["events"] if e["name"] == event]
    return int(found["args"][arg])


def chain_now(chain: Chain) -> int:
    return int(chain.w3.eth.get_block("latest")["timestamp"])


def invoice_body(seller: Member, buyer: Member, amount: int, due: int) -> dict[str, Any]:
    number = f"INV-{uuid.uuid4().hex[:12]}"
    return {
        "buyer": buyer.address,
        "amount_units": amount,
        "due_date": due,
        "invoice_number": number,
        "document": {
            "invoice_number": number,
            "seller": {"name": seller.name, "address": seller.address},
            "buyer": {"name": buyer.name, "address": buyer.address},
            "currency": "CNY",
            "amount_units": amount,
            "lines": [{"sku": "SKU-1", "quantity": 1, "unit_price_units": amount}],
        },
    }


def onboard(http: httpx.Client, chain: Chain, operator_key: str) -> tuple[list[Holder], Member]:
    """A core enterprise, its bank, a receiver and HOLDERS suppliers each holding a credit."""

    def member(name: str, roles: list[str]) -> Member:
        body = {"name": name, "roles": roles, "kyc_reference": f"KYC-{name}"}
        answer = post_ok(http, operator_key, "/members", body, 201)
        return Member(name, answer["member"]["address"], answer["api_key"])

    with ThreadPoolExecutor(8) as pool:
        core, bank, receiver, *suppliers = pool.map(
            lambda job: member(*job),
            [("Core", ["CORE_ENTERPRISE"]), ("Bank", ["FINANCIER"]), ("Receiver", ["SUPPLIER"])]
            + [(f"Supplier {i}", ["SUPPLIER"]) for i in range(HOLDERS)],
        )
    post_ok(
        http, bank.api_key, "/credit-lines", {"obligor": core.address, "limit_units": LINE}, 200
    )

    def confirmed(seller: Member, buyer: Member) -> int:
        due = chain_now(chain) + 90 * DAY
        answer = post_ok(
            http, seller.api_key, "/invoices", invoice_body(seller, buyer, FACE, due), 201
        )
        invoice_id = made_id(answer, "invoice", "invoice_id", "InvoiceRegistered", "invoiceId")
        post_ok(http, buyer.api_key, f"/invoices/{invoice_id}/confirm", {}, 200)
        return invoice_id

    def holder(supplier: Member) -> Holder:
        invoice_id = confirmed(supplier, core)
        credit = post_ok(
            http,
            core.api_key,
            "/credits",
            {
                "invoice_id": invoice_id,
                "face_value_units": FACE,
                "maturity": chain_now(chain) + 60 * DAY,
            },
            201,
        )
        credit_id = made_id(credit, "credit", "credit_id", "CreditIssued", "creditId")
        return Holder(supplier, credit_id, confirmed(receiver, supplier))

    with ThreadPoolExecutor(HOLDERS) as pool:
        return list(pool.map(holder, suppliers)), receiver


def load_under_faults(
    cluster: Cluster,
    http: httpx.Client,
    chain: Chain,
    holders: list[Holder],
    receiver: Member,
    pg: Any,
) -> tuple[list[Write], dict[str, float]]:
    writes: list[Write] = []
    lock = threading.Lock()
    stop = threading.Event()
    indices = iter(range(10**6))
    due = chain_now(chain) + 90 * DAY

    def writer(holder: Holder) -> None:
        with httpx.Client(base_url=cluster.lb_url, timeout=180) as own:
            for turn in range(WRITES_PER_HOLDER):
                if stop.is_set():
                    return
                with lock:
                    index = next(indices)
                if turn % 2 == 0:
                    # Split values and invoice amounts no other write has: the chain shows which.
                    kind, path = "split", f"/fragments/{holder.token_id}/split-transfer"
                    body = {
                        "to": receiver.address,
                        "value_units": 1_000 + index,
                        "invoice_id": holder.invoice_id,
                    }
                else:
                    kind, path = "invoice", "/invoices"
                    body = invoice_body(holder.member, receiver, (10_000 + index) * UNIT, due)
                write = Write(
                    index, kind, holder.member.api_key, path, body, f"load-{uuid.uuid4().hex}"
                )
                with lock:
                    writes.append(write)
                write.started = time.monotonic()
                write.status, write.answer = send(own, write)
                write.finished = time.monotonic()
                if write.acknowledged:
                    write.outcome = outcome_of(write, 201, write.answer)
                stop.wait(PAUSE_SECONDS)

    def first_ack_after(moment: float) -> float | None:
        with lock:
            done = [w.finished for w in writes if w.started >= moment and w.acknowledged]
        return min(done) if done else None

    def recovered(name: str, fault_at: float, ready: Any = None) -> float:
        """Seconds from the fault to a write begun after it acknowledged (and ``ready``)."""
        deadline = fault_at + RECOVERY_BOUND_SECONDS
        ready_at: float | None = None
        while True:
            if ready_at is None and (ready is None or ready()):
                ready_at = time.monotonic()
            acked = first_ack_after(fault_at)
            if ready_at is not None and acked is not None:
                return max(ready_at, acked) - fault_at
            assert time.monotonic() < deadline, (
                f"no recovery from {name} in {RECOVERY_BOUND_SECONDS:.0f} s"
            )
            time.sleep(0.2)

    def indexer_caught_up(target: int) -> Any:
        factory = session_factory(cluster.settings.database_url)

        def check() -> bool:
            with contextlib.suppress(Exception), factory() as session:
                cursor = session.get(IndexerCursor, DEFAULT_CURSOR)
                return cursor is not None and cursor.block_number >= target
            return False

        return check

    recoveries: dict[str, float] = {}
    with ThreadPoolExecutor(len(holders)) as pool:
        running = [pool.submit(writer, holder) for holder in holders]
        try:
            time.sleep(4)
            # 1. One API host killed, every process of it; the load balancer routes around it.
            fault = time.monotonic()
            cluster.kill_host("api2")
            time.sleep(2)
            cluster.start_api("api2")
            recoveries["API host kill -9"] = recovered(
                "the API kill",
                fault,
                lambda: _healthy(f"http://{cluster.address('api2')}:{API_PORT}"),
            )
            # 2. PostgreSQL restarted.
            fault = time.monotonic()
            pg.restart()
            recoveries["PostgreSQL restart"] = recovered("the PostgreSQL restart", fault)
            # 3. The chain host cut off for 10 s.
            fault = time.monotonic()
            cluster.network.link("chain", "down")
            time.sleep(LINK_DOWN_SECONDS)
            cluster.network.link("chain", "up")
            recoveries["chain link down 10 s"] = recovered("the chain's link down", fault)
            # 4. A reorg of depth 3 under load: the last three blocks replaced by empty ones.
            fault = time.monotonic()
            rpc_request(cluster.rpc_url, "anvil_reorg", [3, []])
            recoveries["anvil_reorg depth 3"] = recovered("the reorg", fault)
            # 5. The indexer killed and started again.
            fault = time.monotonic()
            cluster.kill_host("indexer")
            head = chain.w3.eth.block_number
            cluster.children["indexer"].respawn()
            recoveries["indexer kill -9"] = recovered(
                "the indexer kill", fault, indexer_caught_up(head - CONFIRMATIONS)
            )
        finally:
            stop.set()
            for future in running:
                future.result(timeout=300)
    return writes, recoveries


def _healthy(url: str) -> bool:
    with contextlib.suppress(httpx.HTTPError):
        return httpx.get(f"{url}/health", timeout=2).status_code == 200
    return False


def on_chain(chain: Chain, first_block: int) -> tuple[Counter[int], Counter[int], dict[int, int]]:
    """Split values and invoice amounts of the load's events, and the id each one made."""
    logs = chain.w3.eth.get_logs(
        {
            "fromBlock": first_block,
            "toBlock": "latest",
            "address": [
                chain.manifest.address("CreditVoucher"),
                chain.manifest.address("InvoiceRegistry"),
            ],
        }
    )
    splits: Counter[int] = Counter()
    invoices: Counter[int] = Counter()
    made: dict[int, int] = {}
    for event in chain.events.decode_all(logs):
        if event.name == "TradeTransferred":
            splits[int(event.args["value"])] += 1
            made[int(event.args["value"])] = int(event.args["toTokenId"])
        elif event.name == "InvoiceRegistered":
            invoices[int(event.args["amount"])] += 1
            made[int(event.args["amount"])] = int(event.args["invoiceId"])
    return splits, invoices, made


def settle_and_check(
    cluster: Cluster, http: httpx.Client, chain: Chain, writes: list[Write], pg: Any
) -> dict[str, Any]:
    settings = cluster.settings
    assert settings is not None
    factory = session_factory(settings.database_url)
    # Nothing left in flight: every recorded request finished (done or failed) or expired.
    deadline = time.monotonic() + SETTLE_BOUND_SECONDS
    while True:
        with factory() as session:
            open_rows = session.scalars(
                select(WriteRequest.status).where(WriteRequest.status.in_((RECEIVED, SIGNED, SENT)))
            ).all()
        if not open_rows:
            break
        assert time.monotonic() < deadline, f"requests still open: {Counter(open_rows)}"
        time.sleep(1)

    splits, invoices, made = on_chain(chain, 0)
    answers = Counter(
        f"{w.status} {w.answer.get('error') if isinstance(w.answer, dict) else ''}".strip()
        for w in writes
    )
    print(f"\nanswers during the load: {dict(answers)}")

    def count(write: Write, tally: tuple[Counter[int], Counter[int]]) -> int:
        return (tally[0] if write.kind == "split" else tally[1])[write.mark]

    acknowledged = [w for w in writes if w.acknowledged]
    unacknowledged = [w for w in writes if not w.acknowledged]
    unexpected = [
        (w.status, w.answer)
        for w in unacknowledged
        if w.status is not None and w.status not in (409, 502, 503, 504)
    ]
    assert unexpected == []
    happened = [w for w in unacknowledged if count(w, (splits, invoices)) == 1]
    # A retry with the key: it answers the write that happened, or does the one that had not.
    retried: dict[int, int | None] = {}
    for write in unacknowledged:
        deadline = time.monotonic() + SETTLE_BOUND_SECONDS
        while True:
            status, answer = send(http, write)
            outcome = outcome_of(write, status, answer) if status is not None else None
            if outcome is not None:
                retried[write.index] = outcome
                break
            assert status in (None, 409, 502, 503, 504) and time.monotonic() < deadline, (
                status,
                answer,
            )
            time.sleep(1)
    before = {w.index: count(w, (splits, invoices)) for w in writes}
    splits, invoices, made = on_chain(chain, 0)
    after = {w.index: count(w, (splits, invoices)) for w in writes}

    lost = [w.index for w in acknowledged if after[w.index] == 0]
    duplicated = [w.index for w in writes if after[w.index] > 1]
    assert lost == []
    assert duplicated == []
    # An acknowledged write is the very event on chain, and was so before any retry.
    assert [w.index for w in acknowledged if before[w.index] != 1] == []
    assert [w.index for w in acknowledged if made[w.mark] != w.outcome] == []
    # An unacknowledged one happened once or not at all; its retry names the one event now.
    assert all(before[w.index] in (0, 1) for w in unacknowledged)
    assert [w.index for w in unacknowledged if made[w.mark] != retried[w.index]] == []

    # Nonce errors in no answer and no log line of any host.
    logs = "\n".join(p.read_text(errors="replace") for p in (cluster.tmp / "logs").glob("*.log"))
    answers = "\n".join(str(w.answer) for w in writes)
    nonce_errors = sum((logs + answers).lower().count(marker) for marker in NONCE_ERRORS)
    assert nonce_errors == 0

    # The read models: every write in them, and equal to a fresh reindex of the chain.
    last_event_block = chain.w3.eth.block_number
    deadline = time.monotonic() + SETTLE_BOUND_SECONDS
    while True:
        with factory() as session:
            cursor = session.get(IndexerCursor, DEFAULT_CURSOR)
        if cursor is not None and cursor.block_number >= last_event_block:
            break
        assert time.monotonic() < deadline, "the indexer did not catch up"
        time.sleep(0.5)
    with factory() as session:
        fragments = set(session.scalars(select(FragmentRecord.token_id)))
        invoice_ids = set(session.scalars(select(InvoiceRecord.invoice_id)))
    for write in writes:
        assert made[write.mark] in (fragments if write.kind == "split" else invoice_ids), (
            write.index
        )
    fresh = pg.url(pg.create_database("reindex"))
    reindexed_to = cursor.block_number
    subprocess.run(
        cli_command("reindex", "--database-url", fresh, "--to-block", str(reindexed_to)),
        check=True,
        capture_output=True,
        env=cluster.env,
        timeout=300,
    )
    live, again = dump(settings.database_url), dump(fresh)
    assert [name for name in live if live[name] != again[name]] == []
    assert live == again
    return {
        "writes": len(writes),
        "acknowledged": len(acknowledged),
        "unacknowledged": len(unacknowledged),
        "happened": len(happened),
        "not_happened": len(unacknowledged) - len(happened),
        "lost": len(lost),
        "duplicated": len(duplicated),
        "nonce_errors": nonce_errors,
        "reindexed_to": reindexed_to,
    }
