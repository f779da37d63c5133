"""Admin pages for federation policy: domain policies, blocklist import/export and
subscriptions with their drafts, and the per-domain AI report with one-click
defederation."""

from __future__ import annotations

from quart import Blueprint, Response, redirect, render_template, request, url_for

from instance.jobs import kinds
from instance.moderation.blocklist_formats import (
    SEVERITIES,
    BlockEntry,
    BlocklistError,
    detect_format,
    format_mastodon_csv,
    parse_any,
)
from instance.moderation.domain_names import DomainNameError
from instance.moderation.domains import (
    DomainPolicyError,
    as_entry,
    block_domain,
    list_policies,
    unblock_domain,
)
from instance.moderation.instances import ai_report
from instance.moderation.permissions import (
    MANAGE_DOMAINS,
)
from instance.moderation.subscriptions import apply_drafts, dismiss_drafts, subscribe
from instance.services import current_services
from instance.storage.models import BlocklistSubscription, DomainPolicyDraft, DraftState
from instance.web.csrf import check_csrf
from instance.web.i18n import gettext, ngettext
from instance.web.labels import label
from instance.web.session import current_user, permission_required, signed_in_user

blueprint = Blueprint("admin_domains", __name__, url_prefix="/admin")
blueprint.before_request(check_csrf)



def _flag(form, name: str) -> bool:
    return form.get(name) in ("on", "true", "1")


async def _block(entry: BlockEntry, source: str = "") -> str:
    """Apply one policy; a new suspension purges the domain's stored content in a job."""
    services = current_services()
    me = await signed_in_user()
    result = await block_domain(entry, actor=me.account, source=source)
    if result.severity_raised_to_suspend:
        await services.jobs.enqueue(kinds.PURGE_DOMAIN, {"domain": result.policy.domain})
    return result.policy.domain


async def _domains_page(message: str = "", error: str = "", status: int = 200):
    return await render_template(
        "admin/domains.html", policies=await list_policies(), severities=SEVERITIES,
        message=message, error=error, title=gettext("Domain policies"),
    ), status


@blueprint.get("/domains")
@permission_required(MANAGE_DOMAINS)
async def domains():
    return await _domains_page(message=request.args.get("done", ""))


@blueprint.post("/domains")
@permission_required(MANAGE_DOMAINS)
async def add_domain():
    form = await request.form
    try:
        domain = await _block(BlockEntry(
            domain=form.get("domain", ""), severity=form.get("severity", "suspend"),
            reject_media=_flag(form, "reject_media"), reject_reports=_flag(form, "reject_reports"),
            public_comment=form.get("public_comment", ""), private_comment=form.get("private_comment", ""),
            obfuscate=_flag(form, "obfuscate"),
        ))
    except (DomainNameError, DomainPolicyError) as exc:
        return await _domains_page(error=str(exc), status=422)
    return redirect(url_for(".domains", done=gettext("Policy saved for %(domain)s.", domain=domain)))


@blueprint.post("/domains/<domain>/remove")
@permission_required(MANAGE_DOMAINS)
async def remove_domain(domain: str):
    me = await signed_in_user()
    try:
        await unblock_domain(domain, actor=me.account)
    except (DomainNameError, DomainPolicyError) as exc:
        return await _domains_page(error=str(exc), status=404)
    return redirect(url_for(".domains", done=gettext("Policy removed for %(domain)s.", domain=domain)))


@blueprint.post("/domains/import")
@permission_required(MANAGE_DOMAINS)
async def import_domains():
    files = await request.files
    upload = files.get("file")
    if upload is None or not upload.filename:
        return await _domains_page(error=gettext("Choose a blocklist file to import."), status=422)
    try:
        text = upload.read().decode("utf-8")
        entries = parse_any(text, detect_format(text, upload.filename))
    except UnicodeDecodeError:
        return await _domains_page(error=f"{upload.filename} is not UTF-8 text.", status=422)
    except BlocklistError as exc:
        return await _domains_page(error=f"{upload.filename}: {exc}", status=422)
    for entry in entries:
        await _block(entry, source=upload.filename)
    return redirect(url_for(".domains", done=ngettext(
        "Imported %(num)d policy from %(file)s.", "Imported %(num)d policies from %(file)s.",
        len(entries), file=upload.filename)))


@blueprint.get("/domains/export.csv")
@permission_required(MANAGE_DOMAINS)
async def export_domains():
    body = format_mastodon_csv([as_entry(p) for p in await list_policies()])
    return Response(body, content_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": 'attachment; filename="domain_blocks.csv"'})


@blueprint.get("/ai-report")
@permission_required(MANAGE_DOMAINS)
async def ai_report_page():
    return await render_template(
        "admin/ai_report.html", rows=await ai_report(), message=request.args.get("done", ""),
        title=gettext("AI report"),
    )


@blueprint.post("/ai-report/<domain>/defederate")
@permission_required(MANAGE_DOMAINS)
async def defederate(domain: str):
    form = await request.form
    severity = form.get("severity", "suspend")
    if severity not in ("suspend", "silence"):
        severity = "suspend"
    comment = "Allows AI-generated content." if severity == "suspend" else "Limited: AI-generated content."
    await _block(BlockEntry(domain=domain, severity=severity, public_comment=comment))
    return redirect(url_for(".ai_report_page", done=gettext(
        "%(domain)s: %(severity)s.", domain=domain, severity=label(severity, "severity"))))


@blueprint.get("/subscriptions")
@permission_required(MANAGE_DOMAINS)
async def subscriptions():
    return await render_template(
        "admin/subscriptions.html",
        subscriptions=await BlocklistSubscription.all().order_by("-priority", "id"),
        drafts=await DomainPolicyDraft.filter(state=DraftState.PENDING).order_by("id"),
        message=request.args.get("done", ""), title=gettext("Blocklist subscriptions"),
    )


@blueprint.post("/subscriptions")
@permission_required(MANAGE_DOMAINS)
async def add_subscription():
    form = await request.form
    url = form.get("url", "").strip()
    if not url.startswith(("https://", "http://")):
        return redirect(url_for(".subscriptions", done=gettext("A blocklist URL must start with https://.")))
    raw_priority = form.get("priority", "0").strip()
    priority = int(raw_priority) if raw_priority.lstrip("-").isdigit() else 0
    excludes = [d.strip() for d in form.get("excludes", "").split(",") if d.strip()]
    try:
        subscription = await subscribe(url, priority=priority, excludes=excludes,
                                       actor=(await signed_in_user()).account)
    except DomainNameError as exc:
        return redirect(url_for(".subscriptions", done=str(exc)))
    await current_services().jobs.enqueue(
        kinds.REFRESH_BLOCKLIST, {"subscription_id": subscription.id}
    )
    return redirect(url_for(".subscriptions", done=gettext(
        "Subscribed; its changes will appear below for review.")))


@blueprint.post("/drafts")
@permission_required(MANAGE_DOMAINS)
async def review_drafts():
    form = await request.form
    ids = [int(value) for value in form.getlist("draft") if value.isdigit()]
    me = await current_user()
    if form.get("action") == "apply":
        for domain in await apply_drafts(ids, actor=me.account):
            await current_services().jobs.enqueue(kinds.PURGE_DOMAIN, {"domain": domain})
        done = ngettext("Applied %(num)d draft.", "Applied %(num)d drafts.", len(ids))
    else:
        dismissed = await dismiss_drafts(ids, actor=me.account)
        done = ngettext("Dismissed %(num)d draft.", "Dismissed %(num)d drafts.", dismissed)
    return redirect(url_for(".subscriptions", done=done))
