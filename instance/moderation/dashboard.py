"""The numbers of the admin dashboard, each counted straight from its table (no cache: an
admin looking at the dashboard wants what is true now), and the audit log's filter."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from tortoise import Tortoise
from tortoise.expressions import Q
from tortoise.functions import Count
from tortoise.queryset import QuerySet

from instance.storage.models import (
    Account,
    AuditEntry,
    InstanceInfo,
    Job,
    JobState,
    MediaAttachment,
    Report,
    ReportState,
    User,
    Work,
)


@dataclass
class KindRow:
    """One job kind: waiting (queued or running) and failed for good."""

    kind: str
    waiting: int = 0
    failed: int = 0


@dataclass
class Dashboard:
    users: int = 0  # local accounts that can log in
    users_waiting: int = 0  # sign-ups waiting for approval or their address
    users_suspended: int = 0
    works_local: int = 0
    works_remote: int = 0
    storage_bytes: int = 0  # originals of local uploads, as received
    media_count: int = 0
    jobs: list[KindRow] = field(default_factory=list)
    hosts_failing: int = 0  # deliveries failed on some recent day, not yet given up
    hosts_unavailable: int = 0  # given up on: nothing is sent until it answers again
    open_reports: int = 0
    recent_reports: list[Report] = field(default_factory=list)
    recent_reviews: list[AuditEntry] = field(default_factory=list)

    @property
    def jobs_waiting(self) -> int:
        return sum(row.waiting for row in self.jobs)

    @property
    def jobs_failed(self) -> int:
        return sum(row.failed for row in self.jobs)


async def job_kinds() -> list[KindRow]:
    """Queue depth and failures per job kind (done jobs are not counted: they are pruned)."""
    rows: dict[str, KindRow] = {}
    found = await Job.filter(state__in=(JobState.QUEUED, JobState.RUNNING, JobState.FAILED)
                             ).annotate(n=Count("id")).group_by("kind", "state"
                             ).values_list("kind", "state", "n")
    for kind, state, count in found:
        row = rows.setdefault(kind, KindRow(kind))
        if state == JobState.FAILED:
            row.failed += count
        else:
            row.waiting += count
    return sorted(rows.values(), key=lambda row: row.kind)


def host_state(info: InstanceInfo) -> str:
    if info.unavailable:
        return "unavailable"
    return "failing" if info.failure_days or info.breaker_failures else "ok"


async def troubled_hosts() -> list[InstanceInfo]:
    """Hosts whose deliveries fail, from the delivery state every worker shares (the
    failure days are a JSON list, read here rather than compared in SQL)."""
    found = await InstanceInfo.all().order_by("domain")
    return [info for info in found if host_state(info) != "ok"]


STORED_BYTES_SQL = (
    "SELECT COALESCE(SUM(m.original_bytes), 0) AS total FROM media_attachments m"
    " JOIN accounts a ON a.id = m.account_id WHERE a.domain IS NULL AND m.remote_url IS NULL")


async def _stored_bytes() -> int:
    """One SUM in SQL (an annotated queryset with a join groups per row in Tortoise)."""
    rows = await Tortoise.get_connection("default").execute_query_dict(STORED_BYTES_SQL)
    return int(rows[0]["total"] or 0) if rows else 0


async def dashboard() -> Dashboard:
    board = Dashboard()
    board.users = await User.filter(approved=True, disabled=False, email_pending=False).count()
    board.users_waiting = await User.filter(Q(approved=False) | Q(email_pending=True),
                                            disabled=False).count()
    board.users_suspended = await User.filter(disabled=True).count()
    board.works_local = await Work.filter(account__domain__isnull=True).count()
    board.works_remote = await Work.filter(account__domain__isnull=False).count()
    media = MediaAttachment.filter(account__domain__isnull=True, remote_url__isnull=True)
    board.media_count = await media.count()
    board.storage_bytes = await _stored_bytes()
    board.jobs = await job_kinds()
    hosts = await troubled_hosts()
    board.hosts_unavailable = sum(1 for info in hosts if info.unavailable)
    board.hosts_failing = len(hosts) - board.hosts_unavailable
    board.open_reports = await Report.filter(state=ReportState.OPEN).count()
    board.recent_reports = await Report.all().order_by("-id").limit(5).prefetch_related("target")
    board.recent_reviews = await AuditEntry.filter(action__startswith="media.").order_by(
        "-id").limit(5).prefetch_related("actor")
    return board


def size_words(size: int) -> str:
    """1536 → "1.5 KB": storage in words an admin reads at a glance."""
    value = float(size)
    for unit in ("bytes", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "bytes" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} TB"


class AuditFilterError(ValueError):
    """A filter value that cannot be read (a date not in YYYY-MM-DD)."""


def _day(text: str, label: str) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise AuditFilterError(f"{label} must be a date like 2026-01-31.") from None


async def audit_entries(actor: str = "", action: str = "", since: str = "", until: str = "",
                        limit: int = 100, before_id: int | None = None) -> list[AuditEntry]:
    """The audit log, newest first, filtered by who (a local username, or "system" for the
    CLI and jobs), what (an action or its prefix, "domain" for every domain.*) and days
    (inclusive)."""
    query: QuerySet[AuditEntry] = AuditEntry.all()
    actor = actor.strip().lower().lstrip("@")
    if actor == "system":
        query = query.filter(actor_id__isnull=True)
    elif actor:
        found = await Account.filter(username=actor, domain__isnull=True).first()
        query = query.filter(actor_id=found.id if found else -1)
    action = action.strip()
    if action:
        query = query.filter(Q(action=action) | Q(action__startswith=action.rstrip(".") + "."))
    start, end = _day(since, "From"), _day(until, "Until")
    if start:
        query = query.filter(created_at__gte=datetime.combine(start, time(), UTC))
    if end:
        query = query.filter(created_at__lt=datetime.combine(end + timedelta(days=1), time(), UTC))
    if before_id:
        query = query.filter(id__lt=before_id)
    return await query.order_by("-id").limit(limit).prefetch_related("actor")


async def audit_actions() -> list[str]:
    """Every action the log holds, for the filter's list."""
    found: list[Any] = await AuditEntry.all().distinct().values_list("action", flat=True)
    return sorted(Counter(str(name) for name in found))
