"""The job board's wordings on pages, in the reader's language: pay, kind, place, the
deadline countdown and availability. The federated post, the Atom feed and the API keep
federation.joblisting_text's English wording (instance/jobboard/display.py)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from instance.jobboard import display
from instance.translation import format_number, gettext, lazy_gettext, ngettext

KIND_LABELS: dict[str, Any] = {
    "full-time": lazy_gettext("Full-time"), "part-time": lazy_gettext("Part-time"),
    "contract": lazy_gettext("Contract"), "freelance": lazy_gettext("Freelance"),
    "commission": lazy_gettext("Commission"), "internship": lazy_gettext("Internship"),
}
PLACE_LABELS: dict[str, Any] = {
    "on-site": lazy_gettext("On-site"), "hybrid": lazy_gettext("Hybrid"),
    "remote": lazy_gettext("Remote"),
}
AVAILABILITY_LABELS: dict[str, Any] = {
    "commissions": lazy_gettext("Open for commissions"), "work": lazy_gettext("Open to work"),
    "unavailable": lazy_gettext("Not available"),
}
APPLY_WAYS: list[tuple[str, Any]] = [
    ("impasto", lazy_gettext("Here, with portfolio works")),
    ("url", lazy_gettext("At a web address")),
    ("email", lazy_gettext("By email")),
]


def _named(labels: dict[str, Any], value: object) -> str:
    key = str(getattr(value, "value", value) or "")
    found = labels.get(key)
    return str(found) if found is not None else key


def kind_name(kind: object) -> str:
    """A kind of work's name (a listing's, or one an artist takes)."""
    return _named(KIND_LABELS, kind)


def kind_names(kinds: Any) -> str:
    return ", ".join(kind_name(kind) for kind in kinds or ())


def kind_text(listing: Any) -> str:
    return _named(KIND_LABELS, listing.kind)


def availability_text(status: object) -> str:
    return _named(AVAILABILITY_LABELS, status) if status else ""


def pay_text(listing: Any) -> str:
    """"2,000–3,500 EUR per project" (English as the federated post says it), "Pay on request"."""
    if listing.pay_on_request or listing.pay_min is None:
        return gettext("Pay on request")
    figures = format_number(listing.pay_min)
    if listing.pay_max is not None and listing.pay_max != listing.pay_min:
        figures += "–" + format_number(listing.pay_max)
    amount = {"figures": figures, "currency": listing.pay_currency}
    period = str(getattr(listing.pay_period, "value", listing.pay_period))
    if period == "hour":
        return gettext("%(figures)s %(currency)s per hour", **amount)
    if period == "day":
        return gettext("%(figures)s %(currency)s per day", **amount)
    if period == "project":
        return gettext("%(figures)s %(currency)s per project", **amount)
    if period == "year":
        return gettext("%(figures)s %(currency)s per year", **amount)
    return f"{figures} {listing.pay_currency} per {period}"


def place_text(listing: Any) -> str:
    """"Remote (UTC-1 to UTC+3)", "On-site in Lyon, France", "Hybrid in Berlin"."""
    place = _named(PLACE_LABELS, listing.location_mode)
    where = ", ".join(p for p in (listing.city, listing.country) if p)
    text = gettext("%(place)s in %(where)s", place=place, where=where) if where else place
    return f"{text} ({listing.time_zones})" if listing.time_zones else text


def countdown(deadline: datetime | None, now: datetime | None = None) -> str:
    """"Closes in 12 days", "Closes within the hour", "Deadline passed"; "" without one."""
    if deadline is None:
        return ""
    left = deadline - (now or datetime.now(UTC))
    if left.total_seconds() <= 0:
        return gettext("Deadline passed")
    if left.days >= 1:
        return ngettext("Closes in %(num)d day", "Closes in %(num)d days", left.days)
    hours = int(left.total_seconds() // 3600)
    if hours:
        return ngettext("Closes in %(num)d hour", "Closes in %(num)d hours", hours)
    return gettext("Closes within the hour")


web_link = display.web_link
job_posting = display.job_posting
