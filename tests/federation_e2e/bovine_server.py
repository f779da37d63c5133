"""Run a bovine-herd server on 127.0.0.1 with one registered actor. Run with the interop
virtualenv's Python, in a scratch folder: `python bovine_server.py HANDLE CONTEXTS_JSON`.
Prints the port once the socket listens. Seeds bovine's JSON-LD context cache first
(offline it would cache failed fetches as empty contexts)."""

from __future__ import annotations

import asyncio
import json
import socket
import sqlite3
import sys


def seed_contexts(path: str) -> None:
    contexts = json.load(open(path, encoding="utf-8"))
    connection = sqlite3.connect("bovine_jsonld_cache.sqlite")
    connection.execute("CREATE TABLE IF NOT EXISTS jsonld (url TEXT PRIMARY KEY, context TEXT)")
    connection.executemany(
        "INSERT OR REPLACE INTO jsonld VALUES (?, ?)",
        [(url, json.dumps(doc.get("@context", doc))) for url, doc in contexts.items()],
    )
    connection.commit()
    connection.close()


def main() -> None:
    handle, contexts = sys.argv[1], sys.argv[2]
    seed_contexts(contexts)
    listener = socket.create_server(("127.0.0.1", 0))
    listener.set_inheritable(True)
    port = listener.getsockname()[1]
    db_url = "sqlite://bovine.sqlite3"

    from bovine_herd import BovineHerd
    from bovine_store.utils.cli import create_tables, register_new_user
    from hypercorn.asyncio import serve
    from hypercorn.config import Config
    from quart import Quart

    asyncio.run(create_tables(db_url))
    asyncio.run(register_new_user(db_url, f"http://127.0.0.1:{port}", handle))
    app = Quart(__name__)
    BovineHerd(app, db_url=db_url)
    config = Config()
    config.bind = [f"fd://{listener.fileno()}"]
    config.accesslog = None
    print(port, flush=True)
    asyncio.run(serve(app, config))


if __name__ == "__main__":
    main()
