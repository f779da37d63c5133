"""Pages of the social side: the home feed (followed artists, local and remote),
following an artist by handle, reports, and likes, boosts and replies (following from
another server's page is `remote_interaction`, notifications are `notifications`)."""

from __future__ import annotations

import re

from quart import Blueprint, redirect, render_template, request, url_for
from tortoise.expressions import Q

from instance.emoji.store import web_map
from instance.services import current_services
from instance.storage.models import Account, Follow, FollowState, Work, WorkState
from instance.storage.visibility import outside_blocked_domains
from instance.web.csrf import check_csrf
from instance.web.i18n import gettext
from instance.web.render import ordered_media
from instance.web.session import current_user, login_required, signed_in_user

blueprint = Blueprint("social", __name__)
blueprint.before_request(check_csrf)

HANDLE = re.compile(r"^@?([A-Za-z0-9_.-]+)@([A-Za-z0-9.-]+(?::\d+)?)$")
PAGE = 30


def parse_handle(text: str) -> tuple[str, str] | None:
    match = HANDLE.match(text.strip())
    return (match.group(1), match.group(2).lower()) if match else None


@blueprint.get("/home")
@login_required
async def home():
    me = await current_user()
    followed = Follow.filter(follower_id=me.account_id, state=FollowState.ACCEPTED).values_list(
        "target_id", flat=True)
    ids = [*await followed, me.account_id]
    query = Work.filter(
        Q(account_id__in=ids),
        state=WorkState.READY,
        hidden=False,
        deleted_at=None,
        visibility__in=("public", "unlisted", "private"),
        account__suspended=False,
    ).filter(outside_blocked_domains(me.account_id))
    before = request.args.get("before", "")
    if before.isdigit():
        query = query.filter(id__lt=int(before))
    works = await query.order_by("-id").limit(PAGE + 1).prefetch_related(ordered_media(), "account")
    more = len(works) > PAGE
    return await render_template(
        "home.html",
        works=works[:PAGE],
        next_before=works[PAGE - 1].id if more else None,
        title=gettext("Home"),
    )


@blueprint.post("/follow")
@login_required
async def follow_by_handle():
    """Follow an artist here or elsewhere by @name@server."""
    from instance.actions.social import follow
    from instance.actors.remote import find_acct

    services = current_services()
    me = await current_user()
    form = await request.form
    handle = parse_handle(form.get("handle", ""))
    if handle is None:
        return await _message("Not a handle", "Write it as @name@server.example.", 422)
    target = await find_acct(services, *handle)  # a LookupRefused says why, in words
    if target.id == me.account_id:
        return await _message("That is you", "You cannot follow yourself.", 422)
    await follow(services, me.account, target)
    return redirect(_profile_url(target))


@blueprint.post("/accounts/<int:account_id>/unfollow")
@login_required
async def unfollow(account_id: int):
    from instance.actions.social import unfollow as unfollow_action

    me = await signed_in_user()
    target = await Account.get_or_none(id=account_id)
    if target is None:
        return await _message("Not found", "No such account.", 404)
    await unfollow_action(current_services(), me.account, target)
    return redirect(_profile_url(target))


@blueprint.post("/accounts/<int:account_id>/follow")
@login_required
async def follow_account(account_id: int):
    from instance.actions.social import follow

    me = await signed_in_user()
    target = await Account.get_or_none(id=account_id, suspended=False)
    if target is None or target.id == me.account_id:
        return await _message("Not found", "No such account.", 404)
    await follow(current_services(), me.account, target)
    return redirect(_profile_url(target))


@blueprint.get("/@<username>@<domain>")
async def remote_profile(username: str, domain: str):
    """A remote artist as we know them: their works that reached us."""
    account = await Account.get_or_none(username=username, domain=domain.lower(), suspended=False)
    if account is None:
        return await _message("Not known here", f"@{username}@{domain} has not reached this server yet.", 404)
    works = (
        await Work.filter(account=account, state=WorkState.READY, hidden=False, deleted_at=None,
                          visibility="public")
        .order_by("-id")
        .limit(PAGE)
        .prefetch_related(ordered_media(), "account")
    )
    me = await current_user()
    following = me is not None and await Follow.filter(follower_id=me.account_id, target=account).first()
    return await render_template(
        "remote_profile.html",
        account=account,
        emoji=await web_map((account.domain, (account.display_name, account.note))),
        works=works,
        following=following,
        moved_to=await Account.get_or_none(id=account.moved_to_id) if account.moved_to_id else None,
        title=account.display_name or account.username,
    )


def _profile_url(account: Account) -> str:
    if account.domain is None:
        return url_for("pages.profile", username=account.username)
    return url_for("social.remote_profile", username=account.username, domain=account.domain)


async def _message(title: str, message: str, status: int):
    return await render_template("message.html", title=title, message=message), status


@blueprint.get("/report/<int:account_id>")
@login_required
async def report_form(account_id: int):
    from instance.moderation.reports import CATEGORIES

    target = await Account.get_or_none(id=account_id)
    if target is None:
        return await _message("Not found", "No such account.", 404)
    work_id = request.args.get("work", "")
    return await render_template(
        "report.html",
        target=target,
        work_id=work_id if work_id.isdigit() else "",
        categories=CATEGORIES,
        title=gettext("Report"),
    )


@blueprint.post("/report/<int:account_id>")
@login_required
async def report(account_id: int):
    from instance.moderation.reports import file_report

    me = await signed_in_user()
    target = await Account.get_or_none(id=account_id)
    if target is None:
        return await _message("Not found", "No such account.", 404)
    form = await request.form
    work_ids = [int(v) for v in form.getlist("work") if v.isdigit()]
    await file_report(
        me.account,
        target,
        work_ids=work_ids,
        comment=form.get("comment", ""),
        category=form.get("category", "other"),
        forward=form.get("forward") == "on",
    )
    return await _message("Thank you", "The moderators will look at your report.", 200)


@blueprint.post("/works/<int:work_id>/<action>")
@login_required
async def interact(work_id: int, action: str):
    """Like, boost (and undo them) or reply, from a work's page."""
    from instance.actions import social as actions
    from instance.actions.works import create_work

    services = current_services()
    me = await signed_in_user()
    work = await Work.get_or_none(id=work_id, state=WorkState.READY, deleted_at=None, hidden=False)
    if work is None:
        return await _message("Not found", "No such work.", 404)
    if action == "reply":
        form = await request.form
        text = form.get("text", "").strip()
        if not text:
            return await _message("Nothing to send", "Write a reply first.", 422)
        await create_work(
            services, me.account, title="", content_source=text[:5000], in_reply_to_id=work.id
        )
    elif action in ("like", "unlike", "boost", "unboost"):
        await getattr(actions, action)(services, me.account, work)
    else:
        return await _message("Not found", "No such action.", 404)
    account = await Account.get(id=work.account_id)
    if account.domain is None:
        return redirect(url_for("pages.work", username=account.username, work_id=work.id))
    return redirect(url_for("pages.any_work", work_id=work.id))
