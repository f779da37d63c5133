"""Settings pages: profile (name, bio, fields, avatar, header, locked), defaults for new
works (licence, cloak level), opt-out preferences, the apps authorised through OAuth, and
deleting the account for good."""

from __future__ import annotations

from datetime import UTC, datetime

from quart import Blueprint, redirect, render_template, request, url_for

from instance.actions.departure import delete_local_account
from instance.actions.profile_images import replace_profile_image
from instance.actions.social import update_profile
from instance.actors.accounts import verify_password
from instance.services import current_services
from instance.storage.models import OAuthToken
from instance.web.csrf import check_csrf
from instance.web.i18n import LANGUAGES, gettext, set_locale
from instance.web.session import current_user, log_out, login_required, signed_in_user
from instance.web.upload import CLOAK_LEVELS, LICENCES
from instance.web.upload_text import refusal_message
from media.errors import MediaRejected

blueprint = Blueprint("settings", __name__, url_prefix="/settings")
blueprint.before_request(check_csrf)

MAX_FIELDS = 4
SEARCH_CHOICES = ("allow", "deny")


@blueprint.get("")
@login_required
async def page():
    user = await current_user()
    apps = await OAuthToken.filter(user_id=user.id, revoked_at=None).prefetch_related("application")
    return await render_template(
        "settings.html",
        title=gettext("Settings"),
        languages=LANGUAGES,
        account=user.account,
        settings=user.settings or {},
        licences=LICENCES,
        cloak_levels=CLOAK_LEVELS,
        tokens=apps,
        message=request.args.get("done", ""),
        error=None,
    )


@blueprint.post("/profile")
@login_required
async def save_profile():
    services = current_services()
    user = await current_user()
    account = user.account
    form, files = await request.form, await request.files
    fields = [
        {
            "name": form.get(f"field_name_{i}", "").strip()[:100],
            "value": form.get(f"field_value_{i}", "").strip()[:500],
        }
        for i in range(MAX_FIELDS)
        if form.get(f"field_name_{i}", "").strip()
    ]
    await update_profile(
        services,
        account,
        display_name=form.get("display_name", "").strip()[:100] or account.username,
        note=form.get("bio", "").strip()[:2000],
        fields_json=fields,
        locked=form.get("locked") == "on",
        discoverable=form.get("discoverable") == "on",
        indexable=form.get("indexable") == "on",
    )
    for field in ("avatar", "header"):
        upload = files.get(field)
        if upload is not None and upload.filename:
            try:
                await replace_profile_image(
                    services, user, field, upload.read(), upload.filename or "", upload.content_type or ""
                )
            except MediaRejected as exc:
                refused = gettext("The %(field)s was not accepted: %(reason)s",
                                  field=gettext("avatar") if field == "avatar" else gettext("header"),
                                  reason=refusal_message(exc))
                return redirect(url_for(".page", done=refused))
    return redirect(url_for(".page", done=gettext("Profile saved.")))


@blueprint.post("/defaults")
@login_required
async def save_defaults():
    user = await current_user()
    form = await request.form
    settings = dict(user.settings or {})
    if form.get("licence", "") in dict(LICENCES):
        settings["licence"] = form.get("licence", "")
    if form.get("cloak_level") in CLOAK_LEVELS:
        settings["cloak_level"] = form.get("cloak_level")
    settings["search_engines"] = (
        form.get("search_engines") if form.get("search_engines") in SEARCH_CHOICES else "allow"
    )
    user.settings = settings
    await user.save(update_fields=["settings"])
    return redirect(url_for(".page", done=gettext("Defaults saved.")))


@blueprint.post("/language")
@login_required
async def save_language():
    """The account's language overrides the browser's Accept-Language ("" follows it)."""
    user = await signed_in_user()
    chosen = (await request.form).get("locale", "")
    settings = dict(user.settings or {})
    if chosen in LANGUAGES:
        settings["locale"] = chosen
    else:
        settings.pop("locale", None)
    user.settings = settings
    await user.save(update_fields=["settings"])
    set_locale(settings.get("locale"))
    return redirect(url_for(".page", done=gettext("Language saved.")))


@blueprint.post("/apps/<int:token_id>/revoke")
@login_required
async def revoke(token_id: int):
    user = await signed_in_user()
    await OAuthToken.filter(id=token_id, user_id=user.id).update(revoked_at=datetime.now(UTC))
    return redirect(url_for(".page", done=gettext("Access revoked.")))


@blueprint.route("/delete", methods=["GET", "POST"])
@login_required
async def delete_account():
    """Asks for the password and the username typed out: this cannot be undone."""
    user = await current_user()
    account = user.account
    error, status = None, 200
    if request.method == "POST":
        form = await request.form
        if not verify_password(user.password_hash, form.get("password", "")):
            error, status = "Your password is not right.", 422
        elif form.get("confirm", "").strip().lower() != account.username:
            error, status = f"Type your username, {account.username}, to confirm.", 422
        else:
            await delete_local_account(current_services(), account)
            log_out()
            return await render_template(
                "message.html", title=gettext("Your account is deleted"),
                message=gettext(
                    "Your works, images and follows are gone from this server, and the "
                    "servers that knew you are being told. Copies those servers already "
                    "hold are theirs to remove: most do, none can be forced to."))
    return await render_template("delete_account.html", title=gettext("Delete your account"),
                                 account=account, error=error), status
