"""The words a job listing reads in: pay, place and kind as the board's pages and the
federated post both write them, and the post's content (federation/joblisting.py builds
the Note around it). Pure."""

from __future__ import annotations

import html
from datetime import UTC
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from federation.joblisting import ListingDoc

AVAILABILITY_LABELS = {"commissions": "Open for commissions", "work": "Open to work",
                       "unavailable": "Not available"}  # an artist's badge and profile field
PLACE_LABELS = {"on-site": "On-site", "hybrid": "Hybrid", "remote": "Remote"}
KIND_LABELS = {"full-time": "Full-time", "part-time": "Part-time", "contract": "Contract",
               "freelance": "Freelance", "commission": "Commission", "internship": "Internship"}


def pay_text(listing: Any) -> str:
    """"2,000–3,500 EUR per project", "40,000 EUR per year" or "Pay on request" (of a
    ListingDoc or a JobListing row: the board's pages use the same wording)."""
    if listing.pay_on_request or listing.pay_min is None:
        return "Pay on request"
    figures = f"{listing.pay_min:,}"
    if listing.pay_max is not None and listing.pay_max != listing.pay_min:
        figures += f"–{listing.pay_max:,}"
    return f"{figures} {listing.pay_currency} per {listing.pay_period}"


def place_text(listing: Any) -> str:
    """"Remote (UTC-1 to UTC+3)", "On-site in Lyon, France", "Hybrid in Berlin"."""
    label = PLACE_LABELS.get(listing.location_mode, listing.location_mode)
    where = ", ".join(p for p in (listing.city, listing.country) if p)
    text = f"{label} in {where}" if where else label
    return f"{text} ({listing.time_zones})" if listing.time_zones else text


STATE_NOTES = {"closed": "This listing is closed.", "filled": "This listing has been filled.",
               "expired": "This listing's deadline has passed."}


def summary_html(doc: ListingDoc) -> str:
    """The content every app shows: facts first, then the description and the link."""
    esc = html.escape
    facts = [KIND_LABELS.get(doc.kind, doc.kind), pay_text(doc), place_text(doc)]
    if doc.organisation_name:
        facts.insert(0, doc.organisation_name)
    parts = [f"<p><strong>{esc(doc.title)}</strong></p>",
             "<p>" + "<br>".join(esc(f) for f in facts) + "</p>"]
    if doc.state in STATE_NOTES:
        parts.append(f"<p><strong>{STATE_NOTES[doc.state]}</strong></p>")
    elif doc.deadline is not None:
        parts.append(f"<p>Apply by {esc(doc.deadline.astimezone(UTC).strftime('%d %B %Y'))}</p>")
    promises = [t for t, on in (("No AI-generated work wanted", doc.no_ai_work),
                                ("Applications will not be used to train AI", doc.no_ai_training))
                if on]
    if promises:
        parts.append("<p>" + "<br>".join(promises) + "</p>")
    if doc.description:
        parts.append(doc.description)
    if doc.url:
        link = esc(doc.url, quote=True)
        parts.append(f'<p>Details and how to apply: <a href="{link}">{esc(doc.url)}</a></p>')
    return "".join(parts)


