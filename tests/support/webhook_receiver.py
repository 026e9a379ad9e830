"""A webhook receiver on 127.0.0.1 for tests: it checks each event's signature with its own
reference implementation of the documented scheme and keeps the ones that verify."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


def verify(secret: str, header: str, body: bytes, tolerance: float = 300) -> bool:
    """The receiver side of `Tidings-Signature: t=<unix>,v1=<hex>`, as docs/api-coverage.md
    tells integrators to write it."""
    try:
        parts = dict(item.split("=", 1) for item in header.split(","))
        timestamp = int(parts["t"])
    except (KeyError, ValueError):
        return False
    expected = hmac.new(
        secret.encode(), str(timestamp).encode() + b"." + body, hashlib.sha256
    ).hexdigest()
    fresh = abs(time.time() - timestamp) <= tolerance
    return fresh and hmac.compare_digest(expected, parts.get("v1", ""))


class WebhookReceiver:
    def __init__(self, port: int = 0) -> None:
        self.secret = ""
        self.answer = 200  # what the receiver answers: 500 plays a receiver that is down
        self.events: list[dict[str, Any]] = []
        self.forged = 0
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                signature = self.headers.get("Tidings-Signature", "")
                status = receiver.answer
                with receiver._lock:
                    if not verify(receiver.secret, signature, body):
                        receiver.forged += 1
                        status = 401
                    elif status == 200:
                        receiver.events.append(json.loads(body))
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/events"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def received(self, topic_prefix: str = "") -> list[dict[str, Any]]:
        with self._lock:
            return [e for e in self.events if e["topicName"].startswith(topic_prefix)]

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
