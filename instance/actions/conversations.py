"""Direct-message conversations: the direct works one account wrote or was addressed in,
grouped into threads, with how far it has read each one. The web's /messages and the
client API's /api/v1/conversations both read them from here.

A thread is the works linked by replies (`in_reply_to`) or sharing a `conversation`
value; it is named by the id of its first message this server holds (so it keeps its
name while that message exists). A direct work reaches a local account with a "mention"
notification (local sends and remote deliveries alike), so the query starts from those
and from the account's own direct works, then checks `mentions` exactly in Python
(SQLite has no JSON containment operator). Read and removed state is a
`ConversationMark` per account and thread: newer messages from others make a thread
unread, and a new message brings back a removed one, as on Mastodon."""

from __future__ import annotations

from dataclasses import dataclass, field

from tortoise.expressions import Q, Subquery

from instance.errors import Refused
from instance.storage.models import (
    Account,
    Block,
    ConversationMark,
    Notification,
    Work,
    WorkState,
)
from instance.translation import gettext as _
from instance.translation import lazy_gettext

MAX_MESSAGES = 2000  # the newest direct works read to build one account's threads


class NoSuchConversation(Refused):
    """A conversation id the account has no part in."""

    status = 404
    title = lazy_gettext("Not found")


@dataclass
class Conversation:
    id: int
    works: list[Work]  # oldest first
    participants: list[Account] = field(default_factory=list)  # everyone but the viewer
    unread: bool = False

    @property
    def last(self) -> Work:
        return self.works[-1]


def _key(work: Work) -> str:
    return work.conversation or work.ap_id


async def _direct_works(account: Account) -> list[Work]:
    mentioned = Notification.filter(recipient_id=account.id, kind="mention").values("work_id")
    query = Work.filter(
        Q(account_id=account.id) | Q(id__in=Subquery(mentioned)),
        visibility="direct", state=WorkState.READY, hidden=False, deleted_at=None,
        account__suspended=False,
    )
    works = await query.order_by("-id").limit(MAX_MESSAGES).prefetch_related("account")
    blocked = set(await Block.filter(account_id=account.id).values_list("target_id", flat=True))
    blocked |= set(await Block.filter(target_id=account.id).values_list("account_id", flat=True))
    return [w for w in works
            if w.account_id == account.id
            or (account.ap_id in (w.mentions or []) and w.account_id not in blocked)]


def _threads(works: list[Work]) -> list[list[Work]]:
    """Union of the works linked by a reply or a shared conversation value."""
    parent: dict[int, int] = {w.id: w.id for w in works}

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def join(a: int, b: int) -> None:
        ra, rb = root(a), root(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)

    by_key: dict[str, int] = {}
    for work in sorted(works, key=lambda w: w.id):
        if work.in_reply_to_id is not None and work.in_reply_to_id in parent:
            join(work.id, work.in_reply_to_id)
        for key in {_key(work), work.ap_id}:
            if key in by_key:
                join(work.id, by_key[key])
            else:
                by_key[key] = work.id
    groups: dict[int, list[Work]] = {}
    for work in works:
        groups.setdefault(root(work.id), []).append(work)
    return [sorted(group, key=lambda w: w.id) for group in groups.values()]


async def _build(account: Account, include_removed: bool = False) -> list[Conversation]:
    threads = _threads(await _direct_works(account))
    marks = {m.conversation_id: m for m in await ConversationMark.filter(account_id=account.id)}
    addressed = {ap_id for thread in threads for w in thread for ap_id in (w.mentions or [])}
    people = {a.ap_id: a for a in await Account.filter(ap_id__in=list(addressed))}
    found: list[Conversation] = []
    for thread in threads:
        mark = marks.get(thread[0].id)
        if mark is not None and thread[-1].id <= mark.removed_up_to and not include_removed:
            continue
        read_up_to = mark.read_up_to if mark else 0
        others: dict[int, Account] = {}
        for work in thread:
            for person in [work.account, *(people[a] for a in work.mentions or [] if a in people)]:
                if person.id != account.id:
                    others.setdefault(person.id, person)
        found.append(Conversation(
            id=thread[0].id, works=thread, participants=list(others.values()),
            unread=any(w.id > read_up_to and w.account_id != account.id for w in thread)))
    return sorted(found, key=lambda c: c.last.id, reverse=True)


async def conversations(account: Account, *, max_last: int | None = None,
                        since_last: int | None = None, limit: int = 20) -> list[Conversation]:
    """The account's conversations, newest last message first; `max_last` and
    `since_last` page by the last message's id."""
    found = await _build(account)
    if max_last is not None:
        found = [c for c in found if c.last.id < max_last]
    if since_last is not None:
        found = [c for c in found if c.last.id > since_last]
    return found[:limit]


async def conversation(account: Account, conversation_id: int) -> Conversation:
    """One conversation (removed ones too: a link to it still opens it)."""
    for found in await _build(account, include_removed=True):
        if found.id == conversation_id:
            return found
    raise NoSuchConversation(_("no such conversation"))


async def _mark(account: Account, found: Conversation, **values: int) -> None:
    mark, _ = await ConversationMark.get_or_create(account_id=account.id,
                                                   conversation_id=found.id)
    for name, value in values.items():
        setattr(mark, name, max(getattr(mark, name), value))
    await mark.save(update_fields=list(values))


async def mark_read(account: Account, conversation_id: int) -> Conversation:
    found = await conversation(account, conversation_id)
    await _mark(account, found, read_up_to=found.last.id)
    found.unread = False
    return found


async def remove(account: Account, conversation_id: int) -> None:
    """Hide the conversation until a new message arrives in it (its messages stay)."""
    found = await conversation(account, conversation_id)
    await _mark(account, found, read_up_to=found.last.id, removed_up_to=found.last.id)


async def count_unread(account: Account) -> int:
    return sum(1 for c in await _build(account) if c.unread)
