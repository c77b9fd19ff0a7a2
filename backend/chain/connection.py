"""The one way the platform opens a web3 connection to a node."""

from __future__ import annotations

import os
import select
import socket
import threading
from typing import Any
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter
from requests.structures import CaseInsensitiveDict
from web3 import Web3
from web3.middleware import ExtraDataToPOAMiddleware

# Connections kept open by requests where it carries the calls (a proxy, or HTTPS), shared by
# every thread of the process: more than the threads that talk to the node at once.
POOL_SIZE = 64


def connect(rpc_url: str, *, timeout: float = 30, **provider_options: Any) -> Web3:
    """A Web3 over HTTP that reads the blocks of proof-of-authority chains too.

    Besu QBFT/IBFT and Clique put the validators (and their seals) in a block's `extraData`,
    far longer than the 32 bytes of Ethereum mainnet, which web3's validation refuses
    (ExtraDataLengthError) in every `eth.get_block`; the middleware, innermost so it runs
    before that validation, moves it to `proofOfAuthorityData`, which nothing here reads.
    """
    provider_options.setdefault("session", node_session(rpc_url))
    w3 = Web3(Web3.HTTPProvider(rpc_url, request_kwargs={"timeout": timeout}, **provider_options))
    w3.middleware_onion.inject(ExtraDataToPOAMiddleware, layer=0)
    return w3


def node_session(rpc_url: str) -> requests.Session:
    """One HTTP session to the node, its proxy and CA bundle read from the environment once.

    A session that trusts the environment reads it on every request (the proxy variables, the
    no-proxy list, the CA bundle). The variables are the same ones, read when the connection is
    made (netrc credentials are not: a node's URL carries its own).
    """
    session = NodeSession(rpc_url)
    session.trust_env = False
    session.proxies.update(requests.utils.get_environ_proxies(rpc_url))
    bundle = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE")
    if bundle:
        session.verify = bundle
    adapter = HTTPAdapter(pool_connections=1, pool_maxsize=POOL_SIZE)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


class NodeSession(requests.Session):
    """A requests session whose JSON-RPC posts to a plain-HTTP node reached without a proxy go
    over a kept-alive connection of the calling thread (`_Wire`).

    requests spends about 1 ms of CPU per call here on what a node's JSON-RPC never needs
    (hooks, cookies, redirects, adapters, urllib3's pool), and http.client another 0.3 ms
    parsing each answer's headers with the email package; the HTTP a node speaks takes a tenth
    of that. Through a proxy or over HTTPS, requests carries the calls as before. Failures are
    OSErrors either way, as requests' are: a node that does not answer is ChainUnavailable (503)
    wherever node_errors() is around the call.
    """

    def __init__(self, rpc_url: str) -> None:
        super().__init__()
        self._url = rpc_url
        parts = urlsplit(rpc_url)
        self._plain = parts.scheme == "http" and not parts.username and not parts.password
        self._address = (parts.hostname or "localhost", parts.port or 80)
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        host = parts.netloc.rpartition("@")[2]
        self._head = f"POST {path} HTTP/1.1\r\nHost: {host}\r\n".encode("ascii")
        self._local = threading.local()

    def post(self, url: Any, data: Any = None, json: Any = None, **kwargs: Any) -> Any:
        direct = self._plain and url == self._url and json is None and isinstance(data, bytes)
        if not direct or self.proxies.get("http") or kwargs.get("stream"):
            return super().post(url, data=data, json=json, **kwargs)
        timeout = kwargs.get("timeout")
        if isinstance(timeout, tuple):
            timeout = max(t for t in timeout if t is not None)
        return self._post(data, kwargs.get("headers") or {}, timeout)

    def _post(self, body: bytes, headers: Any, timeout: float | None) -> requests.Response:
        head = self._head + b"".join(
            f"{name}: {value}\r\n".encode("latin-1")
            for name, value in headers.items()
            if name.lower() not in ("host", "content-length")
        )
        message = head + b"Content-Length: %d\r\n\r\n" % len(body) + body
        wire: _Wire | None = getattr(self._local, "wire", None)
        reused = wire is not None and wire.idle_and_open()
        if not reused:
            wire = self._local.wire = _Wire(self._address, timeout)
        assert wire is not None
        try:
            status, reason, fields, content = wire.exchange(message, timeout)
        except (BrokenPipeError, ConnectionResetError, _ClosedBeforeAnswer):
            if not reused:
                raise
            # The node closed the kept-alive connection just before this call: once more on a
            # new one (the call never reached it).
            wire = self._local.wire = _Wire(self._address, timeout)
            status, reason, fields, content = wire.exchange(message, timeout)
        response = requests.Response()
        response.status_code, response.reason, response.url = status, reason, self._url
        response.headers = CaseInsensitiveDict(fields)
        response._content = content  # what requests' own adapter fills in
        response._content_consumed = True
        return response


class _ClosedBeforeAnswer(ConnectionResetError):
    """The node closed the connection without answering a byte (a kept-alive connection it
    had timed out)."""


class _Wire:
    """One kept-alive HTTP/1.1 connection to the node: a request out, its answer read by
    Content-Length or chunks (what a JSON-RPC server sends), headers bounded as http.client
    bounds them. An answer that is not HTTP is a requests.ConnectionError; the connection is
    then closed, as after any failure, so no half-read answer is ever taken for the next."""

    def __init__(self, address: tuple[str, int], timeout: float | None) -> None:
        self._sock = socket.create_connection(address, timeout)
        self._sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._file = self._sock.makefile("rb")
        self._open = True

    def idle_and_open(self) -> bool:
        """False once closed, or when the idle connection has something to read: only a node
        that closed it sends anything unasked."""
        if self._open and select.select([self._sock], [], [], 0)[0]:
            self.close()
        return self._open

    def close(self) -> None:
        self._open = False
        self._file.close()
        self._sock.close()

    def exchange(
        self, message: bytes, timeout: float | None
    ) -> tuple[int, str, list[tuple[str, str]], bytes]:
        try:
            self._sock.settimeout(timeout)
            self._sock.sendall(message)
            status, reason, fields, content, keep = self._answer()
        except BaseException:
            self.close()
            raise
        if not keep:
            self.close()
        return status, reason, fields, content

    def _line(self) -> bytes:
        line = self._file.readline(_MAX_LINE + 1)
        if len(line) > _MAX_LINE:
            raise requests.ConnectionError("the node's answer has a line too long")
        return line

    def _answer(self) -> tuple[int, str, list[tuple[str, str]], bytes, bool]:
        status_line = self._line()
        if not status_line:
            raise _ClosedBeforeAnswer("the node closed the connection without an answer")
        version, _, rest = status_line.decode("latin-1").rstrip("\r\n").partition(" ")
        code, _, reason = rest.partition(" ")
        if not version.startswith("HTTP/1.") or not (len(code) == 3 and code.isdigit()):
            raise requests.ConnectionError(f"the node's answer was not HTTP: {status_line!r}")
        fields: list[tuple[str, str]] = []
        while (line := self._line()) not in (b"\r\n", b"\n", b""):
            name, colon, value = line.decode("latin-1").partition(":")
            if not colon or len(fields) >= _MAX_HEADERS:
                raise requests.ConnectionError(f"the node's answer has a bad header: {line!r}")
            fields.append((name.strip(), value.strip()))
        headers = {name.lower(): value for name, value in fields}
        keep = version != "HTTP/1.0" and headers.get("connection", "").lower() != "close"
        if "chunked" in headers.get("transfer-encoding", "").lower():
            content = self._chunks()
        elif (length := headers.get("content-length")) is not None:
            if not length.isdigit():
                raise requests.ConnectionError(f"the node's answer has length {length!r}")
            content = self._exactly(int(length))
        elif int(code) in (204, 304) or 100 <= int(code) < 200:
            content = b""
        else:  # no length: the body runs to the end of the connection
            content, keep = self._file.read(), False
        return int(code), reason, fields, content, keep

    def _exactly(self, count: int) -> bytes:
        data = self._file.read(count)
        if len(data) != count:
            raise requests.ConnectionError("the node's answer was cut off")
        return data

    def _chunks(self) -> bytes:
        parts = []
        while True:
            size = self._line().split(b";", 1)[0].strip()
            if not size or size.strip(b"0123456789abcdefABCDEF"):
                raise requests.ConnectionError(f"the node's answer has chunk size {size!r}")
            count = int(size, 16)
            if count == 0:
                while self._line() not in (b"\r\n", b"\n", b""):
                    pass  # trailers
                return b"".join(parts)
            parts.append(self._exactly(count))
            self._exactly(2)  # the CRLF after the chunk


# What http.client accepts of an answer's head.
_MAX_LINE, _MAX_HEADERS = 65536, 100
