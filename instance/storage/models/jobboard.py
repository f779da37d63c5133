"""The job board: listings posted by studios and artists, applications to them, saved
listings and an artist's availability. Not to be confused with `Job`, the background
queue (instance.storage.models.jobs). A listing from another server is stored here too
(`local` false, its `ap_id`), its poster being the remote actor's Account row."""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import TYPE_CHECKING

from tortoise import fields, models

if TYPE_CHECKING:
    from instance.storage.models.accounts import Account


class ListingKind(StrEnum):
    """JobListing.kind: what sort of work is offered."""

    FULL_TIME = "full-time"
    PART_TIME = "part-time"
    CONTRACT = "contract"
    FREELANCE = "freelance"
    COMMISSION = "commission"
    INTERNSHIP = "internship"


class LocationMode(StrEnum):
    """JobListing.location_mode: where the work is done."""

    ON_SITE = "on-site"
    HYBRID = "hybrid"
    REMOTE = "remote"


class PayPeriod(StrEnum):
    """JobListing.pay_period: what the pay figures are per."""

    HOUR = "hour"
    DAY = "day"
    PROJECT = "project"
    YEAR = "year"


class ApplyVia(StrEnum):
    """JobListing.apply_via: through Impasto's form, or an outside URL or email address."""

    IMPASTO = "impasto"
    URL = "url"
    EMAIL = "email"


class ListingState(StrEnum):
    """JobListing.state: a DRAFT is seen only by its poster. OPEN listings are on the board
    and take applications. CLOSED (by the poster), FILLED (someone was hired) and EXPIRED
    (the deadline passed) stay readable but take no applications. REMOVED is a moderator's
    removal (or a remote Delete), kept as a tombstone for its id."""

    DRAFT = "draft"
    OPEN = "open"
    CLOSED = "closed"
    FILLED = "filled"
    EXPIRED = "expired"
    REMOVED = "removed"


# The declared moves (instance.storage.models.states): the poster opens a draft
# (instance.jobboard.listings.open_listing), closes or fills an open one, the periodic
# expiry job expires an open one past its deadline; removal is from any state and final.
LISTING_TRANSITIONS: Mapping[ListingState, frozenset[ListingState]] = {
    ListingState.DRAFT: frozenset({ListingState.OPEN, ListingState.REMOVED}),
    ListingState.OPEN: frozenset({ListingState.CLOSED, ListingState.FILLED,
                                  ListingState.EXPIRED, ListingState.REMOVED}),
    ListingState.CLOSED: frozenset({ListingState.REMOVED}),
    ListingState.FILLED: frozenset({ListingState.REMOVED}),
    ListingState.EXPIRED: frozenset({ListingState.REMOVED}),
    ListingState.REMOVED: frozenset(),
}


class ApplicationState(StrEnum):
    """JobApplication.state: the poster's mark. NEW until they look at it, then
    SHORTLISTED or DECLINED (and back, a poster may change their mind)."""

    NEW = "new"
    SHORTLISTED = "shortlisted"
    DECLINED = "declined"


APPLICATION_TRANSITIONS: Mapping[ApplicationState, frozenset[ApplicationState]] = {
    ApplicationState.NEW: frozenset({ApplicationState.SHORTLISTED, ApplicationState.DECLINED}),
    ApplicationState.SHORTLISTED: frozenset({ApplicationState.NEW, ApplicationState.DECLINED}),
    ApplicationState.DECLINED: frozenset({ApplicationState.NEW, ApplicationState.SHORTLISTED}),
}


class AvailabilityStatus(StrEnum):
    """ArtistAvailability.status: what an artist's portfolio badge says."""

    OPEN_FOR_COMMISSIONS = "commissions"
    OPEN_TO_WORK = "work"
    NOT_AVAILABLE = "unavailable"


class JobListing(models.Model):
    """A paid piece of work offered on the board. Pay is whole units of `pay_currency`
    per `pay_period`, or `pay_on_request`. `tags_index` is the skills and mediums,
    lower-cased, as ",a,b," so one LIKE filters them on every engine."""

    id = fields.BigIntField(primary_key=True)
    ap_id = fields.CharField(max_length=2048, null=True, unique=True)  # set for every listing once stored
    url = fields.CharField(max_length=2048, null=True)
    local = fields.BooleanField(default=True, db_index=True)
    poster: fields.ForeignKeyRelation[Account] = fields.ForeignKeyField(
        "models.Account", related_name="job_listings", on_delete=fields.CASCADE
    )
    poster_id: int
    title = fields.CharField(max_length=200)
    organisation_name = fields.CharField(max_length=200, default="")
    organisation_url = fields.CharField(max_length=2048, default="")
    description = fields.TextField(default="")  # sanitised HTML
    description_source = fields.TextField(default="")  # what the poster typed
    kind = fields.CharField(max_length=16, default=ListingKind.FREELANCE.value)
    location_mode = fields.CharField(max_length=16, default=LocationMode.REMOTE.value)
    city = fields.CharField(max_length=120, default="")
    country = fields.CharField(max_length=120, default="")
    time_zones = fields.CharField(max_length=200, default="")
    pay_min = fields.BigIntField(null=True)
    pay_max = fields.BigIntField(null=True)
    pay_currency = fields.CharField(max_length=3, default="")
    pay_period = fields.CharField(max_length=16, default="")
    pay_on_request = fields.BooleanField(default=False)
    skills: fields.JSONField[list[str]] = fields.JSONField(default=list)
    mediums: fields.JSONField[list[str]] = fields.JSONField(default=list)
    tags_index = fields.TextField(default="")
    deadline = fields.DatetimeField(null=True)
    apply_via = fields.CharField(max_length=16, default=ApplyVia.IMPASTO.value)
    apply_target = fields.CharField(max_length=2048, default="")  # the URL or email address
    no_ai_work = fields.BooleanField(default=False)  # "no AI-generated work wanted"
    no_ai_training = fields.BooleanField(default=False)  # "applications will not train AI"
    state = fields.CharField(max_length=16, default=ListingState.DRAFT.value, db_index=True)
    state_reason = fields.TextField(default="")
    held = fields.BooleanField(default=False)  # a remote listing waiting for approval
    applications_count = fields.IntField(default=0)
    published_at = fields.DatetimeField(null=True, db_index=True)  # when it first opened
    edited_at = fields.DatetimeField(null=True)
    closed_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "job_listings"
        indexes = (("state", "published_at"), ("poster_id", "state"))


class JobApplication(models.Model):
    """An artist's application to a listing: a message, up to a few chosen works (ids of
    `Work` rows) and a contact. Private to the applicant, the poster and moderators.
    A federated one keeps the AP id of the reply that carried it and its links."""

    id = fields.BigIntField(primary_key=True)
    ap_id = fields.CharField(max_length=2048, null=True, unique=True)
    listing: fields.ForeignKeyRelation[JobListing] = fields.ForeignKeyField(
        "models.JobListing", related_name="applications", on_delete=fields.CASCADE
    )
    listing_id: int
    applicant: fields.ForeignKeyRelation[Account] = fields.ForeignKeyField(
        "models.Account", related_name="job_applications", on_delete=fields.CASCADE
    )
    applicant_id: int
    message = fields.TextField(default="")  # sanitised HTML
    work_ids: fields.JSONField[list[int]] = fields.JSONField(default=list)
    links: fields.JSONField[list[str]] = fields.JSONField(default=list)  # remote works' URLs
    contact = fields.CharField(max_length=320, default="")
    state = fields.CharField(max_length=16, default=ApplicationState.NEW.value)
    reply = fields.TextField(default="")  # the poster's reply, plain text
    replied_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "job_applications"
        unique_together = (("listing", "applicant"),)
        indexes = (("applicant_id", "created_at"),)


class SavedListing(models.Model):
    """A listing an artist keeps for later."""

    id = fields.BigIntField(primary_key=True)
    account: fields.ForeignKeyRelation[Account] = fields.ForeignKeyField(
        "models.Account", related_name="saved_listings", on_delete=fields.CASCADE
    )
    account_id: int
    listing: fields.ForeignKeyRelation[JobListing] = fields.ForeignKeyField(
        "models.JobListing", related_name="saved_by", on_delete=fields.CASCADE
    )
    listing_id: int
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "saved_listings"
        unique_together = (("account", "listing"),)


class ArtistAvailability(models.Model):
    """Whether an artist takes work now, which kinds, and a price range in whole units.
    No row means nothing said (no badge)."""

    id = fields.BigIntField(primary_key=True)
    account: fields.OneToOneRelation[Account] = fields.OneToOneField(
        "models.Account", related_name="availability", on_delete=fields.CASCADE
    )
    account_id: int
    status = fields.CharField(max_length=16, default=AvailabilityStatus.NOT_AVAILABLE.value,
                              db_index=True)
    kinds: fields.JSONField[list[str]] = fields.JSONField(default=list)
    price_min = fields.BigIntField(null=True)
    price_max = fields.BigIntField(null=True)
    currency = fields.CharField(max_length=3, default="")
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "artist_availability"
