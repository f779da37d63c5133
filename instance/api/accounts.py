"""Accounts: credentials, profiles, their statuses and follows, relationships, lookup
and search. Every change to social state goes through instance.actions.social so
it federates."""

from __future__ import annotations

from typing import cast

from quart import Blueprint, jsonify

from instance.api.auth import calling_user, me, scoped, viewer
from instance.api.body import as_id, params
from instance.api.common import account_or_404, base_url, json_page
from instance.api.entities import account_entity, relationships, with_moved
from instance.api.errors import ApiError
from instance.api.filtering import apply_filters
from instance.api.home import WITH_MEDIA_SQL, home_statuses, merged_items, reblog_conditions
from instance.api.paging import link_header, page
from instance.api.visibility import hidden_account_ids, shown_sql
from instance.emoji.entities import attach as attach_emojis
from instance.services import current_services
from instance.storage.models import Account, Follow, FollowState, Tag
from instance.storage.raw_sql import int_list

blueprint = Blueprint("api_accounts", __name__, url_prefix="/api/v1/accounts")



async def _with_emojis(body: dict) -> dict:
    await attach_emojis(base_url(), accounts=[body])
    return body


async def _all_with_emojis(bodies: list[dict]) -> list[dict]:
    await attach_emojis(base_url(), accounts=bodies)
    return bodies

@blueprint.get("/verify_credentials")
@scoped("read:accounts", "profile")
async def verify_credentials():
    account = me()
    await account.refresh_from_db()  # the token's account object is cached; counts move
    return jsonify(await _with_emojis(await with_moved(account, base_url(), source=True)))


@blueprint.route("/update_credentials", methods=["PATCH", "POST", "PUT"])
@scoped("write:accounts")
async def update_credentials():
    from instance.actions.social import update_profile

    p = await params()
    changes: dict = {}
    if p.get("display_name") is not None:
        changes["display_name"] = p.text("display_name", max_length=255)
    if p.get("note") is not None:
        changes["note"] = p.text("note", max_length=5000)
    for name in ("locked", "bot", "discoverable", "indexable"):
        if p.get(name) is not None:
            changes[name] = p.flag(name)
    fields = p.dict("fields_attributes")
    if fields:
        rows = []
        for key in sorted(fields, key=lambda k: (not str(k).isdigit(), int(k) if str(k).isdigit() else 0)):
            value = fields[key]
            if isinstance(value, dict):
                rows.append({"name": str(value.get("name", "")), "value": str(value.get("value", ""))})
        changes["fields_json"] = rows
    else:
        pairs = {}
        for key, values in p.values.items():
            # fields_attributes[0][name]=… as forms send them
            if key.startswith("fields_attributes[") and key.count("[") == 2:
                index, _, leaf = key[len("fields_attributes[") :].rstrip("]").partition("][")
                pairs.setdefault(index, {})[leaf] = str(values[0])
        if pairs:
            changes["fields_json"] = [
                pairs[k] for k in sorted(pairs, key=lambda k: int(k) if k.isdigit() else 0)
            ]
    account = me()
    await _profile_images(p)
    if changes:
        account = await update_profile(current_services(), account, **changes)
    return jsonify(await _with_emojis(account_entity(account, base_url(), source=True)))


async def _profile_images(p) -> None:
    """Avatar and header go through the media pipeline; a job puts them on the profile
    (and tells followers elsewhere) once they are ready."""
    from instance.actions.profile_images import replace_profile_image
    from instance.attachments.uploads import http_status
    from media.errors import MediaRejected

    for field in ("avatar", "header"):
        upload = p.files.get(field)
        if upload is None:
            continue
        try:
            await replace_profile_image(
                current_services(),
                calling_user(),
                field,
                upload.read(),
                upload.filename or field,
                upload.mimetype or "application/octet-stream",
            )
        except MediaRejected as exc:
            raise ApiError(http_status(exc), exc.message) from None


@blueprint.get("/relationships")
@scoped("read:follows")
async def relationships_view():
    p = await params()
    ids = [i for i in (as_id(raw) for raw in p.list("id")) if i is not None][:80]
    return jsonify(await relationships(me().id, ids))


@blueprint.get("/lookup")
@scoped("read:accounts", public=True)
async def lookup():
    p = await params()
    name = p.text("acct", max_length=600).strip().lstrip("@")
    username, _, domain = name.partition("@")
    local = current_services().config.instance.domain.lower()
    domain_value = None if not domain or domain.lower() == local else domain.lower()
    account = await Account.get_or_none(
        username=username.lower() if domain_value is None else username, domain=domain_value, suspended=False
    )
    if account is None:
        raise ApiError(404, "Record not found")
    return jsonify(await _with_emojis(await with_moved(account, base_url())))


@blueprint.get("/search")
@scoped("read:accounts")
async def search():
    from instance.api.search import find_accounts

    p = await params()
    found = await find_accounts(
        p.text("q", max_length=600),
        resolve=p.flag("resolve"),
        limit=min(max(p.integer("limit", 40) or 40, 1), 80),
        offset=max(p.integer("offset", 0) or 0, 0),
    )
    return jsonify(await _all_with_emojis([account_entity(a, base_url()) for a in found]))


@blueprint.get("/<account_id>")
@scoped("read:accounts", public=True)
async def get_account(account_id: str):
    return jsonify(await _with_emojis(await with_moved(await account_or_404(account_id), base_url())))


@blueprint.get("/<account_id>/statuses")
@scoped("read:statuses", public=True)
async def account_statuses(account_id: str):
    account = await account_or_404(account_id)
    p = await params()
    reader = viewer()
    if reader is not None and account.id in await hidden_account_ids(reader.id, mutes=False):
        return jsonify([])
    works = [shown_sql("w", "a"), f"w.account_id = {int(account.id)}"]
    if reader is None or reader.id != account.id:
        allowed = "'public', 'unlisted'"
        if (
            reader is not None
            and await Follow.filter(follower_id=reader.id, target_id=account.id, state=FollowState.ACCEPTED)
            .exists()
        ):
            allowed += ", 'private'"
        works.append(f"w.visibility IN ({allowed})")
    if p.flag("pinned"):
        works.append("w.pinned_at IS NOT NULL")
    if p.flag("exclude_replies"):
        works.append("w.in_reply_to_id IS NULL")
    if p.flag("only_media"):
        works.append(WITH_MEDIA_SQL)
    tagged = p.text("tagged", max_length=255).lower().lstrip("#")
    if tagged:
        tag_ids = cast(list[int], await Tag.filter(name=tagged).values_list("id", flat=True))
        works.append("EXISTS (SELECT 1 FROM work_tags wt WHERE wt.works_id = w.id "
                     f"AND wt.tag_id IN ({int_list(tag_ids)}))")
    plain_list = p.flag("pinned") or p.flag("only_media") or tagged or p.flag("exclude_reblogs")
    hidden = await hidden_account_ids(reader.id, mutes=False) if reader is not None else set()
    reblogs = None if plain_list else reblog_conditions([account.id], hidden, None)
    items = await merged_items(works, reblogs, page(p))
    body = await home_statuses(items, base_url(), reader.id if reader else None)
    body = await apply_filters(body, reader.id if reader else None, "account")
    first, last = (items[0][1], items[-1][1]) if items else (None, None)
    return json_page(body, link_header(base_url(), first, last))


async def _follow_list(account_id: str, *, followers: bool):
    account = await account_or_404(account_id)
    p = await params()
    paging = page(p, default=40, maximum=80)
    query = Follow.filter(
        state=FollowState.ACCEPTED,
        **({"target_id": account.id} if followers else {"follower_id": account.id}),
    )
    rows = await paging.rows(query.select_related("follower" if followers else "target"))
    people = [r.follower if followers else r.target for r in rows]
    body = [account_entity(a, base_url()) for a in people if not a.suspended]
    return json_page(
        body, link_header(base_url(), rows[0].id if rows else None, rows[-1].id if rows else None)
    )


@blueprint.get("/<account_id>/followers")
@scoped("read:accounts", public=True)
async def followers(account_id: str):
    return await _follow_list(account_id, followers=True)


@blueprint.get("/<account_id>/following")
@scoped("read:accounts", public=True)
async def following(account_id: str):
    return await _follow_list(account_id, followers=False)


async def _act(account_id: str, action: str, **options):
    from instance.actions import social

    target = await account_or_404(account_id)
    account = me()
    await getattr(social, action)(current_services(), account, target, **options)
    return jsonify((await relationships(account.id, [target.id]))[0])


@blueprint.post("/<account_id>/follow")
@scoped("write:follows")
async def follow(account_id: str):
    from instance.storage.models import Follow as FollowRow

    response = await _act(account_id, "follow")
    p = await params()
    options = {}
    if p.get("reblogs") is not None:
        options["show_reblogs"] = p.flag("reblogs", True)
    if p.get("notify") is not None:
        options["notify"] = p.flag("notify")
    if options:
        await FollowRow.filter(follower_id=me().id, target_id=int(account_id)).update(**options)
        target = await account_or_404(account_id)
        return jsonify((await relationships(me().id, [target.id]))[0])
    return response


@blueprint.post("/<account_id>/unfollow")
@scoped("write:follows")
async def unfollow(account_id: str):
    return await _act(account_id, "unfollow")


@blueprint.post("/<account_id>/remove_from_followers")
@scoped("write:follows")
async def remove_from_followers(account_id: str):
    return await _act(account_id, "remove_follower")


@blueprint.post("/<account_id>/block")
@scoped("write:blocks")
async def block(account_id: str):
    return await _act(account_id, "block")


@blueprint.post("/<account_id>/unblock")
@scoped("write:blocks")
async def unblock(account_id: str):
    return await _act(account_id, "unblock")


@blueprint.post("/<account_id>/mute")
@scoped("write:mutes")
async def mute(account_id: str):
    p = await params()
    return await _act(account_id, "mute", notifications=p.flag("notifications", True))


@blueprint.post("/<account_id>/unmute")
@scoped("write:mutes")
async def unmute(account_id: str):
    return await _act(account_id, "unmute")
