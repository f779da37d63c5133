"""Run a bovine-herd server on 127.0.0.1 with one registered actor. Run with the interop
virtualenv's Python, in a scratch folder: `python bovine_server.py HANDLE CONTEXTS_JSON`.

Prints one line, `PORT SECRET`, once the socket listens: SECRET is an Ed25519 key added
to the actor as a did:key identity, with which bovine's own client (bovine_client.py)
posts to the actor's outbox (Moo-Auth-1). Seeds bovine's JSON-LD context cache first
(offline it would cache failed fetches as empty contexts).

bovine processes inbox and outbox items in Quart background tasks; here they run inline,
with bovine's own processors, so that a POST returns once bovine has stored what came
in or delivered what went out, and the tests need not wait on a clock."""

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


async def register(db_url: str, domain: str, handle: str) -> str:
    """Create the actor and give it a did:key identity; returns the identity's secret."""
    from bovine.crypto import generate_ed25519_private_key, private_key_to_did_key
    from bovine_store import bovine_admin_store
    from bovine_store.utils.cli import create_tables

    await create_tables(db_url)
    async with bovine_admin_store(db_url=db_url, domain=domain) as store:
        bovine_name = await store.register(handle)
        secret = generate_ed25519_private_key()
        did_key = private_key_to_did_key(secret)
        await store.add_identity_string_to_actor(bovine_name, did_key.removeprefix("did:key:"), did_key)
    return secret


def inline(processor):
    """bovine's processor, awaited within the request instead of in the background."""
    from bovine_herd.add_to_queue import add_to_queue
    from bovine_process.utils import ProcessorList

    async def run(item, actor):
        await ProcessorList(processor, add_to_queue)(item, actor)

    return run


def main() -> None:
    handle, contexts = sys.argv[1], sys.argv[2]
    wanted = int(sys.argv[3]) if len(sys.argv) > 3 else 0  # the port the peers may reach
    seed_contexts(contexts)
    listener = socket.create_server(("127.0.0.1", wanted))
    listener.set_inheritable(True)
    port = listener.getsockname()[1]
    db_url = "sqlite://bovine.sqlite3"

    from bovine_herd import BovineHerd
    from bovine_process import process_inbox_item, process_outbox_item
    from hypercorn.asyncio import serve
    from hypercorn.config import Config
    from quart import Quart

    secret = asyncio.run(register(db_url, f"http://127.0.0.1:{port}", handle))
    app = Quart(__name__)
    BovineHerd(app, db_url=db_url, start_background_task_inbox=inline(process_inbox_item),
               start_background_task_outbox=inline(process_outbox_item))
    config = Config()
    config.bind = [f"fd://{listener.fileno()}"]
    config.accesslog = None
    print(port, secret, flush=True)
    asyncio.run(serve(app, config))


if __name__ == "__main__":
    main()
