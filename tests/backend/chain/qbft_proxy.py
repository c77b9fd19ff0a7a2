"""A JSON-RPC proxy in front of a real node that answers its blocks in the shape Besu QBFT does.

Besu's QBFT blocks carry the validators, the round and the validators' seals in `extraData`
(RLP, hundreds of bytes; besu_qbft_block.json is such a block as Besu's eth_getBlockByNumber
returns it), QBFT's fixed `mixHash`, difficulty 1 and a zero nonce. The proxy forwards every
request to the node unchanged and gives every block in the answers those fields of the fixture,
so the platform's block-reading paths meet Besu's block shape on a chain that really runs.
"""

from __future__ import annotations

import json
import threading
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

FIXTURE = Path(__file__).with_name("besu_qbft_block.json")
QBFT_FIELDS = ("extraData", "mixHash", "nonce", "difficulty")


def besu_block() -> dict[str, Any]:
    block: dict[str, Any] = json.loads(FIXTURE.read_text(encoding="utf-8"))
    return block


def _reshape(answer: Any, fields: dict[str, Any]) -> Any:
    if isinstance(answer, list):
        return [_reshape(item, fields) for item in answer]
    result = answer.get("result") if isinstance(answer, dict) else None
    if isinstance(result, dict) and "extraData" in result and "parentHash" in result:
        result.update(fields)
    return answer


class QbftShapedNode:
    """Serves ``upstream`` at ``url`` with blocks shaped as Besu QBFT's."""

    def __init__(self, upstream: str) -> None:
        fixture = besu_block()
        fields = {name: fixture[name] for name in QBFT_FIELDS}

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                request = urllib.request.Request(
                    upstream, data=body, headers={"Content-Type": "application/json"}
                )
                with urllib.request.urlopen(request, timeout=30) as response:
                    answer = json.loads(response.read())
                payload = json.dumps(_reshape(answer, fields)).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

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
        self._thread.join(timeout=10)
