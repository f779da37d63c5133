"""Polls in the client API: the Mastodon poll entity (also inside statuses, through
polls_for), GET /api/v1/polls/:id and POST /api/v1/polls/:id/votes."""

from __future__ import annotations

from typing import Any

from quart import Blueprint, jsonify

from instance.actions.polls import PollSpec, check_spec, expired, vote
from instance.api.auth import me, scoped, viewer
from instance.api.body import Params, params
from instance.api.common import parse_id
from instance.api.entities import iso
from instance.api.errors import ApiError
from instance.api.visibility import can_see
from instance.services import current_services
from instance.storage.models import Poll, PollVote, Work
from instance.storage.raw_sql import int_list, raw_rows

blueprint = Blueprint("api_polls", __name__, url_prefix="/api/v1/polls")


def poll_entity(poll: Poll, author_id: int, viewer_id: int | None,
                own_votes: list[int] | None) -> dict[str, Any]:
    """Mastodon's Poll; with hide_totals the counts stay hidden from all but the author
    until the poll ends. `voted`/`own_votes` only for a signed-in viewer."""
    ended = expired(poll)
    shown = ended or not poll.hide_totals or viewer_id == author_id
    body: dict[str, Any] = {
        "id": str(poll.id),
        "expires_at": iso(poll.expires_at),
        "expired": ended,
        "multiple": poll.multiple,
        "votes_count": sum(poll.tallies),
        "voters_count": poll.voters_count,
        "options": [{"title": title, "votes_count": count if shown else None}
                    for title, count in zip(poll.options, poll.tallies, strict=False)],
        "emojis": [],
    }
    if viewer_id is not None:
        mine = sorted(own_votes or [])
        body["voted"] = viewer_id == author_id or bool(mine)
        body["own_votes"] = mine
    return body


async def polls_for(works: dict[int, int], viewer_id: int | None) -> dict[int, dict[str, Any]]:
    """Poll entities of those of `works` (work id → author id) that have a poll. Most
    pages have none: a narrow hand-written read says so before any ORM query is built."""
    if not works or not await raw_rows(f"SELECT id FROM polls WHERE work_id IN ({int_list(works)})"):
        return {}
    polls = await Poll.filter(work_id__in=list(works))
    mine: dict[int, list[int]] = {}
    if viewer_id is not None:
        for poll_id, choice in await PollVote.filter(
                poll_id__in=[p.id for p in polls], account_id=viewer_id).values_list(
                "poll_id", "choice"):
            mine.setdefault(poll_id, []).append(choice)
    return {p.work_id: poll_entity(p, works[p.work_id], viewer_id, mine.get(p.id))
            for p in polls}


def poll_of_request(p: Params) -> PollSpec | None:
    """The `poll` of POST /api/v1/statuses: form fields (`poll[options][]`,
    `poll[expires_in]`, …) or a JSON object, as mastodon-py sends either; None if absent."""
    fields = p.dict("poll")
    options_raw: Any = fields.get("options")
    if options_raw is None:
        options_raw = [*p.list("poll[options]")]
    if not fields and not options_raw:
        return None
    if not isinstance(options_raw, list) or not all(isinstance(o, str) for o in options_raw):
        raise ApiError(422, "poll options must be a list of texts")
    try:
        expires_in = int(str(fields["expires_in"])) if fields.get("expires_in") not in (None, "") else None
    except ValueError:
        raise ApiError(422, "poll expires_in must be a number of seconds") from None
    return check_spec(options_raw, expires_in, _flag(fields.get("multiple")),
                      _flag(fields.get("hide_totals")))


def _flag(value: Any) -> bool:
    return value is True or str(value).strip().lower() in ("1", "true", "on", "yes")


async def _visible_poll(poll_id: str) -> tuple[Poll, Work]:
    poll = await Poll.get_or_none(id=parse_id(poll_id, "Poll"))
    work = await Work.get_or_none(id=poll.work_id, deleted_at=None) if poll else None
    if poll is None or work is None or not await can_see(work, viewer()):
        raise ApiError(404, "Record not found")
    return poll, work


async def _entity(poll_id: int) -> dict[str, Any]:
    poll = await Poll.get(id=poll_id)
    work = await Work.get(id=poll.work_id)
    reader = viewer()
    found = await polls_for({work.id: work.account_id}, reader.id if reader else None)
    return found[work.id]


@blueprint.get("/<poll_id>")
@scoped("read:statuses", public=True)
async def get_poll(poll_id: str):
    poll, _ = await _visible_poll(poll_id)
    return jsonify(await _entity(poll.id))


@blueprint.post("/<poll_id>/votes")
@scoped("write:statuses")
async def votes(poll_id: str):
    poll, _ = await _visible_poll(poll_id)
    p = await params()
    choices = []
    for raw in p.list("choices"):
        try:
            choices.append(int(raw))
        except ValueError:
            raise ApiError(422, "Validation failed: choices must be option numbers") from None
    await vote(current_services(), me(), poll.id, choices)
    return jsonify(await _entity(poll.id))
