"""The artist's collection pages: list and create their portfolio collections, then on
each collection's page rename and describe it, feature it on the profile, choose its
cover among its works, add and remove works, put its works in order (number fields, or
drag and drop and Move up / Move down with `static/reorder.js`) and delete it after one
confirmation. Every change goes
through `instance.actions.collections`; a refusal comes back as the page with the reason."""

from __future__ import annotations

from typing import Any

from quart import Blueprint, redirect, render_template, request, url_for

from instance.actions import collections as actions
from instance.errors import Refused
from instance.services import current_services
from instance.storage.models import Collection, User, Work, WorkState
from instance.web.csrf import check_csrf
from instance.web.i18n import gettext, lazy_gettext
from instance.web.render import ordered_media
from instance.web.session import login_required, signed_in_user

blueprint = Blueprint("collections", __name__)
blueprint.before_request(check_csrf)


class FormError(Refused):
    """A field of a collection form that is not what it may be."""

    title = lazy_gettext("Not saved")  # shown in the reader's language


def _int(raw: Any, label: str) -> int:
    try:
        return int(str(raw).strip())
    except ValueError:
        raise FormError(gettext("%(label)s must be a whole number", label=label)) from None


async def _list_page(user: User, *, error: str | None = None, form: Any = None,
                     status: int = 200) -> tuple[str, int]:
    collections = await Collection.filter(account_id=user.account_id).order_by("position", "id")
    return await render_template("collections.html", title=gettext("Your collections"),
                                 collections=collections, error=error, form=form or {},
                                 done=request.args.get("done")), status


async def _edit_page(user: User, collection: Collection, *, error: str | None = None,
                     form: Any = None, status: int = 200) -> tuple[str, int]:
    works = await actions.works_in(collection)
    ids = [w.id for w in works]
    with_media = {w.id: w for w in await Work.filter(id__in=ids).prefetch_related(ordered_media())}
    others = await Work.filter(account_id=user.account_id, deleted_at=None,
                               state=WorkState.READY).exclude(id__in=ids).order_by("-id").limit(200)
    return await render_template(
        "collection_edit.html", title=gettext("Collection “%(title)s”", title=collection.title),
        collection=collection,
        works=[with_media[i] for i in ids], others=others,
        cover=actions.cover_of(collection, works), error=error, form=form or {},
        done=request.args.get("done"),
    ), status


async def _mine(user: User, collection_id: int) -> Collection:
    collection = await Collection.get_or_none(id=collection_id, account_id=user.account_id)
    if collection is None:
        raise Refused(gettext("No such collection of yours."), status=404)
    return collection


def _message(exc: Refused) -> str:
    return exc.message[:1].upper() + exc.message[1:]


def _back(collection: Collection, done: str):
    return redirect(url_for("collections.edit", collection_id=collection.id, done=done))


@blueprint.get("/collections")
@login_required
async def index():
    return await _list_page(await signed_in_user())


@blueprint.post("/collections")
@login_required
async def create():
    user = await signed_in_user()
    form = await request.form
    try:
        collection = await actions.create_collection(
            current_services(), user.account, title=form.get("title", ""),
            description=form.get("description", "").strip()[:5000],
            featured=form.get("featured") == "on")
    except Refused as exc:
        return await _list_page(user, error=_message(exc), form=form, status=exc.status)
    return _back(collection, gettext("Collection created. Add works to it below."))


@blueprint.get("/collections/<int:collection_id>")
@login_required
async def edit(collection_id: int):
    user = await signed_in_user()
    return await _edit_page(user, await _mine(user, collection_id))


@blueprint.post("/collections/<int:collection_id>")
@login_required
async def save(collection_id: int):
    user = await signed_in_user()
    collection = await _mine(user, collection_id)
    form = await request.form
    try:
        await actions.update_collection(
            current_services(), user.account, collection.id, title=form.get("title", ""),
            description=form.get("description", ""), featured=form.get("featured") == "on")
    except Refused as exc:
        return await _edit_page(user, collection, error=_message(exc), form=form, status=exc.status)
    return _back(collection, gettext("Saved."))


@blueprint.post("/collections/<int:collection_id>/works")
@login_required
async def add(collection_id: int):
    user = await signed_in_user()
    collection = await _mine(user, collection_id)
    form = await request.form
    try:
        if not form.get("work_id"):
            raise FormError(gettext("Choose a work to add."))
        await actions.add_work(current_services(), user.account, collection.id,
                               _int(form["work_id"], gettext("The work")))
    except Refused as exc:
        return await _edit_page(user, collection, error=_message(exc), status=exc.status)
    return _back(collection, gettext("Work added."))


@blueprint.post("/collections/<int:collection_id>/works/<int:work_id>/remove")
@login_required
async def remove(collection_id: int, work_id: int):
    user = await signed_in_user()
    collection = await _mine(user, collection_id)
    await actions.remove_work(current_services(), user.account, collection.id, work_id)
    return _back(collection, gettext("Work removed from the collection (the work itself is kept)."))


@blueprint.post("/collections/<int:collection_id>/cover")
@login_required
async def cover(collection_id: int):
    """Choose the cover among the collection's works ("" for its first work)."""
    user = await signed_in_user()
    collection = await _mine(user, collection_id)
    raw = (await request.form).get("cover", "")
    try:
        await actions.set_cover(current_services(), user.account, collection.id,
                                _int(raw, gettext("The cover")) if raw else None)
    except Refused as exc:
        return await _edit_page(user, collection, error=_message(exc), status=exc.status)
    return _back(collection, gettext("Cover saved."))


@blueprint.post("/collections/<int:collection_id>/order")
@login_required
async def order(collection_id: int):
    """The works by their numbers (ties keep the page's order)."""
    user = await signed_in_user()
    collection = await _mine(user, collection_id)
    form = await request.form
    try:
        page_order = [_int(raw, gettext("A work")) for raw in form.getlist("work")]
        places = [(_int(form.get(f"position-{work_id}") or index + 1,
                        gettext("The place of work %(number)s", number=index + 1)), index, work_id)
                  for index, work_id in enumerate(page_order)]
        await actions.order_works(current_services(), user.account, collection.id,
                                  [work_id for _, _, work_id in sorted(places)])
    except Refused as exc:
        return await _edit_page(user, collection, error=_message(exc), status=exc.status)
    return _back(collection, gettext("Order saved."))


@blueprint.get("/collections/<int:collection_id>/delete")
@login_required
async def delete_form(collection_id: int):
    user = await signed_in_user()
    collection = await _mine(user, collection_id)
    return await render_template("collection_delete.html", title=gettext("Delete this collection?"),
                                 collection=collection)


@blueprint.post("/collections/<int:collection_id>/delete")
@login_required
async def delete(collection_id: int):
    user = await signed_in_user()
    collection = await _mine(user, collection_id)
    await actions.delete_collection(current_services(), user.account, collection.id)
    done = gettext("Collection “%(title)s” deleted; its works are kept.", title=collection.title)
    return redirect(url_for("collections.index", done=done))
