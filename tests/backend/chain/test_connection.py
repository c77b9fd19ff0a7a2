"""The platform's connection to a node: blocks of proof-of-authority chains (Besu QBFT) read like
any other, the proxy environment read once, and JSON-RPC over one kept-alive connection per
thread that survives the node closing it."""

from __future__ import annotations

import socket
import threading
import urllib.request
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import requests
import rlp
from web3 import Web3
from web3.exceptions import ExtraDataLengthError

from backend.chain.connection import connect
from backend.chain.errors import ChainUnavailable
from backend.chain.fees import fee_fields
from backend.chain.node import LocalNode
from backend.chain.sender import node_errors
from tests.backend.chain.qbft_proxy import QbftShapedNode, besu_block


@pytest.fixture
def qbft(anvil: LocalNode) -> Iterator[QbftShapedNode]:
    proxy = QbftShapedNode(anvil.url)
    yield proxy
    proxy.stop()


def test_the_fixture_is_a_qbft_block_as_besu_returns_it() -> None:
    block = besu_block()
    extra = bytes.fromhex(block["extraData"].removeprefix("0x"))
    vanity, validators, vote, round_number, seals = rlp.decode(extra)

    assert len(extra) > 32
    assert len(vanity) == 32
    assert [len(v) for v in validators] == [20] * 4
    assert vote == []
    assert len(round_number) == 4
    assert [len(s) for s in seals] == [65] * 3
    # QBFT's fixed mixHash ("ctical byzantine fault tolerance"), difficulty 1, no nonce.
    assert bytes.fromhex(block["mixHash"][2:]).endswith(b"byzantine fault tolerance")
    assert (block["difficulty"], block["nonce"]) == ("0x1", "0x0000000000000000")


def test_plain_web3_refuses_qbft_blocks_and_the_platforms_connection_reads_them(
    qbft: QbftShapedNode,
) -> None:
    with pytest.raises(ExtraDataLengthError):
        Web3(Web3.HTTPProvider(qbft.url)).eth.get_block("latest")

    w3 = connect(qbft.url)
    block = w3.eth.get_block("latest")

    assert bytes(block["proofOfAuthorityData"]) == bytes.fromhex(besu_block()["extraData"][2:])
    assert fee_fields(w3)["maxFeePerGas"] > 0


def test_the_node_session_reads_the_proxy_environment_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The proxy and no-proxy variables are honoured as requests honours them, but read when the
    connection is made, not on every JSON-RPC call."""
    from backend.chain.connection import node_session

    for name in ("NO_PROXY", "no_proxy", "http_proxy", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HTTP_PROXY", "http://10.9.9.9:3128")

    proxied = node_session("http://node.example:8545")
    monkeypatch.setenv("NO_PROXY", "node.example")
    bypassed = node_session("http://node.example:8545")
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", "/etc/ssl/node-ca.pem")
    with_bundle = node_session("https://node.example:8545")

    assert proxied.trust_env is False
    assert proxied.proxies.get("http") == "http://10.9.9.9:3128"
    assert "http" not in bypassed.proxies
    assert (proxied.verify, with_bundle.verify) == (True, "/etc/ssl/node-ca.pem")
    # Changing the environment afterwards changes nothing for a session made already.
    assert proxied.proxies.get("http") == "http://10.9.9.9:3128"


def test_every_thread_shares_one_session_to_the_node(anvil: LocalNode) -> None:
    w3 = connect(anvil.url)
    seen: set[int] = set()

    def call() -> None:
        assert w3.eth.block_number >= 0
        seen.add(id(w3.provider._request_session_manager.cache_and_return_session(anvil.url)))  # type: ignore[attr-defined]

    threads = [threading.Thread(target=call) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(seen) == 1


class CountingNode:
    """Forwards JSON-RPC to ``upstream`` over HTTP/1.1 and counts the connections it accepted.
    With ``close_after_answer`` it closes each connection after its answer without saying so,
    as a node (or a proxy in front of it) whose idle timeout has run out does."""

    def __init__(self, upstream: str, *, close_after_answer: bool = False) -> None:
        self.connections = 0
        node = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def setup(self) -> None:
                super().setup()
                node.connections += 1

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                request = urllib.request.Request(
                    upstream, data=body, headers={"Content-Type": "application/json"}
                )
                with urllib.request.urlopen(request, timeout=30) as response:
                    payload = response.read()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)
                self.close_connection = close_after_answer

            def log_message(self, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


@pytest.fixture
def counting(anvil: LocalNode) -> Iterator[CountingNode]:
    node = CountingNode(anvil.url)
    yield node
    node.stop()


def test_each_thread_keeps_one_connection_to_the_node_open(
    counting: CountingNode, anvil: LocalNode
) -> None:
    w3 = connect(counting.url)
    numbers = [w3.eth.block_number for _ in range(20)]
    assert counting.connections == 1

    errors: list[BaseException] = []

    def calls() -> None:
        try:
            for _ in range(5):
                assert w3.eth.chain_id == Web3(Web3.HTTPProvider(anvil.url)).eth.chain_id
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=calls) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert counting.connections == 4
    assert numbers == [numbers[0]] * 20
    # JSON-RPC batches take the same connection.
    assert len(w3.provider.make_batch_request([("eth_chainId", []), ("eth_blockNumber", [])])) == 2  # type: ignore[attr-defined]
    assert counting.connections == 4


def test_a_connection_the_node_closed_is_opened_again(anvil: LocalNode) -> None:
    node = CountingNode(anvil.url, close_after_answer=True)
    try:
        w3 = connect(node.url)
        chain_id = w3.eth.chain_id
        assert [w3.eth.chain_id for _ in range(10)] == [chain_id] * 10
        assert node.connections == 11
    finally:
        node.stop()


def _scripted_node(answer: bytes) -> tuple[socket.socket, str]:
    """A TCP server that answers any request with ``answer`` and closes the connection."""
    server = socket.create_server(("127.0.0.1", 0))

    def serve() -> None:
        while True:
            try:
                client, _ = server.accept()
            except OSError:
                return
            client.recv(65536)
            client.sendall(answer)
            client.close()

    threading.Thread(target=serve, daemon=True).start()
    return server, f"http://127.0.0.1:{server.getsockname()[1]}"


def _garbage_node() -> tuple[socket.socket, str]:
    """A TCP server that answers anything with a line that is not HTTP."""
    return _scripted_node(b"garbage\r\n\r\n")


BLOCK_NUMBER = b'{"jsonrpc":"2.0","id":0,"result":"0x2a"}'


@pytest.mark.parametrize(
    "answer",
    [
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
        + b"%x\r\n%s\r\n" % (10, BLOCK_NUMBER[:10])
        + b"%x;ext=1\r\n%s\r\n" % (len(BLOCK_NUMBER) - 10, BLOCK_NUMBER[10:])
        + b"0\r\nX-Trailer: t\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\r\n" + BLOCK_NUMBER,
        b"HTTP/1.0 200 OK\r\ncontent-length: %d\r\n\r\n%s" % (len(BLOCK_NUMBER), BLOCK_NUMBER),
    ],
    ids=["chunked", "to-the-close", "http-1.0"],
)
def test_answers_in_chunks_or_to_the_close_are_read_whole(answer: bytes) -> None:
    """What Go's and Java's HTTP servers (Geth, Besu) may send besides a Content-Length."""
    server, url = _scripted_node(answer)
    try:
        assert connect(url, exception_retry_configuration=None).eth.block_number == 42
    finally:
        server.close()


@pytest.mark.parametrize(
    "answer",
    [
        b"HTTP/1.1 200 OK\r\nContent-Length: 500\r\n\r\n" + BLOCK_NUMBER,
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
        b"HTTP/1.1 200 OK\r\nContent-Length: -5\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nno colon here\r\n\r\n",
        b"HTTP/1.1 OK\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nX-Long: " + b"a" * 70_000 + b"\r\n\r\n",
    ],
    ids=["cut-off", "bad-chunk-size", "negative-length", "bad-header", "no-status", "long-line"],
)
def test_a_cut_off_or_malformed_answer_is_chain_unavailable(answer: bytes) -> None:
    server, url = _scripted_node(answer)
    try:
        w3 = connect(url, exception_retry_configuration=None)
        with pytest.raises(ChainUnavailable) as raised, node_errors():
            w3.eth.block_number  # noqa: B018
        assert isinstance(raised.value.__cause__, requests.ConnectionError)
    finally:
        server.close()


def test_a_node_that_does_not_answer_or_answers_no_http_is_chain_unavailable() -> None:
    closed = socket.create_server(("127.0.0.1", 0))
    refused_url = f"http://127.0.0.1:{closed.getsockname()[1]}"
    closed.close()
    garbage, garbage_url = _garbage_node()
    try:
        for url, cause in (
            (refused_url, ConnectionRefusedError),
            (garbage_url, requests.ConnectionError),
        ):
            w3 = connect(url, exception_retry_configuration=None)
            with pytest.raises(ChainUnavailable) as raised, node_errors():
                w3.eth.block_number  # noqa: B018
            assert isinstance(raised.value.__cause__, cause)
    finally:
        garbage.close()
