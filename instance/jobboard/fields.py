"""A listing's fields as a person sends them (a web form or API JSON), read and checked in
one place: every rule a poster can break is a `ListingError` naming the field, raised
before anything is stored."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from typing import Any
from urllib.parse import urlsplit

from instance.errors import Refused
from instance.storage.models.jobboard import ApplyVia, ListingKind, LocationMode, PayPeriod
from instance.translation import gettext as _

MAX_TAGS = 20
MAX_TAG_CHARS = 50
MAX_PAY = 10**12  # whole units: beyond any real pay, within BIGINT
MAX_DEADLINE = timedelta(days=366)
TRUE = {"1", "true", "on", "yes"}
_EMAIL = re.compile(r"^[^@\s<>\"]{1,64}@[A-Za-z0-9.\-]{1,253}\.[A-Za-z]{2,}$")
_CURRENCY = re.compile(r"^[A-Z]{3}$")


class ListingError(Refused):
    """A listing that cannot be posted as sent; the message names the field."""

    title = "Listing not saved"


@dataclass
class ListingInput:
    """Every field a poster sets, already checked (see `read_listing`)."""

    title: str
    description_source: str
    organisation_name: str = ""
    organisation_url: str = ""
    kind: str = ListingKind.FREELANCE.value
    location_mode: str = LocationMode.REMOTE.value
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
    apply_via: str = ApplyVia.IMPASTO.value
    apply_target: str = ""
    no_ai_work: bool = False
    no_ai_training: bool = False

    def columns(self) -> dict[str, Any]:
        """The JobListing columns these fields set (the description is rendered apart)."""
        values = asdict(self)
        values.pop("description_source")
        values["tags_index"] = tags_index(self.skills, self.mediums)
        return values


def values_of(listing: Any) -> dict[str, Any]:
    """A stored listing's fields in the shape `read_listing` reads (to edit it, or to
    apply a partial update on top)."""
    values = {name: getattr(listing, name) for name in (
        "title", "organisation_name", "organisation_url", "kind", "location_mode", "city",
        "country", "time_zones", "pay_min", "pay_max", "pay_currency", "pay_period",
        "pay_on_request", "apply_via", "apply_target", "no_ai_work", "no_ai_training",
        "skills", "mediums")}
    values["description"] = listing.description_source
    values["deadline"] = listing.deadline.isoformat() if listing.deadline else ""
    return values


def tags_index(skills: list[str], mediums: list[str]) -> str:
    """",a,b," of every skill and medium: one LIKE '%,x,%' finds a tag on any engine."""
    names = dict.fromkeys([*skills, *mediums])
    return "," + ",".join(names) + "," if names else ""


def _text(data: Mapping[str, Any], name: str, limit: int, label: str) -> str:
    value = data.get(name)
    if value is None:
        return ""
    if not isinstance(value, str | int | float) or isinstance(value, bool):
        raise ListingError(_("%(label)s must be text", label=label))
    text = str(value).strip()
    if len(text) > limit:
        raise ListingError(_("%(label)s is longer than %(limit)s characters", label=label, limit=limit))
    return text


def _flag(data: Mapping[str, Any], name: str) -> bool:
    value = data.get(name)
    if isinstance(value, bool):
        return value
    return str(value or "").strip().lower() in TRUE


def _choice(data: Mapping[str, Any], name: str, choices: type[StrEnum], default: str,
            label: str) -> str:
    value = _text(data, name, 32, label) or default
    allowed = [c.value for c in choices]
    if value not in allowed:
        raise ListingError(_("%(label)s must be one of %(choices)s", label=label, choices=', '.join(allowed)))
    return value


def _amount(data: Mapping[str, Any], name: str, label: str) -> int | None:
    text = _text(data, name, 20, label).replace(",", "").replace(" ", "")
    if not text:
        return None
    if not text.isascii() or not text.isdigit():
        raise ListingError(_("%(label)s must be a whole number, like 450", label=label))
    amount = int(text)
    if amount <= 0 or amount > MAX_PAY:
        raise ListingError(_("%(label)s must be above 0 and below %(max_pay)s", label=label, max_pay=MAX_PAY))
    return amount


def _tags(data: Mapping[str, Any], name: str, label: str) -> list[str]:
    value = data.get(name)
    items: list[Any] = value if isinstance(value, list) else [str(value or "")]
    if not all(isinstance(item, str) for item in items):
        raise ListingError(_("%(label)s must be words separated by commas", label=label))
    tags: dict[str, None] = {}
    for item in (part for text in items for part in text.split(",")):
        tag = " ".join(item.lower().lstrip("#").split())
        if len(tag) > MAX_TAG_CHARS:
            raise ListingError(_("%(label)s: '%(tag)s…' is longer than %(max_tag_chars)s characters",
                                 label=label, tag=tag[:20], max_tag_chars=MAX_TAG_CHARS))
        if tag:
            tags[tag] = None
    if len(tags) > MAX_TAGS:
        raise ListingError(_("%(label)s: at most %(max_tags)s", label=label, max_tags=MAX_TAGS))
    return list(tags)


def _web_url(value: str, label: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ListingError(_("%(label)s must be a web address starting with https://", label=label))
    return value


def _deadline(data: Mapping[str, Any], now: datetime) -> datetime | None:
    """A date (the end of that day, UTC) or an ISO date-time; in the future, within a year."""
    text = _text(data, "deadline", 40, _("The deadline"))
    if not text:
        return None
    try:
        if len(text) == 10:
            moment = datetime.combine(date.fromisoformat(text), time(23, 59, 59), tzinfo=UTC)
        else:
            moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
            moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    except ValueError:
        raise ListingError(_("The deadline must be a date like 2027-03-31")) from None
    if moment <= now:
        raise ListingError(_("The deadline is in the past: choose a later date"))
    if moment > now + MAX_DEADLINE:
        raise ListingError(_("The deadline must be within a year"))
    return moment.astimezone(UTC)


def read_listing(data: Mapping[str, Any], *, description_chars: int, now: datetime) -> ListingInput:
    """Read and check a listing's fields; a `ListingError` says what to fix."""
    title = _text(data, "title", 200, _("The title"))
    if not title:
        raise ListingError(_("A listing needs a title"))
    description = _text(data, "description", description_chars, _("The description"))
    if not description:
        raise ListingError(_("A listing needs a description of the work"))
    out = ListingInput(title=title, description_source=description)
    out.organisation_name = _text(data, "organisation_name", 200, _("The organisation's name"))
    url = _text(data, "organisation_url", 2048, _("The organisation's link"))
    out.organisation_url = _web_url(url, _("The organisation's link")) if url else ""
    out.kind = _choice(data, "kind", ListingKind, ListingKind.FREELANCE.value, _("The kind"))
    out.location_mode = _choice(data, "location_mode", LocationMode, LocationMode.REMOTE.value,
                                _("Where"))
    out.city = _text(data, "city", 120, _("The city"))
    out.country = _text(data, "country", 120, _("The country"))
    out.time_zones = _text(data, "time_zones", 200, _("The time zones"))
    if out.location_mode != LocationMode.REMOTE and not (out.city or out.country):
        raise ListingError(_("On-site and hybrid work needs a city or a country"))
    _read_pay(data, out)
    out.skills = _tags(data, "skills", _("Skills"))
    out.mediums = _tags(data, "mediums", _("Mediums"))
    out.deadline = _deadline(data, now)
    out.apply_via = _choice(data, "apply_via", ApplyVia, ApplyVia.IMPASTO.value, _("How to apply"))
    target = _text(data, "apply_target", 2048, _("Where to apply"))
    if out.apply_via == ApplyVia.URL:
        out.apply_target = _web_url(target, _("The application link"))
    elif out.apply_via == ApplyVia.EMAIL:
        if not _EMAIL.match(target):
            raise ListingError(_("The application email address does not look like one"))
        out.apply_target = target
    out.no_ai_work = _flag(data, "no_ai_work")
    out.no_ai_training = _flag(data, "no_ai_training")
    return out


def _read_pay(data: Mapping[str, Any], out: ListingInput) -> None:
    """Pay is required: a range (or one figure), a currency and a period, or an explicit
    'pay on request' (then any figures sent are dropped, so the board never shows both)."""
    out.pay_on_request = _flag(data, "pay_on_request")
    if out.pay_on_request:
        return
    out.pay_min = _amount(data, "pay_min", _("The lowest pay"))
    out.pay_max = _amount(data, "pay_max", _("The highest pay"))
    if out.pay_min is None and out.pay_max is None:
        raise ListingError(_("Say what the work pays (a figure or a range), or tick 'pay on request'"))
    if out.pay_min is None:
        out.pay_min = out.pay_max
    if out.pay_max is not None and out.pay_min is not None and out.pay_max < out.pay_min:
        raise ListingError(_("The highest pay is below the lowest"))
    currency = _text(data, "pay_currency", 3, _("The currency")).upper()
    if not _CURRENCY.match(currency):
        raise ListingError(_("The currency must be a three-letter code like EUR or USD"))
    out.pay_currency = currency
    out.pay_period = _choice(data, "pay_period", PayPeriod, "", _("The pay period")) \
        if data.get("pay_period") else ""
    if not out.pay_period:
        raise ListingError(_("Say what the pay is per: hour, day, project or year"))
