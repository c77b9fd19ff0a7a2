"""How the API is served: Nagle off on every connection, and a keep-alive that outlasts clients.

uvicorn writes a response's status line and headers, then its body, as two sends. With Nagle on,
the body waits until the client acknowledges the headers, and clients delay that ACK (40 ms on
Linux): every request on a kept-alive connection took 40 ms more. asyncio turns Nagle off only on
sockets created with protocol IPPROTO_TCP; a single uvicorn worker binds its socket that way, but
with ``--workers N`` uvicorn binds the shared socket with protocol 0, and asyncio skips it.
"""

from __future__ import annotations

import asyncio
import socket

from uvicorn.protocols.http.auto import AutoHTTPProtocol

# How long an idle kept-alive connection stays open. uvicorn's default of 5 s races clients and
# load balancers that reuse a connection after a pause of about that long: the server closes it
# as the request goes out, and the request is lost unanswered ("Server disconnected"). It must
# outlast the idle timeout of whatever pools connections in front (60 s on common balancers).
KEEP_ALIVE_SECONDS = 75


class NoDelayHTTPProtocol(AutoHTTPProtocol):  # type: ignore[misc,valid-type]
    """The protocol uvicorn would pick (httptools if installed, else h11), with TCP_NODELAY."""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        sock = transport.get_extra_info("socket")
        if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        super().connection_made(transport)
