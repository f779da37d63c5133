"""A tiny loopback inbox farm for delivery tests: answers every POST with 202 (or the
given status) after an optional delay, and prints `POST <path>` (flushed) before answering, so a test reading
its output knows exactly which inboxes got a delivery (and ` rfc9421` after RFC 9421
signatures). Prints its port first."""

from __future__ import annotations

import os
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

DELAY = float(sys.argv[1]) if len(sys.argv) > 1 else 0.0
STATUS = int(sys.argv[2]) if len(sys.argv) > 2 else 202
# Optional: after HOLD_AFTER requests, hold every further one while HOLD_FILE exists (a
# server that stops answering, so a test can kill its client mid-fan-out for sure).
HOLD_FILE = sys.argv[3] if len(sys.argv) > 3 else ""
HOLD_AFTER = int(sys.argv[4]) if len(sys.argv) > 4 else 0
# RECEIVER_REFUSE_RFC9421=1: a peer that only knows draft-cavage (401 to RFC 9421).
REFUSE_RFC9421 = os.environ.get("RECEIVER_REFUSE_RFC9421") == "1"
_seen = [0]
_lock = threading.Lock()


class Inbox(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
        length = int(self.headers.get("Content-Length", "0"))
        self.rfile.read(length)
        signed = "Signature" in self.headers
        rfc9421 = "Signature-Input" in self.headers
        with _lock:
            _seen[0] += 1
            held = HOLD_FILE and _seen[0] > HOLD_AFTER
        while held and os.path.exists(HOLD_FILE):
            time.sleep(0.01)  # this simulated server hangs until the test releases it
        if DELAY:
            time.sleep(DELAY)  # a slow remote server, on purpose
        with _lock:  # one whole line at a time: threads must not interleave
            scheme = " rfc9421" if rfc9421 else ""
            sys.stdout.write(f"POST {self.path} {'signed' if signed else 'unsigned'}{scheme}\n")
            sys.stdout.flush()
        self.send_response(401 if rfc9421 and REFUSE_RFC9421 else STATUS)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


if __name__ == "__main__":
    server = ThreadingHTTPServer(("127.0.0.1", 0), Inbox)
    server.daemon_threads = True
    print(server.server_address[1], flush=True)
    server.serve_forever()
