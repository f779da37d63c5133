"""bovine's own client-to-server library acting for the bovine actor, one command per
run: `python bovine_client.py BASE_URL SECRET COMMAND [ARGUMENT]`. Run with the interop
virtualenv's Python. Prints one JSON document.

Commands: `follow ACTOR_ID`, `accept FOLLOW_ID`, `note HTML` (public, to followers),
`reply JSON` (a direct reply: {"to": ACTOR_ID, "inReplyTo": OBJECT_ID, "content": HTML}),
`proxy OBJECT_ID` (an object fetched through the actor's proxyUrl),
`inbox` (every activity in the actor's inbox, resolved through its proxyUrl), `actor` (the
actor's own document: its id and inbox)."""

from __future__ import annotations

import asyncio
import json
import sys

from bovine import BovineClient


async def post(client: BovineClient, activity: dict) -> dict:
    response = await client.send_to_outbox(activity)
    return {"status": response.status, "location": response.headers.get("location"),
            "activity": activity}


async def run(base_url: str, secret: str, command: str, argument: str | None) -> dict | list:
    async with BovineClient(domain=base_url, secret=secret) as client:
        activities, objects = client.factories
        if command == "follow":
            return await post(client, activities.follow(argument).build())
        if command == "accept":
            follow = await client.proxy(argument)
            return await post(client, activities.accept(follow).build())
        if command == "note":
            note = objects.note(content=argument).as_public().build()
            return await post(client, activities.create(note).build())
        if command == "reply":
            wanted = json.loads(argument or "{}")
            note = objects.note(content=wanted["content"], to={wanted["to"]},
                                in_reply_to=wanted["inReplyTo"]).build()
            return await post(client, activities.create(note).build())
        if command == "proxy":
            return await client.proxy(argument)
        if command == "actor":
            return client.information or {}
        if command == "inbox":
            return [item async for item in client.inbox(resolve=True)]
    raise SystemExit(f"unknown command {command!r}")


def main() -> None:
    base_url, secret, command = sys.argv[1:4]
    argument = sys.argv[4] if len(sys.argv) > 4 else None
    print(json.dumps(asyncio.run(run(base_url, secret, command, argument))))


if __name__ == "__main__":
    main()
