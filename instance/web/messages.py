"""Direct messages on the web: /messages lists the signed-in person's conversations
(newest first, unread ones marked) with a form to start one; /messages/ID shows a
conversation's messages oldest first, marks it read, and takes a reply, which is a
direct work (`instance.actions.works.create_work`) addressed to everyone in it. The
threads come from `instance.actions.conversations`, as in the client API."""

from __future__ import annotations

from quart import Blueprint, redirect, render_template, request, url_for

from instance.actions import conversations as actions
from instance.actions.works import create_work, mentions_in
from instance.errors import Refused
from instance.services import current_services
from instance.storage.models import Account, MediaAttachment, MediaState, User
from instance.text import find_mentions
from instance.web.csrf import check_csrf
from instance.web.i18n import gettext, lazy_gettext
from instance.web.notifications import account_url
from instance.web.session import login_required, signed_in_user

blueprint = Blueprint("messages", __name__)
blueprint.before_request(check_csrf)

MAX_TEXT = 5000


class MessageError(Refused):
    """A message that cannot be sent as written."""

    title = lazy_gettext("Not sent")  # shown in the reader's language


def handle(account: Account) -> str:
    return f"@{account.username}@{account.domain}" if account.domain else f"@{account.username}"


def _text(form: dict) -> str:
    text = (form.get("text") or "").strip()
    if not text:
        raise MessageError(gettext("Write a message first."))
    if len(text) > MAX_TEXT:
        raise MessageError(gettext("A message has at most %(max_text)s characters.", max_text=MAX_TEXT))
    return text


def _message(exc: Refused) -> str:
    return exc.message[:1].upper() + exc.message[1:]


async def _index(user: User, *, error: str | None = None, form: dict | None = None,
                 status: int = 200) -> tuple[str, int]:
    found = await actions.conversations(user.account, limit=100)
    return await render_template(
        "messages.html", title=gettext("Messages"), conversations=found, handle=handle,
        account_url=account_url, error=error, form=form or {},
        done=request.args.get("done")), status


async def _thread(user: User, found: actions.Conversation, *, error: str | None = None,
                  form: dict | None = None, status: int = 200) -> tuple[str, int]:
    ids = [w.id for w in found.works]
    media: dict[int, list[MediaAttachment]] = {}
    for m in await MediaAttachment.filter(work_id__in=ids, state=MediaState.READY).order_by("position", "id"):
        media.setdefault(m.work_id or 0, []).append(m)
    names = ", ".join(a.display_name or handle(a) for a in found.participants) or "yourself"
    return await render_template(
        "conversation.html", title=gettext("Conversation with %(names)s", names=names), conversation=found,
        names=names, media=media, handle=handle, account_url=account_url, error=error,
        form=form or {}), status


@blueprint.get("/messages")
@login_required
async def index():
    return await _index(await signed_in_user())


@blueprint.post("/messages")
@login_required
async def start():
    """A new conversation: the text, addressed to the handles in "To"."""
    user = await signed_in_user()
    form = dict((await request.form).items())
    try:
        to = " ".join(h if h.startswith("@") else "@" + h
                      for h in (form.get("to") or "").replace(",", " ").split())
        if not find_mentions(to):
            raise MessageError(gettext("Say who the message is for: a handle like @name or @name@server."))
        text = _text(form)
        services = current_services()
        found = [a for a in await mentions_in(services, to, None) if a.id != user.account_id]
        if not found:
            raise MessageError(gettext("No one called %(to)s was found here or on their server.", to=to))
        work = await create_work(services, user.account, title="",
                                 content_source=f"{to} {text}", visibility="direct")
    except Refused as exc:
        return await _index(user, error=_message(exc), form=form, status=exc.status)
    return redirect(url_for("messages.show", conversation_id=work.id))


@blueprint.get("/messages/<int:conversation_id>")
@login_required
async def show(conversation_id: int):
    user = await signed_in_user()
    found = await actions.mark_read(user.account, conversation_id)
    return await _thread(user, found)


@blueprint.post("/messages/<int:conversation_id>")
@login_required
async def reply(conversation_id: int):
    """Reply to the last message, addressed to everyone in the conversation."""
    user = await signed_in_user()
    found = await actions.conversation(user.account, conversation_id)
    form = dict((await request.form).items())
    try:
        text = _text(form)
        named = {(u.lower(), d.lower() if d else None) for u, d in find_mentions(text)}
        missing = [handle(a) for a in found.participants
                   if (a.username.lower(), a.domain.lower() if a.domain else None) not in named]
        source = " ".join([*missing, text])
        await create_work(current_services(), user.account, title="", content_source=source,
                          visibility="direct", in_reply_to_id=found.last.id)
    except Refused as exc:
        return await _thread(user, found, error=_message(exc), form=form, status=exc.status)
    await actions.mark_read(user.account, conversation_id)
    return redirect(url_for("messages.show", conversation_id=conversation_id) + "#last")


@blueprint.post("/messages/<int:conversation_id>/remove")
@login_required
async def remove(conversation_id: int):
    user = await signed_in_user()
    await actions.remove(user.account, conversation_id)
    return redirect(url_for("messages.index", done=gettext(
        "Conversation removed from your list; a new message in it brings it back.")))
