"""A job listing as ActivityPub: built for sending, read back from what peers send.

A listing federates as a `Note`: Mastodon renders a Note's `content` in full, while a
`Page` or `Article` becomes a bare title and link there (its CONVERTED_TYPES), so the
content is a plain-text-friendly summary (title, organisation, pay, place, deadline,
description, link) any app shows. The same object carries every structured field under
Impasto's context (federation/jsonld.py), schema.org `JobPosting` terms where schema.org
has them and impasto: terms for the rest, so another Impasto rebuilds the listing
exactly. Reading is strict and bounded: a malformed field is a `ListingRejected` with
the reason, never a crash and never a half-read listing. Pure: no storage, no network.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from federation.joblisting_text import AVAILABILITY_LABELS as AVAILABILITY_LABELS
from federation.joblisting_text import KIND_LABELS as KIND_LABELS
from federation.joblisting_text import PLACE_LABELS as PLACE_LABELS
from federation.joblisting_text import STATE_NOTES as STATE_NOTES
from federation.joblisting_text import pay_text as pay_text
from federation.joblisting_text import place_text as place_text
from federation.joblisting_text import summary_html
from federation.vocab import PUBLIC, as_list, id_of

# The values of instance.storage.models.jobboard's enums (a test keeps them equal).
KINDS = ("full-time", "part-time", "contract", "freelance", "commission", "internship")
LOCATION_MODES = ("on-site", "hybrid", "remote")
PAY_PERIODS = ("hour", "day", "project", "year")
APPLY_VIA = ("impasto", "url", "email")
STATES = ("open", "closed", "filled", "expired")  # what a peer may say of a live listing

# schema.org's employmentType values for our kinds (schema.org has no commission), and
# the words the board and the fediverse post both use (instance/jobboard/display.py).
EMPLOYMENT_TYPES = {"full-time": "FULL_TIME", "part-time": "PART_TIME", "contract": "CONTRACTOR",
                    "freelance": "CONTRACTOR", "commission": "CONTRACTOR", "internship": "INTERN"}
_KIND_OF_EMPLOYMENT = {"FULL_TIME": "full-time", "PART_TIME": "part-time",
                       "CONTRACTOR": "contract", "INTERN": "internship", "TEMPORARY": "contract"}
MAX_TITLE = 200
MAX_NAME = 200
MAX_URL = 2048
MAX_PLACE = 120
MAX_TIME_ZONES = 200
MAX_TAGS = 20
MAX_TAG_CHARS = 50
MAX_PAY = 10**12
DEFAULT_DESCRIPTION_CHARS = 20000
_CURRENCY = re.compile(r"^[A-Z]{3}$")
_EMAIL = re.compile(r"^[^@\s<>\"]{1,64}@[A-Za-z0-9.\-]{1,253}\.[A-Za-z]{2,}$")
LISTING_TYPES = ("Note", "Page", "Article", "JobPosting")


class ListingRejected(ValueError):
    """A remote listing that cannot be stored as sent; the message is the reason."""


@dataclass
class ListingDoc:
    """A listing's federated fields, named as JobListing's columns (`columns()`), plus
    the ids and times that come with the object."""

    title: str
    description: str = ""  # HTML (sanitised by the receiver before storing)
    organisation_name: str = ""
    organisation_url: str = ""
    kind: str = "freelance"
    location_mode: str = "remote"
    city: str = ""
    country: str = ""
    time_zones: str = ""
    pay_min: int | None = None
    pay_max: int | None = None
    pay_currency: str = ""
    pay_period: str = ""
    pay_on_request: bool = False
    skills: list[str] = field(default_factory=list)
    mediums: list[str] = field(default_factory=list)
    deadline: datetime | None = None
    apply_via: str = "impasto"
    apply_target: str = ""
    no_ai_work: bool = False
    no_ai_training: bool = False
    state: str = "open"
    # not columns
    ap_id: str = ""
    attributed_to: str = ""
    url: str = ""
    published: datetime | None = None
    updated: datetime | None = None

    COLUMNS = ("title", "description", "organisation_name", "organisation_url", "kind",
               "location_mode", "city", "country", "time_zones", "pay_min", "pay_max",
               "pay_currency", "pay_period", "pay_on_request", "skills", "mediums", "deadline",
               "apply_via", "apply_target", "no_ai_work", "no_ai_training", "state")

    @classmethod
    def from_row(cls, row: Any, *, ap_id: str, attributed_to: str, url: str,
                 published: datetime | None, updated: datetime | None) -> ListingDoc:
        """From anything with the JobListing column names (a row, a form's result)."""
        values = {f.name: getattr(row, f.name) for f in fields(cls) if f.name in cls.COLUMNS}
        return cls(**values, ap_id=ap_id, attributed_to=attributed_to, url=url,
                   published=published, updated=updated)

    def columns(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.COLUMNS}


def iso(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    return moment.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


# ---- building ---------------------------------------------------------------------------

def listing_to_note(doc: ListingDoc, *, followers_url: str, tag_url: str) -> dict[str, Any]:
    """The Note a listing federates as (without @context); `tag_url` + a tag name is the
    board filtered by that tag (the hashtags' links)."""
    salary: dict[str, Any] | None = None
    if not doc.pay_on_request and doc.pay_min is not None:
        value = {"type": "QuantitativeValue", "minValue": doc.pay_min,
                 "maxValue": doc.pay_max if doc.pay_max is not None else doc.pay_min,
                 "unitText": doc.pay_period.upper()}
        salary = {"type": "MonetaryAmount", "currency": doc.pay_currency, "value": value}
    place = None
    if doc.city or doc.country:
        address = {"type": "PostalAddress", "addressLocality": doc.city or None,
                   "addressCountry": doc.country or None}
        place = {"type": "Place", "address": {k: v for k, v in address.items() if v}}
    organisation = None
    if doc.organisation_name or doc.organisation_url:
        organisation = {"type": "Organization", "name": doc.organisation_name or None,
                        "url": doc.organisation_url or None}
        organisation = {k: v for k, v in organisation.items() if v}
    tags = dict.fromkeys([*doc.skills, *doc.mediums])
    note: dict[str, Any] = {
        "id": doc.ap_id,
        "type": "Note",
        "attributedTo": doc.attributed_to,
        "name": doc.title,
        "content": summary_html(doc),
        "url": doc.url or None,
        "published": iso(doc.published),
        "updated": iso(doc.updated),
        "to": [PUBLIC],
        "cc": [followers_url],
        "tag": [{"type": "Hashtag", "href": tag_url + _tag_slug(t), "name": "#" + _tag_slug(t)}
                for t in tags],
        # schema.org JobPosting
        "title": doc.title,
        "description": doc.description,
        "datePosted": iso(doc.published),
        "employmentType": EMPLOYMENT_TYPES.get(doc.kind, "OTHER"),
        "hiringOrganization": organisation,
        "jobLocation": place,
        "jobLocationType": "TELECOMMUTE" if doc.location_mode == "remote" else None,
        "baseSalary": salary,
        "validThrough": iso(doc.deadline),
        "skills": list(doc.skills),
        # impasto: what schema.org has no term for
        "jobKind": doc.kind,
        "locationMode": doc.location_mode,
        "timeZones": doc.time_zones or None,
        "mediums": list(doc.mediums),
        "payOnRequest": doc.pay_on_request,
        "noAiWork": doc.no_ai_work,
        "noAiTraining": doc.no_ai_training,
        "listingState": doc.state,
        "applyVia": doc.apply_via,
        "applyTarget": doc.apply_target or None,
    }
    return {k: v for k, v in note.items() if v is not None}


def _tag_slug(tag: str) -> str:
    """Hashtags cannot hold spaces: "concept art" → "conceptart" in the #tag only."""
    return re.sub(r"[^\w]", "", tag)


# ---- reading ----------------------------------------------------------------------------

def is_listing(obj: Any) -> bool:
    """Does this object claim to be a job listing (an Impasto listing or a JobPosting)?"""
    if not isinstance(obj, dict):
        return False
    kinds = as_list(obj.get("type"))
    if "JobPosting" in kinds:
        return True
    return any(k in LISTING_TYPES for k in kinds) and "employmentType" in obj and "title" in obj


def _text(obj: dict, name: str, limit: int, *, required: bool = False) -> str:
    value = obj.get(name)
    if value is None or value == "":
        if required:
            raise ListingRejected(f"{name} is missing")
        return ""
    if not isinstance(value, str):
        raise ListingRejected(f"{name} is not text")
    value = value.strip()
    if len(value) > limit:
        raise ListingRejected(f"{name} is longer than {limit} characters")
    if required and not value:
        raise ListingRejected(f"{name} is missing")
    return value


def _flag(obj: dict, name: str) -> bool:
    value = obj.get(name, False)
    if not isinstance(value, bool):
        raise ListingRejected(f"{name} is not true or false")
    return value


def _choice(obj: dict, name: str, choices: tuple[str, ...], default: str) -> str:
    value = _text(obj, name, 32) or default
    if value not in choices:
        raise ListingRejected(f"{name} {value!r} is not one of {', '.join(choices)}")
    return value


def _web_url(value: str, name: str) -> str:
    try:
        parts = urlsplit(value)
    except ValueError:
        raise ListingRejected(f"{name} is not a web address") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ListingRejected(f"{name} is not a web address")
    return value


def _when(value: Any, name: str) -> datetime | None:
    if value is None:
        return None
    if not isinstance(value, str) or len(value) > 40:
        raise ListingRejected(f"{name} is not a date-time")
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise ListingRejected(f"{name} is not a date-time") from None
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(UTC)


def _amount(value: Any, name: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or value != int(value):
        raise ListingRejected(f"{name} is not a whole number")
    if not 0 < value <= MAX_PAY:
        raise ListingRejected(f"{name} is out of range")
    return int(value)


def _tags(obj: dict, name: str) -> list[str]:
    value = obj.get(name)
    items = as_list(value) if not isinstance(value, str) else [value]
    if len(items) > MAX_TAGS:
        raise ListingRejected(f"{name}: more than {MAX_TAGS}")
    out: dict[str, None] = {}
    for item in items:
        if not isinstance(item, str) or len(item) > MAX_TAG_CHARS:
            raise ListingRejected(f"{name}: an entry is not a short word")
        tag = " ".join(item.replace(",", " ").lower().lstrip("#").split())
        if tag:
            out[tag] = None
    return list(out)


def _nested(obj: dict, name: str) -> dict:
    value = obj.get(name)
    if isinstance(value, list):
        value = value[0] if len(value) == 1 else None
        if value is None:
            raise ListingRejected(f"{name} is not one object")
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ListingRejected(f"{name} is not an object")
    return value


def _pay(obj: dict, doc: ListingDoc) -> None:
    doc.pay_on_request = _flag(obj, "payOnRequest")
    salary = _nested(obj, "baseSalary")
    if doc.pay_on_request:
        return
    if not salary:
        raise ListingRejected("no pay and not 'pay on request'")
    value = _nested(salary, "value")
    doc.pay_min = _amount(value.get("minValue"), "minValue")
    doc.pay_max = _amount(value.get("maxValue"), "maxValue")
    if doc.pay_min is None:
        doc.pay_min = doc.pay_max
    if doc.pay_min is None:
        raise ListingRejected("baseSalary has no figure")
    if doc.pay_max is not None and doc.pay_max < doc.pay_min:
        raise ListingRejected("maxValue is below minValue")
    currency = _text(salary, "currency", 3).upper()
    if not _CURRENCY.match(currency):
        raise ListingRejected("currency is not a three-letter code")
    doc.pay_currency = currency
    period = _text(value, "unitText", 16).lower()
    if period not in PAY_PERIODS:
        raise ListingRejected(f"unitText {period!r} is not one of {', '.join(PAY_PERIODS)}")
    doc.pay_period = period


def _where(obj: dict, doc: ListingDoc) -> None:
    address = _nested(_nested(obj, "jobLocation"), "address")
    doc.city = _text(address, "addressLocality", MAX_PLACE)
    doc.country = _text(address, "addressCountry", MAX_PLACE)
    doc.time_zones = _text(obj, "timeZones", MAX_TIME_ZONES)
    remote = "TELECOMMUTE" in as_list(obj.get("jobLocationType"))
    default = "remote" if remote or not (doc.city or doc.country) else "on-site"
    doc.location_mode = _choice(obj, "locationMode", LOCATION_MODES, default)
    if doc.location_mode != "remote" and not (doc.city or doc.country):
        raise ListingRejected("on-site or hybrid work with no city or country")


def _apply(obj: dict, doc: ListingDoc) -> None:
    doc.apply_via = _choice(obj, "applyVia", APPLY_VIA, "impasto")
    target = _text(obj, "applyTarget", MAX_URL)
    if doc.apply_via == "url":
        doc.apply_target = _web_url(target, "applyTarget")
    elif doc.apply_via == "email":
        if not _EMAIL.match(target):
            raise ListingRejected("applyTarget is not an email address")
        doc.apply_target = target


def parse_listing(obj: Any, *, description_chars: int = DEFAULT_DESCRIPTION_CHARS) -> ListingDoc:
    """The fields of a remote listing object (plain compacted AS2, already normalised);
    raises ListingRejected with the reason for anything malformed or out of bounds."""
    if not is_listing(obj):
        raise ListingRejected("not a job listing")
    ident = id_of(obj)
    author = id_of(obj.get("attributedTo"))
    if not ident or not author:
        raise ListingRejected("a listing needs an id and attributedTo")
    title = _text(obj, "title", MAX_TITLE) or _text(obj, "name", MAX_TITLE, required=True)
    doc = ListingDoc(title=title, ap_id=ident, attributed_to=author)
    doc.description = _text(obj, "description", description_chars)
    organisation = _nested(obj, "hiringOrganization")
    doc.organisation_name = _text(organisation, "name", MAX_NAME)
    org_url = _text(organisation, "url", MAX_URL)
    doc.organisation_url = _web_url(org_url, "hiringOrganization.url") if org_url else ""
    employment = obj.get("employmentType")
    default_kind = _KIND_OF_EMPLOYMENT.get(employment, "freelance") \
        if isinstance(employment, str) else "freelance"
    doc.kind = _choice(obj, "jobKind", KINDS, default_kind)
    _where(obj, doc)
    _pay(obj, doc)
    doc.skills = _tags(obj, "skills")
    doc.mediums = _tags(obj, "mediums")
    doc.deadline = _when(obj.get("validThrough"), "validThrough")
    _apply(obj, doc)
    doc.no_ai_work = _flag(obj, "noAiWork")
    doc.no_ai_training = _flag(obj, "noAiTraining")
    doc.state = _choice(obj, "listingState", STATES, "open")
    url = id_of(obj.get("url")) or ""
    doc.url = _web_url(url, "url") if url and len(url) <= MAX_URL else ""
    doc.published = _when(obj.get("published"), "published")
    doc.updated = _when(obj.get("updated"), "updated")
    return doc
