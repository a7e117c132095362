"""An HTTP server on 127.0.0.1 in threads of its own: the Runtime API and the SDK endpoint run on it.

Bound to loopback only, on a free port; one thread per connection (a runtime's long poll for its next
event waits in its own); quiet when a peer goes away mid-request (a process the engine stopped).
Its handlers set TCP_NODELAY: headers and body are separate writes, which Nagle's algorithm and the
peer's delayed ACK would otherwise hold about 40 ms each.
"""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class Handler(BaseHTTPRequestHandler):
    """A keep-alive handler without Nagle's delay or request logging; ``reply`` sends one response."""

    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True

    def reply(self, status: int, body: bytes = b"", headers: dict[str, str] | None = None) -> None:
        try:
            self.send_response(status)
            for name, value in {**(headers or {}), "content-length": str(len(body))}.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the peer was stopped while it waited: nobody to answer

    def body(self) -> bytes:
        """The request's body: ``content-length`` bytes, or HTTP/1.1 chunks (an SDK streaming one)."""
        if "chunked" not in self.headers.get("transfer-encoding", "").lower():
            return self.rfile.read(int(self.headers.get("content-length") or 0))
        data = bytearray()
        while size := int(self.rfile.readline().split(b";", 1)[0].strip() or b"0", 16):
            data += self.rfile.read(size)
            self.rfile.readline()
        while self.rfile.readline() not in (b"\r\n", b"\n", b""):  # trailers
            pass
        return bytes(data)

    def log_message(self, format: str, *args: Any) -> None:
        pass


class LoopbackServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, handler: type[BaseHTTPRequestHandler]) -> None:
        super().__init__(("127.0.0.1", 0), handler)
        self._thread = threading.Thread(target=self.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.server_port}"

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a peer that went away mid-request: the engine stopped it

    def close(self) -> None:
        self.shutdown()
        self.server_close()
        self._thread.join(timeout=5)
