"""The admin settings page: instance settings stored in the database (they win over
config.toml and the environment), each shown with where its value comes from, checked
field by field and saved all together or not at all."""

from __future__ import annotations

from quart import Blueprint, redirect, render_template, request, url_for

from instance import site_settings
from instance.moderation.permissions import (
    MANAGE_SETTINGS,
)
from instance.services import current_services
from instance.web.csrf import check_csrf
from instance.web.i18n import gettext
from instance.web.session import current_user, permission_required

blueprint = Blueprint("admin_settings", __name__, url_prefix="/admin")
blueprint.before_request(check_csrf)


async def _page(submitted: dict[str, object] | None = None,
                problems: dict[str, str] | None = None, status: int = 200):
    services = current_services()
    rows = site_settings.views(services)
    body = await render_template(
        "admin/instance.html", title=gettext("Instance settings"), rows=rows, submitted=submitted or {},
        problems=problems or {}, source=services.file_config.source,
        message=request.args.get("done", ""),
        error=(f"Nothing was saved: {len(problems)} setting(s) need fixing." if problems else ""),
    )
    return body, status


@blueprint.get("/instance")
@permission_required(MANAGE_SETTINGS)
async def instance_settings():
    return await _page()


@blueprint.post("/instance")
@permission_required(MANAGE_SETTINGS)
async def save_instance_settings():
    form = await request.form
    submitted = {name: form.get(name) for name in site_settings.KEYS}
    try:
        values = site_settings.parse_submission(submitted)
    except site_settings.SettingsRefused as exc:
        return await _page(submitted, exc.problems, 422)
    changed = await site_settings.save(current_services(), values, (await current_user()).account)
    done = ("Saved: " + ", ".join(changed) + ". Every process uses the new values from its next "
            "request or job.") if changed else "Nothing changed."
    return redirect(url_for(".instance_settings", done=done))
