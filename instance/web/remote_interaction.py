"""Following across servers from a web page, both ways (the OStatus subscribe flow that
Mastodon and others speak):

- "Follow from your server" on an artist's page: the visitor gives their handle, we read
  their server's subscribe template from WebFinger and send them there.
- `/authorize_interaction?uri=…` (the template our WebFinger offers): someone of ours
  arrives from another server; after logging in they see the account (or work) and a
  Follow button.

Every failure is a sentence (`instance.actors.lookup`); a suspended server is not
contacted."""

from __future__ import annotations

from urllib.parse import quote

from quart import Blueprint, redirect, render_template, request, url_for

from federation.client import FetchError
from federation.vocab import id_of
from inbox.errors import Drop
from inbox.remote_works import OBJECT_TYPES, store_work
from instance.actors.lookup import (
    LookupRefused,
    refuse_if_suspended,
    subscribe_template,
    webfinger,
    words_for,
)
from instance.actors.remote import ACTOR_TYPES, ActorError, fetch_document, find_acct, get_actor
from instance.moderation.gate import domain_of
from instance.services import Services, current_services
from instance.storage.models import Account, Follow, Work
from instance.web.csrf import check_csrf
from instance.web.i18n import gettext
from instance.web.render import ordered_media
from instance.web.session import login_required, signed_in_user
from instance.web.social import parse_handle

blueprint = Blueprint("remote_interaction", __name__)
blueprint.before_request(check_csrf)


@blueprint.post("/@<username>/follow-from-elsewhere")
async def follow_from_elsewhere(username: str):
    """A visitor gives their handle; we send them to their own server's follow page."""
    services = current_services()
    account = await Account.get_or_none(username=username.lower(), domain=None, suspended=False)
    if account is None:
        raise LookupRefused(gettext("There is no artist @%(username)s here.", username=username), status=404)
    form = await request.form
    handle = parse_handle(form.get("handle", ""))
    if handle is None:
        raise LookupRefused(gettext("Write your handle as @you@your.server, for example "
                            "@mira@mastodon.social."), status=422)
    user, server = handle
    if server == services.config.instance.domain.lower():  # one of ours: log in here
        return redirect(url_for("remote_interaction.authorize_interaction", uri=account.ap_id))
    template = subscribe_template(await webfinger(services, user, server))
    if template is None:
        ours = f"@{account.username}@{services.config.instance.domain}"
        raise LookupRefused(gettext("%(server)s does not offer following from another server's page. Search "
                                    "for %(ours)s in your app there and follow from it.",
                                    server=server, ours=ours),
                            status=422)
    return redirect(template.replace("{uri}", quote(account.ap_id, safe="")))


@blueprint.get("/authorize_interaction")
@login_required
async def authorize_interaction():
    """Where other servers send our users to follow someone (our subscribe template)."""
    services = current_services()
    me = await signed_in_user()
    uri = request.args.get("uri", "").strip()
    target, work = await _resolve(services, uri)
    if target.id == me.account_id:
        raise LookupRefused(gettext("That is your own account."), status=422)
    following = await Follow.get_or_none(follower_id=me.account_id, target_id=target.id)
    return await render_template("authorize_interaction.html", account=target, work=work,
                                 following=following, title=gettext("Follow %(name)s?", name=_name(target)))


def _name(account: Account) -> str:
    return account.display_name or account.username


async def _resolve(services: Services, uri: str) -> tuple[Account, Work | None]:
    """An account (and the work, when `uri` names one) from an acct: handle or a URL."""
    if (handle := parse_handle(uri.removeprefix("acct:"))) is not None:
        return await find_acct(services, *handle), None
    if not uri.startswith(("https://", "http://")) or domain_of(uri) is None:
        raise LookupRefused(gettext("Nothing to follow was named: the link needs an account's "
                            "address or handle."), status=422)
    known = await Account.get_or_none(ap_id=uri, suspended=False)
    if known is not None:
        return known, None
    work = await Work.get_or_none(ap_id=uri, deleted_at=None, hidden=False)
    if work is not None:
        return await Account.get(id=work.account_id), await _with_media(work)
    if uri.startswith(services.urls.local_prefix):
        raise LookupRefused(gettext("There is no such account or work on this server."), status=404)
    server = str(domain_of(uri))
    await refuse_if_suspended(services, server)
    try:
        doc = await fetch_document(services, uri)
        if doc.get("type") in ACTOR_TYPES:
            return await get_actor(services, uri), None
        if doc.get("type") in OBJECT_TYPES and id_of(doc) == uri:
            author = await get_actor(services, str(id_of(doc.get("attributedTo"))))
            return author, await _with_media(await store_work(services, author, doc, notify=False))
    except FetchError as exc:
        raise words_for(exc, server, uri) from exc
    except (ActorError, Drop) as exc:
        raise LookupRefused(gettext("%(server)s sent something for %(uri)s that cannot be shown here.",
                                    server=server, uri=uri)) \
            from exc
    raise LookupRefused(gettext("%(uri)s is not an account or a work.", uri=uri), status=422)


async def _with_media(work: Work) -> Work:
    return await Work.filter(id=work.id).prefetch_related(ordered_media(), "account").get()
