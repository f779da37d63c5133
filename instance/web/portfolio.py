"""The artist's own portfolio controls: pin or unpin a work (the featured strip at the top
of the portfolio) from its page, and choose how the portfolio is laid out."""

from __future__ import annotations

from quart import Blueprint, redirect, request, url_for

from instance.actions.pins import set_pinned
from instance.errors import Refused
from instance.storage.models import Work, WorkState
from instance.storage.models.accounts import PortfolioLayout
from instance.web.csrf import check_csrf
from instance.web.i18n import gettext
from instance.web.session import login_required, signed_in_user

blueprint = Blueprint("portfolio", __name__)
blueprint.before_request(check_csrf)


class LayoutError(Refused):
    """A portfolio layout we do not have."""


@blueprint.post("/portfolio/pins/<int:work_id>")
@login_required
async def pin(work_id: int):
    """Pin (pin=1) or unpin (pin=0) one of your works, then back to its page."""
    me = await signed_in_user()
    work = await Work.get_or_none(id=work_id, account_id=me.account_id, state=WorkState.READY,
                                  deleted_at=None)
    if work is None:
        raise Refused(gettext("You can only pin your own published works."), status=404)
    form = await request.form
    await set_pinned(me.account_id, work, form.get("pin") == "1")
    return redirect(url_for("pages.work", username=me.account.username, work_id=work.id))


@blueprint.post("/settings/portfolio")
@login_required
async def layout():
    me = await signed_in_user()
    chosen = (await request.form).get("layout", "")
    if chosen not in set(PortfolioLayout):
        raise LayoutError(gettext("There is no portfolio layout called %(chosen)r: choose grid, large or "
                                  "list.", chosen=chosen),
                          status=400)
    me.account.portfolio_layout = chosen
    await me.account.save(update_fields=["portfolio_layout"])
    return redirect(url_for("settings.page", done=gettext("Portfolio layout saved.")) + "#portfolio")
