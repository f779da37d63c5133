"""A tiny loopback inbox farm for delivery tests: answers every POST with 202 after an
optional delay, and prints `POST <path>` (flushed) before answering, so a test reading
its output knows exactly which inboxes got a delivery. Prints its port first."""

from __future__ import annotations

import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

DELAY = float(sys.argv[1]) if len(sys.argv) > 1 else 0.0
STATUS = int(sys.argv[2]) if len(sys.argv) > 2 else 202


class Inbox(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
        length = int(self.headers.get("Content-Length", "0"))
        self.rfile.read(length)
        signed = "Signature" in self.headers
        if DELAY:
            time.sleep(DELAY)  # a slow remote server, on purpose
        print(f"POST {self.path} {'signed' if signed else 'unsigned'}", flush=True)
        self.send_response(STATUS)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


if __name__ == "__main__":
    server = ThreadingHTTPServer(("127.0.0.1", 0), Inbox)
    server.daemon_threads = True
    print(server.server_address[1], flush=True)
    server.serve_forever()
