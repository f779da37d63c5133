"""Reports and moderator actions: file a report, hide a work, suspend an account, resolve;
every action writes an audit entry."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from tortoise.transactions import in_transaction

from instance import mail
from instance.errors import Refused
from instance.jobs import kinds
from instance.jobs.registry import JobContext
from instance.services import Services
from instance.storage.models import Account, AuditEntry, Notification, Report, ReportState, User, Work
from instance.translation import gettext, in_locale, lazy_gettext, locale_of
from instance.translation import gettext as _

CATEGORIES = ("spam", "ai-content", "copyright", "harassment", "legal", "other")


class ReportError(Refused):
    """A report or moderation request that cannot be done; the message says why."""

    title = lazy_gettext("Not reported")


async def file_report(
    reporter: Account,
    target: Account,
    *,
    work_ids: Sequence[int] = (),
    comment: str = "",
    category: str = "other",
    forward: bool = False,
    services: Services | None = None,
    object_ids: Sequence[str] = (),
) -> Report:
    """A local user reports an account (and some of its works); moderators are notified.
    With `forward` (and a remote target) an anonymous copy goes to the target's server as
    a Flag from our instance actor, naming also `object_ids` (e.g. a job listing's id)."""
    if category not in CATEGORIES:
        raise ReportError(_("category must be one of %(choices)s", choices=', '.join(CATEGORIES)))
    if reporter.id == target.id:
        raise ReportError(_("you cannot report yourself"))
    works = await Work.filter(id__in=list(work_ids), account=target).values_list("id", flat=True)
    if len(works) != len(set(work_ids)):
        raise ReportError(_("a reported work does not belong to the reported account"))
    async with in_transaction() as connection:
        report = await Report.create(
            reporter=reporter,
            target=target,
            work_ids=sorted(works),
            comment=comment[:5000],
            category=category,
            forward=forward and target.domain is not None,
            using_db=connection,
        )
        staff = await Account.filter(user__role__in=("admin", "moderator"), domain=None).using_db(connection)
        for account in staff:
            await Notification.create(
                recipient=account, kind="admin.report", from_account=reporter, using_db=connection
            )
        if report.forward and services is not None:
            await forward_report(services, report, target, connection, object_ids)
    return report


async def forward_report(services: Services, report: Report, target: Account, connection: Any,
                         object_ids: Sequence[str] = ()) -> None:
    """Send the report to the target's server as a Flag, from the instance actor (so the
    reporter stays anonymous), in the caller's transaction."""
    from federation.documents import activity
    from instance.actors.instance_actor import instance_actor
    from outbox.fanout import send

    actor = await instance_actor(services)
    works = await Work.filter(id__in=report.work_ids).using_db(connection).values_list("ap_id", flat=True)
    flag = activity("Flag", services.urls.flag_activity(actor.ap_id, uuid.uuid4().hex), actor.ap_id,
                    [target.ap_id, *works, *object_ids])
    flag["content"] = report.comment
    await send(services, actor, flag, [target.shared_inbox_url or target.inbox_url], using_db=connection)


async def _audit(actor: Account | None, action: str, target: str, **detail: object) -> None:
    await AuditEntry.create(actor=actor, action=action, target=target, detail=detail)


async def hide_work(actor: Account | None, work_id: int, reason: str = "") -> None:
    if not await Work.filter(id=work_id).update(hidden=True):
        raise ReportError(_("no work %(work_id)s", work_id=work_id))
    await _audit(actor, "work.hide", str(work_id), reason=reason)


async def unhide_work(actor: Account | None, work_id: int) -> None:
    if not await Work.filter(id=work_id).update(hidden=False):
        raise ReportError(_("no work %(work_id)s", work_id=work_id))
    await _audit(actor, "work.unhide", str(work_id))


async def suspend_account(actor: Account | None, account_id: int, reason: str = "") -> None:
    """Suspend a local or remote account: hidden everywhere; a local one cannot log in."""
    account = await Account.get_or_none(id=account_id)
    if account is None:
        raise ReportError(_("no account %(account_id)s", account_id=account_id))
    async with in_transaction() as connection:
        await Account.filter(id=account.id).using_db(connection).update(suspended=True)
        await User.filter(account_id=account.id).using_db(connection).update(disabled=True)
    await _audit(actor, "account.suspend", account.ap_id, reason=reason)


async def resolve_report(actor: Account | None, report_id: int, note: str = "") -> None:
    if not await Report.filter(id=report_id, state=ReportState.OPEN).update(
        state=ReportState.RESOLVED, resolved_at=datetime.now(UTC)
    ):
        raise ReportError(_("no open report %(report_id)s", report_id=report_id))
    await _audit(actor, "report.resolve", str(report_id), note=note)


async def add_note(actor: Account | None, report_id: int, note: str) -> None:
    if not note.strip():
        raise ReportError(_("the note is empty"))
    if not await Report.filter(id=report_id).exists():
        raise ReportError(_("no report %(report_id)s", report_id=report_id))
    await _audit(actor, "report.note", str(report_id), note=note.strip()[:5000])


async def approve_signup(actor: Account | None, user_id: int) -> None:
    if not await User.filter(id=user_id, approved=False).update(approved=True):
        raise ReportError(_("no sign-up %(user_id)s waiting", user_id=user_id))
    await _audit(actor, "signup.approve", str(user_id))


async def reject_signup(actor: Account | None, user_id: int, reason: str = "",
                        services: Services | None = None) -> bool:
    """Turn a sign-up away. With `services` and SMTP configured, the applicant is mailed
    the reason (by a job, in the same transaction). Returns whether a mail was queued."""
    user = await User.get_or_none(id=user_id, approved=False).prefetch_related("account")
    if user is None:
        raise ReportError(_("no sign-up %(user_id)s waiting", user_id=user_id))
    reason = reason.strip()[:2000]
    mailed = bool(services and services.config.mail.enabled and user.email)
    async with in_transaction() as connection:
        await Account.filter(id=user.account_id).using_db(connection).delete()  # and the user
        await AuditEntry.create(actor=actor, action="signup.reject", target=str(user_id),
                                detail={"username": user.account.username, "reason": reason,
                                        "mailed": mailed}, using_db=connection)
        if services is not None and mailed:
            await services.jobs.enqueue(kinds.SEND_REJECTION_MAIL, {
                "to": user.email, "username": user.account.username, "reason": reason,
                "locale": locale_of(user),  # the account is gone when the job runs
            }, using_db=connection)
    return mailed


async def rejection_mail_job(ctx: JobContext, payload: dict) -> None:
    """The `mail.signup_rejected` job: tell a turned-away applicant, with the reason."""
    config = ctx.services.config
    reason = str(payload.get("reason") or "").strip()
    name = config.instance.name
    with in_locale(payload.get("locale")):  # the applicant's language, else the default
        body = (gettext("Hello %(username)s,", username=payload.get("username")) + "\n\n"
                + gettext("Your request to join %(name)s (%(url)s) was not accepted.",
                          name=name, url=config.base_url) + "\n"
                + ("\n" + gettext("The moderators' reason:") + f"\n\n{reason}\n" if reason
                   else "\n" + gettext("No reason was given.") + "\n")
                + "\n" + gettext("Your sign-up details have been deleted. You may apply again later.")
                + "\n")
        subject = gettext("Your sign-up at %(name)s", name=name)
    message = mail.compose(config, str(payload.get("to")), subject, body)
    await mail.send(config, message, ctx.attempt)


async def confirm_signup_email(actor: Account | None, user_id: int) -> None:
    """Let in a sign-up whose confirmation mail never arrived (the web page or the CLI)."""
    if not await User.filter(id=user_id, email_pending=True).update(email_pending=False):
        raise ReportError(_("no sign-up %(user_id)s waiting for its email confirmation", user_id=user_id))
    await _audit(actor, "signup.confirm_email", str(user_id))
