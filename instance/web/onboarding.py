"""The first steps of a new artist: a short checklist on their home feed and portfolio
(avatar, bio, first work, default cloak and licence) that ticks each step from what is
already stored, so it never asks for something done, and can be hidden for good."""

from __future__ import annotations

from dataclasses import dataclass

from quart import Blueprint, redirect, request, url_for

from instance.storage.models import User
from instance.web.csrf import check_csrf
from instance.web.i18n import gettext
from instance.web.session import login_required, signed_in_user

blueprint = Blueprint("onboarding", __name__)
blueprint.before_request(check_csrf)

HIDDEN = "onboarding_hidden"  # the key in User.settings


@dataclass(frozen=True)
class Step:
    label: str
    done: bool
    href: str


@blueprint.app_template_global()
def onboarding_steps(user: User | None) -> list[Step]:
    """The checklist for `user` (its account prefetched, as the session loads it); empty
    when there is nobody, the list was hidden, or every step is done."""
    if user is None or (user.settings or {}).get(HIDDEN):
        return []
    account, settings = user.account, user.settings or {}
    steps = [
        Step(gettext("Add an avatar"), bool(account.avatar_url), url_for("settings.page") + "#profile"),
        Step(gettext("Write a short bio"), bool(account.note.strip()), url_for("settings.page") + "#profile"),
        Step(gettext("Publish your first work"), account.works_count > 0, url_for("upload.page")),
        Step(gettext("Choose your default cloak level and licence"),
             "licence" in settings and "cloak_level" in settings, url_for("settings.page") + "#defaults"),
    ]
    return [] if all(step.done for step in steps) else steps


@blueprint.post("/settings/onboarding/hide")
@login_required
async def hide():
    user = await signed_in_user()
    user.settings = {**(user.settings or {}), HIDDEN: True}
    await user.save(update_fields=["settings"])
    back = (await request.form).get("back")
    if back == "home":
        return redirect(url_for("social.home"))
    return redirect(url_for("pages.profile", username=user.account.username))
