"""Settings → Moving: the accounts one moves in from (aliases, alsoKnownAs) and moving
this account out to another (password asked; refused with the reason, nothing changed,
unless the new account lists this one as an alias)."""

from __future__ import annotations

from quart import Blueprint, redirect, render_template, request, url_for

from instance.actions.moving import add_alias, move_account, remove_alias
from instance.actors.accounts import verify_password
from instance.errors import Refused
from instance.services import current_services
from instance.storage.models import Account
from instance.web.csrf import check_csrf
from instance.web.i18n import gettext
from instance.web.session import login_required, signed_in_user

blueprint = Blueprint("moving", __name__, url_prefix="/settings/moving")
blueprint.before_request(check_csrf)


async def _page(error: str | None = None, status: int = 200, handle: str = ""):
    user = await signed_in_user()
    account = await Account.get(id=user.account_id)
    moved_to = await Account.get_or_none(id=account.moved_to_id) if account.moved_to_id else None
    return await render_template(
        "moving.html", title=gettext("Moving"), account=account, moved_to=moved_to,
        aliases=list(account.also_known_as or []), error=error, handle=handle,
        message=request.args.get("done", "")), status


@blueprint.get("")
@login_required
async def page():
    return await _page()


@blueprint.post("/aliases")
@login_required
async def add():
    """List an account one moves in from; its handle or URL is looked up first."""
    user = await signed_in_user()
    handle = (await request.form).get("handle", "")[:600]
    try:
        await add_alias(current_services(), await Account.get(id=user.account_id), handle)
    except Refused as exc:  # not found, not reachable, not an account: say so on the form
        return await _page(exc.message, exc.status if exc.status < 500 else 422, handle)
    return redirect(url_for(".page", done=gettext("Alias added.")))


@blueprint.post("/aliases/remove")
@login_required
async def remove():
    user = await signed_in_user()
    alias = (await request.form).get("alias", "")
    await remove_alias(current_services(), await Account.get(id=user.account_id), alias)
    return redirect(url_for(".page", done=gettext("Alias removed.")))


@blueprint.post("/move")
@login_required
async def move():
    """Move out: the password, then the new account must list this one as an alias."""
    user = await signed_in_user()
    form = await request.form
    handle = form.get("handle", "")[:600]
    if not verify_password(user.password_hash, form.get("password", "")):
        return await _page(gettext("Your password is not right."), 422, handle)
    account = await Account.get(id=user.account_id)
    try:
        await move_account(current_services(), account, handle)
    except Refused as exc:
        return await _page(exc.message, exc.status if exc.status < 500 else 422, handle)
    return redirect(url_for(".page", done=gettext("Your account has moved.")))
