"""A small authoritative DNS server on 127.0.0.1 (UDP and TCP) serving the records a test
chooses, built on dnspython's message parsing. Answers too big for UDP are truncated, so a
resolver retries over TCP as it would with a real server."""

from __future__ import annotations

import socketserver
import struct
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import dns.flags
import dns.message
import dns.rcode
import dns.rdataclass
import dns.rdatatype
import dns.rrset


def _rdata_text(record_type: str, value: str) -> str:
    if record_type == "TXT":  # strings of at most 255 characters, as a zone file writes them
        chunks = [value[i : i + 255] for i in range(0, len(value), 255)] or [""]
        return " ".join('"' + c.replace("\\", "\\\\").replace('"', '\\"') + '"' for c in chunks)
    if record_type in ("CNAME", "MX", "NS"):
        return value if value.endswith(".") else value + "."
    return value


class DnsResponder:
    def __init__(self) -> None:
        self._zone: dict[tuple[str, str], list[str]] = {}
        self._lock = threading.Lock()
        self.questions = 0
        self.port = 0
        self._servers: list[socketserver.BaseServer] = []

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def set(self, name: str, record_type: str, *values: str) -> None:
        """Serves `values` for (name, type); no values removes the records."""
        key = (name.rstrip(".").lower(), record_type.upper())
        with self._lock:
            if values:
                self._zone[key] = list(values)
            else:
                self._zone.pop(key, None)

    def answer(self, wire: bytes, max_size: int | None) -> bytes:
        query = dns.message.from_wire(wire)
        response = dns.message.make_response(query)
        response.flags |= dns.flags.AA
        with self._lock:
            self.questions += 1
            for question in query.question:
                name = question.name.to_text().rstrip(".").lower()
                record_type = dns.rdatatype.to_text(question.rdtype)
                values = self._zone.get((name, record_type))
                if values:
                    response.answer.append(
                        dns.rrset.from_text_list(
                            question.name,
                            60,
                            dns.rdataclass.IN,
                            record_type,
                            [_rdata_text(record_type, v) for v in values],
                        )
                    )
                elif not any(known == name for known, _ in self._zone):
                    response.set_rcode(dns.rcode.NXDOMAIN)
        answer: bytes = response.to_wire()
        if max_size is not None:
            limit = max(512, query.payload) if query.edns >= 0 else 512
            if len(answer) > limit:
                response.answer.clear()
                response.flags |= dns.flags.TC
                answer = response.to_wire()
        return answer

    @contextmanager
    def running(self) -> Iterator[DnsResponder]:
        responder = self

        class Udp(socketserver.BaseRequestHandler):
            def handle(self) -> None:
                data, sock = self.request
                sock.sendto(responder.answer(data, 512), self.client_address)

        class Tcp(socketserver.StreamRequestHandler):
            def handle(self) -> None:
                while header := self.rfile.read(2):
                    (length,) = struct.unpack("!H", header)
                    reply = responder.answer(self.rfile.read(length), None)
                    self.wfile.write(struct.pack("!H", len(reply)) + reply)

        udp, tcp = _bind_pair(Udp, Tcp)
        self.port = udp.server_address[1]
        self._servers = [udp, tcp]
        threads = [threading.Thread(target=s.serve_forever, daemon=True) for s in self._servers]
        for thread in threads:
            thread.start()
        try:
            yield self
        finally:
            for server in self._servers:
                server.shutdown()
                server.server_close()


def _bind_pair(udp_handler: Any, tcp_handler: Any) -> tuple[Any, Any]:
    """A UDP and a TCP server on the same free port."""
    for _ in range(50):
        udp = socketserver.ThreadingUDPServer(("127.0.0.1", 0), udp_handler)
        port = udp.server_address[1]
        try:
            tcp = socketserver.ThreadingTCPServer(("127.0.0.1", port), tcp_handler)
        except OSError:
            udp.server_close()
            continue
        udp.daemon_threads = tcp.daemon_threads = True
        return udp, tcp
    raise OSError("no port free for both UDP and TCP")
