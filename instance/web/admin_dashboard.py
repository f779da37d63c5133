"""The administration's front page and what its numbers link to: the dashboard (people,
works, storage, the job queue per kind, federation health, recent reports and reviews),
the job queue and federation pages, and the audit log with its filters. Any staff
permission opens them (instance/moderation/permissions.py)."""

from __future__ import annotations

from quart import Blueprint, render_template, request

from instance.attachments.review import review_queue
from instance.moderation import dashboard
from instance.moderation.permissions import permissions_of
from instance.storage.models import AuditEntry, Job, JobListing, JobState, ListingState, User
from instance.web.i18n import gettext
from instance.web.session import permission_required, signed_in_user

blueprint = Blueprint("admin_dashboard", __name__, url_prefix="/admin")

PAGE = 100


@blueprint.get("/")
@permission_required(None)
async def overview():
    board = await dashboard.dashboard()
    return await render_template(
        "admin/overview.html", title=gettext("Administration"), board=board,
        size=dashboard.size_words(board.storage_bytes),
        allowed=permissions_of(await signed_in_user()),
        pending_signups=await User.filter(approved=False).count(),
        images_waiting=await review_queue().count(),
        listings_held=await JobListing.filter(local=False, held=True).exclude(
            state=ListingState.REMOVED).count(),
        audit=await AuditEntry.all().order_by("-id").limit(20).prefetch_related("actor"),
    )


@blueprint.get("/jobs")
@permission_required(None)
async def jobs():
    """The background queue per kind, and the latest failures with their errors."""
    kind = request.args.get("kind", "").strip()[:64]
    failed = Job.filter(state=JobState.FAILED)
    if kind:
        failed = failed.filter(kind=kind)
    return await render_template(
        "admin/jobs.html", title=gettext("Background jobs"), rows=await dashboard.job_kinds(), kind=kind,
        failures=await failed.order_by("-id").limit(50),
    )


@blueprint.get("/federation")
@permission_required(None)
async def federation():
    """Hosts whose deliveries fail or were given up on (the state every worker shares)."""
    hosts = await dashboard.troubled_hosts()
    return await render_template(
        "admin/federation.html", title=gettext("Federation health"),
        hosts=[(info, dashboard.host_state(info)) for info in hosts],
    )


@blueprint.get("/audit")
@permission_required(None)
async def audit():
    args = request.args
    chosen = {name: args.get(name, "").strip()[:100] for name in ("actor", "action", "since", "until")}
    before = args.get("before", "")
    error, entries = "", []
    try:
        entries = await dashboard.audit_entries(
            **chosen, limit=PAGE, before_id=int(before) if before.isdigit() else None)
    except dashboard.AuditFilterError as exc:
        error = str(exc)
    more = len(entries) == PAGE
    return await render_template(
        "admin/audit.html", title=gettext("Audit log"), entries=entries, chosen=chosen, error=error,
        actions=await dashboard.audit_actions(), next_before=entries[-1].id if more else None,
    ), 422 if error else 200
