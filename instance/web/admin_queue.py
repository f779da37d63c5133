"""Admin pages for people: sign-ups waiting for approval, and the moderation queue of
reports with its actions (hide a work, suspend an account, note, resolve)."""

from __future__ import annotations

from quart import Blueprint, Response, abort, redirect, render_template, request, url_for
from tortoise.expressions import Q

from instance.attachments.review import review_queue
from instance.moderation.permissions import (
    MANAGE_REPORTS,
    MANAGE_USERS,
)
from instance.moderation.reports import (
    ReportError,
    add_note,
    approve_signup,
    confirm_signup_email,
    hide_work,
    reject_signup,
    resolve_report,
    suspend_account,
)
from instance.services import current_services
from instance.storage.models import AuditEntry, Report, ReportState, User
from instance.web.csrf import check_csrf
from instance.web.i18n import gettext, ngettext
from instance.web.labels import label
from instance.web.session import current_user, permission_required, signed_in_user

blueprint = Blueprint("admin_queue", __name__, url_prefix="/admin")
blueprint.before_request(check_csrf)



@blueprint.get("/registrations")
@permission_required(MANAGE_USERS)
async def registrations():
    waiting = await User.filter(
        Q(approved=False) | Q(email_pending=True), disabled=False
    ).order_by("id").prefetch_related("account")
    return await render_template(
        "admin/registrations.html", waiting=waiting, message=request.args.get("done", ""),
        title=gettext("Sign-ups waiting"),
    )


@blueprint.post("/registrations/<int:user_id>")
@permission_required(MANAGE_USERS)
async def decide_registration(user_id: int):
    form = await request.form
    me = await signed_in_user()
    try:
        if form.get("action") == "approve":
            await approve_signup(me.account, user_id)
            done = gettext("Approved.")
        elif form.get("action") == "confirm_email":
            await confirm_signup_email(me.account, user_id)
            done = gettext("Email address confirmed.")
        else:
            mailed = await reject_signup(me.account, user_id, str(form.get("reason", "")),
                                         current_services())
            why = (gettext("no SMTP server is configured") if not current_services().config.mail.enabled
                   else gettext("the sign-up gave no address"))
            done = (gettext("Rejected; the reason is being mailed.") if mailed
                    else gettext("Rejected (no mail: %(why)s).", why=why))
    except ReportError as exc:
        done = str(exc)
    return redirect(url_for(".registrations", done=done))


@blueprint.get("/reports")
@permission_required(MANAGE_REPORTS)
async def reports():
    state = ReportState.RESOLVED if request.args.get("state") == ReportState.RESOLVED else ReportState.OPEN
    items = await Report.filter(state=state).order_by("-id").limit(100).prefetch_related("reporter", "target")
    return await render_template(
        "admin/reports.html", reports=items, state=state, message=request.args.get("done", ""),
        title=gettext("Moderation queue"),
    )


@blueprint.post("/reports/<int:report_id>")
@permission_required(MANAGE_REPORTS)
async def act_on_report(report_id: int):
    form = await request.form
    me = await signed_in_user()
    report = await Report.get_or_none(id=report_id)
    if report is None:
        return redirect(url_for(".reports", done=gettext("No report %(id)s.", id=report_id)))
    action = form.get("action", "")
    try:
        if action == "hide":
            for work_id in report.work_ids:
                await hide_work(me.account, work_id, reason=f"report {report_id}")
            done = ngettext("Hid %(num)d work.", "Hid %(num)d works.", len(report.work_ids))
        elif action == "suspend":
            await suspend_account(me.account, report.target_id, reason=f"report {report_id}")
            done = gettext("Suspended the account.")
        elif action == "note":
            await add_note(me.account, report_id, form.get("note", ""))
            done = gettext("Note added.")
        elif action == "resolve":
            await resolve_report(me.account, report_id, form.get("note", ""))
            done = gettext("Resolved.")
        else:
            done = gettext("Unknown action.")
    except ReportError as exc:
        done = str(exc)
    return redirect(url_for(".reports", done=done))


@blueprint.get("/invites")
@permission_required(MANAGE_USERS)
async def invites(error: str = "", status: int = 200):
    from instance.actors.invites import state
    from instance.storage.models import Invite

    made = await Invite.all().order_by("-id").limit(100).prefetch_related("created_by", "users__account")
    return await render_template(
        "admin/invites.html", invites=[(invite, state(invite)) for invite in made],
        base_url=current_services().config.base_url, error=error,
        message=request.args.get("done", ""), title=gettext("Invites"),
    ), status


@blueprint.post("/invites")
@permission_required(MANAGE_USERS)
async def new_invite():
    from instance.actors.invites import create_invite

    form = await request.form
    uses, days = form.get("max_uses", "").strip(), form.get("days", "").strip()
    try:
        if uses and not uses.isdigit():
            raise ValueError("How many sign-ups must be a whole number, or empty for unlimited.")
        if days and not days.replace(".", "", 1).isdigit():
            raise ValueError("Valid for days must be a number, or empty for forever.")
        invite = await create_invite(
            (await current_user()).account, max_uses=int(uses) if uses else None,
            days=float(days) if days else None, note=form.get("note", ""),
        )
    except ValueError as exc:
        return await invites(error=f"No invite made: {exc}", status=422)
    link = current_services().config.base_url + f"/invite/{invite.code}"
    return redirect(url_for(".invites", done=gettext("New invite link: %(link)s", link=link)))


@blueprint.post("/invites/<int:invite_id>/revoke")
@permission_required(MANAGE_USERS)
async def revoke_invite(invite_id: int):
    from instance.actors.invites import revoke

    me = await signed_in_user()
    if await revoke(invite_id):
        await AuditEntry.create(actor=me.account, action="invite.revoke", target=str(invite_id))
        return redirect(url_for(".invites", done=gettext("Invite withdrawn: its link no longer works.")))
    return redirect(url_for(".invites", done=gettext("That invite was already withdrawn.")))


@blueprint.get("/media-review")
@permission_required(MANAGE_REPORTS)
async def media_review():
    items = await review_queue().limit(50).prefetch_related("account", "work")
    return await render_template(
        "admin/media_review.html", items=items, message=request.args.get("done", ""),
        title=gettext("Images waiting for review"),
    )


@blueprint.get("/media-review/<int:media_id>/original.jpg")
@permission_required(MANAGE_REPORTS)
async def media_original(media_id: int):
    """The image a moderator decides on, re-rendered from the private original (no
    metadata, no cloak; media/preview.py): only for uploads that are or were in the
    review queue, never cached, never public."""
    from instance.attachments.review import review_preview_of

    jpeg = await review_preview_of(current_services(), media_id)
    if jpeg is None:
        abort(404, description="No such image in the review queue.")
    return Response(jpeg, content_type="image/jpeg", headers={
        "Cache-Control": "private, no-store", "X-Content-Type-Options": "nosniff",
        "X-Robots-Tag": "noai, noimageai, noindex"})


@blueprint.post("/media-review/<int:media_id>")
@permission_required(MANAGE_REPORTS)
async def decide_media(media_id: int):

    from instance.attachments.review import ReviewError, decide

    form = await request.form
    me = await signed_in_user()
    try:
        await decide(current_services(), me.account, media_id, form.get("decision", ""),
                     form.get("reason", "").strip()[:1000])
        done = gettext("Image %(id)s: %(decision)s.", id=media_id,
                       decision=label(form.get("decision"), "decision"))
    except ReviewError as exc:
        done = str(exc)
    return redirect(url_for(".media_review", done=done))
