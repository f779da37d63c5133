"""Run fediverse-pasture's verify_actor app on 127.0.0.1 (its own CLI binds 0.0.0.0).
Run with the interop virtualenv's Python: `python pasture_server.py [PORT]` prints the port
once the socket is listening."""

from __future__ import annotations

import asyncio
import socket
import sys

from fediverse_pasture.verify_actor import build_app
from hypercorn.asyncio import serve
from hypercorn.config import Config


def main() -> None:
    wanted = int(sys.argv[1]) if len(sys.argv) > 1 else 0  # the port the peers may reach
    listener = socket.create_server(("127.0.0.1", wanted))
    listener.set_inheritable(True)
    port = listener.getsockname()[1]
    app = build_app(False, f"127.0.0.1:{port}", False, 20)
    config = Config()
    config.bind = [f"fd://{listener.fileno()}"]
    config.accesslog = None
    print(port, flush=True)
    asyncio.run(serve(app, config))


if __name__ == "__main__":
    sys.exit(main())
