"""A listing's facts in words, one wording for the board, the listing page, its Atom feed
and any plain-text summary (the fediverse post of a listing can reuse them): the pay
said plainly ("Pay on request" when that is what the poster chose), where, the kind, the
deadline as a countdown, and the schema.org `JobPosting` search engines read."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from federation.joblisting import EMPLOYMENT_TYPES, KIND_LABELS
from federation.joblisting import PLACE_LABELS as PLACE_LABELS
from federation.joblisting import pay_text as pay_text
from federation.joblisting import place_text as place_text
from instance.storage.models import JobListing
from instance.storage.models.jobboard import LocationMode

UNIT_TEXT = {"hour": "HOUR", "day": "DAY", "project": "PROJECT", "year": "YEAR"}


def web_link(url: str | None) -> str:
    """`url` if it is an http(s) address, else "" (a link from another server is shown
    only when it is one: never a javascript: or data: link, whatever arrived)."""
    text = (url or "").strip()
    return text if text.lower().startswith(("https://", "http://")) else ""


def kind_text(listing: JobListing) -> str:
    return KIND_LABELS.get(listing.kind, listing.kind)


def countdown(deadline: datetime | None, now: datetime | None = None) -> str:
    """"Closes in 12 days", "Closes today", "Closed" or "" when there is no deadline."""
    if deadline is None:
        return ""
    left = deadline - (now or datetime.now(UTC))
    if left.total_seconds() <= 0:
        return "Deadline passed"
    if left.days >= 1:
        return f"Closes in {left.days} day{'s' if left.days != 1 else ''}"
    hours = int(left.total_seconds() // 3600)
    return f"Closes in {hours} hour{'s' if hours != 1 else ''}" if hours else "Closes within the hour"


def job_posting(listing: JobListing, poster_name: str) -> dict[str, Any]:
    """The schema.org JobPosting of a listing, for a `<script type="application/ld+json">`."""
    posted = listing.published_at or listing.created_at
    data: dict[str, Any] = {
        "@context": "https://schema.org/",
        "@type": "JobPosting",
        "title": listing.title,
        "description": listing.description,
        "datePosted": posted.date().isoformat(),
        "employmentType": EMPLOYMENT_TYPES.get(listing.kind, "OTHER"),
        "hiringOrganization": {"@type": "Organization",
                               "name": listing.organisation_name or poster_name},
        "url": listing.url,
        "directApply": listing.apply_via == "impasto",
    }
    if listing.organisation_url:
        data["hiringOrganization"]["sameAs"] = listing.organisation_url
    if listing.deadline is not None:
        data["validThrough"] = listing.deadline.isoformat()
    if listing.location_mode == LocationMode.REMOTE:
        data["jobLocationType"] = "TELECOMMUTE"
        if listing.country:
            data["applicantLocationRequirements"] = {"@type": "Country", "name": listing.country}
    if listing.city or listing.country:
        data["jobLocation"] = {"@type": "Place", "address": {
            "@type": "PostalAddress", "addressLocality": listing.city,
            "addressCountry": listing.country}}
    if not listing.pay_on_request and listing.pay_min is not None:
        value: dict[str, Any] = {"@type": "QuantitativeValue", "minValue": listing.pay_min,
                                 "unitText": UNIT_TEXT.get(listing.pay_period, "PROJECT")}
        if listing.pay_max is not None:
            value["maxValue"] = listing.pay_max
        data["baseSalary"] = {"@type": "MonetaryAmount", "currency": listing.pay_currency,
                              "value": value}
    if listing.skills or listing.mediums:
        data["skills"] = ", ".join([*listing.skills, *listing.mediums])
    return data
