"""A listing's facts in words, one wording for the board, the listing page, its Atom feed
and any plain-text summary (the fediverse post of a listing can reuse them): the pay
said plainly ("Pay on request" when that is what the poster chose), where, the kind, the
deadline as a countdown, and the schema.org `JobPosting` search engines read."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from instance.storage.models import JobListing
from instance.storage.models.jobboard import ListingKind, LocationMode

KIND_LABELS: dict[str, str] = {
    ListingKind.FULL_TIME: "Full-time", ListingKind.PART_TIME: "Part-time",
    ListingKind.CONTRACT: "Contract", ListingKind.FREELANCE: "Freelance",
    ListingKind.COMMISSION: "Commission", ListingKind.INTERNSHIP: "Internship",
}
PLACE_LABELS: dict[str, str] = {LocationMode.ON_SITE: "On-site", LocationMode.HYBRID: "Hybrid",
                LocationMode.REMOTE: "Remote"}
# schema.org JobPosting terms (https://schema.org/employmentType, unitText)
EMPLOYMENT_TYPES: dict[str, str] = {
    ListingKind.FULL_TIME: "FULL_TIME", ListingKind.PART_TIME: "PART_TIME",
    ListingKind.CONTRACT: "CONTRACTOR", ListingKind.FREELANCE: "CONTRACTOR",
    ListingKind.COMMISSION: "CONTRACTOR", ListingKind.INTERNSHIP: "INTERN",
}
UNIT_TEXT = {"hour": "HOUR", "day": "DAY", "project": "PROJECT", "year": "YEAR"}


def web_link(url: str | None) -> str:
    """`url` if it is an http(s) address, else "" (a link from another server is shown
    only when it is one: never a javascript: or data: link, whatever arrived)."""
    text = (url or "").strip()
    return text if text.lower().startswith(("https://", "http://")) else ""


def pay_text(listing: JobListing) -> str:
    """"2,000–3,500 EUR per project", "40,000 EUR per year" or "Pay on request"."""
    if listing.pay_on_request or listing.pay_min is None:
        return "Pay on request"
    figures = f"{listing.pay_min:,}"
    if listing.pay_max is not None and listing.pay_max != listing.pay_min:
        figures += f"–{listing.pay_max:,}"
    return f"{figures} {listing.pay_currency} per {listing.pay_period}"


def place_text(listing: JobListing) -> str:
    """"Remote (UTC-1 to UTC+3)", "On-site in Lyon, France", "Hybrid, Berlin"."""
    label = PLACE_LABELS.get(listing.location_mode, listing.location_mode)
    where = ", ".join(p for p in (listing.city, listing.country) if p)
    text = f"{label} in {where}" if where else label
    return f"{text} ({listing.time_zones})" if listing.time_zones else text


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
