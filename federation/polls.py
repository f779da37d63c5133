"""Polls as Mastodon federates them: a Question (the Note's fields plus oneOf/anyOf,
votersCount, endTime, closed), its reading back, and a vote (a Note whose `name` is the
chosen option, inReplyTo the Question, addressed only to its author). Pure."""

from __future__ import annotations

from datetime import datetime
from typing import Any

MAX_REMOTE_OPTIONS = 20  # a remote Question with more is read as a plain post
MAX_REMOTE_TITLE = 200


def _iso(value: datetime | None) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value else None


def as_question(note: dict[str, Any], options: list[str], tallies: list[int], *,
                multiple: bool, voters_count: int, end_time: datetime | None,
                closed_at: datetime | None) -> dict[str, Any]:
    """The Note of a work with a poll, turned into the Question Mastodon reads."""
    choices = [
        {"type": "Note", "name": title, "replies": {"type": "Collection", "totalItems": count}}
        for title, count in zip(options, tallies, strict=False)
    ]
    doc = {**note, "type": "Question", "anyOf" if multiple else "oneOf": choices,
           "votersCount": voters_count}
    if end_time is not None:
        doc["endTime"] = _iso(end_time)
    if closed_at is not None:
        doc["closed"] = _iso(closed_at)
    return doc


def read_question(doc: dict[str, Any]) -> dict[str, Any] | None:
    """Options, tallies and flags of an incoming Question, or None if it is not a usable
    poll: {"options", "tallies", "multiple", "voters_count", "end_time", "closed"}."""
    multiple = isinstance(doc.get("anyOf"), list)
    raw = doc.get("anyOf") if multiple else doc.get("oneOf")
    if not isinstance(raw, list) or not 1 <= len(raw) <= MAX_REMOTE_OPTIONS:
        return None
    options, tallies = [], []
    for item in raw:
        if not isinstance(item, dict) or not isinstance(item.get("name"), str):
            return None
        options.append(item["name"][:MAX_REMOTE_TITLE])
        replies = item.get("replies")
        total = replies.get("totalItems") if isinstance(replies, dict) else 0
        tallies.append(total if isinstance(total, int) and total >= 0 else 0)
    voters = doc.get("votersCount")
    return {
        "options": options, "tallies": tallies, "multiple": multiple,
        "voters_count": voters if isinstance(voters, int) and voters >= 0 else None,
        "end_time": _date(doc.get("endTime")), "closed": _date(doc.get("closed")) or (
            doc.get("closed") is True or None),
    }


def _date(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else None


def vote_note(ident: str, actor_id: str, question_id: str, author_id: str,
              option: str) -> dict[str, Any]:
    """One vote, as Mastodon sends it (wrapped in a Create by the caller)."""
    return {"id": ident, "type": "Note", "attributedTo": actor_id, "name": option,
            "inReplyTo": question_id, "to": [author_id]}


def is_vote(doc: dict[str, Any]) -> bool:
    """A Note with a name, no content, in reply to something: a vote, not a reply."""
    return (doc.get("type") == "Note" and isinstance(doc.get("name"), str)
            and bool(doc.get("inReplyTo")) and not doc.get("content"))
