"""The one way the platform opens a web3 connection to a node."""

from __future__ import annotations

import http.client
import os
import select
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
    over a kept-alive `http.client` connection of the calling thread.

    requests spends about 1 ms of CPU per call here on what a node's JSON-RPC never needs
    (hooks, cookies, redirects, adapters, urllib3's pool), against 0.2 ms for the HTTP itself;
    a write makes about four calls. Through a proxy or over HTTPS, requests carries them as
    before. Failures are OSErrors either way, as requests' are: a node that does not answer is
    ChainUnavailable (503) wherever node_errors() is around the call.
    """

    def __init__(self, rpc_url: str) -> None:
        super().__init__()
        self._url = rpc_url
        parts = urlsplit(rpc_url)
        self._plain = parts.scheme == "http" and not parts.username and not parts.password
        self._host, self._port = parts.hostname or "localhost", parts.port or 80
        self._path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
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
        reused, connection = self._connection(timeout)
        try:
            status, reason, fields, content = self._exchange(connection, body, headers)
        except (BrokenPipeError, ConnectionResetError):  # http.client's RemoteDisconnected too
            if not reused:
                raise
            # The node closed the kept-alive connection just before this call: once more on a
            # new one (the call never reached it).
            _, connection = self._connection(timeout)
            status, reason, fields, content = self._exchange(connection, body, headers)
        response = requests.Response()
        response.status_code, response.reason, response.url = status, reason, self._url
        response.headers = CaseInsensitiveDict(fields)
        response._content = content  # what requests' own adapter fills in
        response._content_consumed = True
        return response

    def _connection(self, timeout: float | None) -> tuple[bool, http.client.HTTPConnection]:
        """The thread's connection, a new one if the node closed it while it was idle."""
        connection: http.client.HTTPConnection | None = getattr(self._local, "connection", None)
        if connection is not None and connection.sock is not None:
            readable, _, _ = select.select([connection.sock], [], [], 0)
            if readable:  # an idle connection has nothing to read, unless the node closed it
                connection.close()
        if connection is None:
            connection = http.client.HTTPConnection(self._host, self._port, timeout=timeout)
            self._local.connection = connection
        reused = connection.sock is not None
        connection.timeout = timeout
        if connection.sock is not None:
            connection.sock.settimeout(timeout)
        return reused, connection

    def _exchange(
        self, connection: http.client.HTTPConnection, body: bytes, headers: Any
    ) -> tuple[int, str, list[tuple[str, str]], bytes]:
        try:
            connection.request("POST", self._path, body, dict(headers))
            answer = connection.getresponse()
            content = answer.read()
        except OSError:
            connection.close()
            raise
        except http.client.HTTPException as exc:  # a malformed or cut-off answer
            connection.close()
            raise requests.ConnectionError(f"the node's answer was not HTTP: {exc!r}") from exc
        if answer.will_close:
            connection.close()
        return answer.status, answer.reason, answer.getheaders(), content
