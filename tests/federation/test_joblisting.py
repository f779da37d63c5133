"""Job listings and applications as ActivityPub: every field survives the round trip
(plain JSON and through pyld with the bundled contexts), the content reads as a post,
and malformed remote listings are refused with a reason, never a crash."""

from __future__ import annotations

import copy
from datetime import UTC, datetime

import pytest

from federation import jsonld
from federation.documents import with_context
from federation.jobapplication import (
    ApplicationRejected,
    application_to_note,
    parse_application,
)
from federation.joblisting import (
    APPLY_VIA,
    AVAILABILITY_LABELS,
    KINDS,
    LOCATION_MODES,
    PAY_PERIODS,
    ListingDoc,
    ListingRejected,
    is_listing,
    listing_to_note,
    parse_listing,
)
from federation.vocab import PUBLIC
from instance.storage.models.jobboard import (
    ApplyVia,
    AvailabilityStatus,
    ListingKind,
    LocationMode,
    PayPeriod,
)

POSTER = "https://a.example/users/studio"
SDO = "http://schema.org/"


def full_listing(**changes) -> ListingDoc:
    doc = ListingDoc(
        title="Background painter for an animated short",
        description="<p>Twelve <em>painted</em> backgrounds in gouache.</p>",
        organisation_name="Heron Studio", organisation_url="https://heron.example/",
        kind="contract", location_mode="hybrid", city="Lyon", country="France",
        time_zones="UTC+1 ± 3h", pay_min=300, pay_max=450, pay_currency="EUR",
        pay_period="day", pay_on_request=False, skills=["background painting", "layout"],
        mediums=["gouache", "digital"], deadline=datetime(2027, 3, 31, 23, 59, 59, tzinfo=UTC),
        apply_via="impasto", apply_target="", no_ai_work=True, no_ai_training=True,
        state="open", ap_id=f"{POSTER}/listings/7", attributed_to=POSTER,
        url="https://a.example/jobs/7", published=datetime(2026, 12, 1, 9, 30, tzinfo=UTC),
        updated=datetime(2026, 12, 2, 10, 0, tzinfo=UTC))
    for name, value in changes.items():
        setattr(doc, name, value)
    return doc


def note_of(doc: ListingDoc) -> dict:
    return listing_to_note(doc, followers_url=f"{POSTER}/followers",
                           tag_url="https://a.example/jobs?tag=")


def test_enums_match_the_models():
    assert KINDS == tuple(k.value for k in ListingKind)
    assert LOCATION_MODES == tuple(m.value for m in LocationMode)
    assert PAY_PERIODS == tuple(p.value for p in PayPeriod)
    assert APPLY_VIA == tuple(a.value for a in ApplyVia)
    assert tuple(AVAILABILITY_LABELS) == tuple(s.value for s in AvailabilityStatus)


@pytest.mark.parametrize("changes", [
    {},
    {"pay_on_request": True, "pay_min": None, "pay_max": None, "pay_currency": "",
     "pay_period": ""},
    {"location_mode": "remote", "city": "", "country": "", "time_zones": "UTC-5 to UTC+1"},
    {"location_mode": "on-site", "city": "", "country": "Japan", "kind": "full-time"},
    {"kind": "commission", "pay_max": 300, "pay_period": "project", "state": "filled",
     "deadline": None, "skills": [], "mediums": [], "no_ai_work": False},
    {"apply_via": "url", "apply_target": "https://heron.example/apply", "state": "closed"},
    {"apply_via": "email", "apply_target": "jobs@heron.example", "kind": "freelance",
     "organisation_name": "", "organisation_url": ""},
])
def test_every_field_round_trips(changes):
    doc = full_listing(**changes)
    note = note_of(doc)
    assert parse_listing(copy.deepcopy(note)) == doc
    # through pyld with the bundled contexts (what a strict JSON-LD peer does)
    assert parse_listing(jsonld.normalize(with_context(note), force_pyld=True)) == doc
    # and on the fast path, as another Impasto reads it
    assert jsonld.is_plain_as2(with_context(note))


def test_the_note_reads_as_a_post_and_maps_to_schema_org():
    note = note_of(full_listing())
    assert note["type"] == "Note" and note["name"] == note["title"]
    assert note["to"] == [PUBLIC] and note["cc"] == [f"{POSTER}/followers"]
    content = note["content"]
    for text in ("Background painter for an animated short", "Heron Studio", "Contract",
                 "300–450 EUR per day", "Hybrid in Lyon, France", "Apply by 31 March 2027",
                 "No AI-generated work wanted", 'href="https://a.example/jobs/7"',
                 "<em>painted</em>"):
        assert text in content
    assert {t["name"] for t in note["tag"]} == {"#backgroundpainting", "#layout", "#gouache",
                                                "#digital"}
    expanded = jsonld.expand(with_context(note))[0]
    salary = expanded[SDO + "baseSalary"][0]
    assert salary["@type"] == [SDO + "MonetaryAmount"]
    assert salary[SDO + "currency"] == [{"@value": "EUR"}]
    assert expanded[SDO + "employmentType"] == [{"@value": "CONTRACTOR"}]
    assert expanded[SDO + "validThrough"][0]["@value"] == "2027-03-31T23:59:59Z"
    assert expanded[SDO + "hiringOrganization"][0][
        "https://www.w3.org/ns/activitystreams#name"] == [{"@value": "Heron Studio"}]
    assert {v["@value"] for v in expanded[SDO + "skills"]} == {"background painting", "layout"}
    assert expanded[jsonld.IMPASTO_NS + "noAiTraining"][0]["@value"] is True
    remote = note_of(full_listing(location_mode="remote", city="", country=""))
    assert remote["jobLocationType"] == "TELECOMMUTE" and "jobLocation" not in remote


def test_closed_listing_says_so():
    content = note_of(full_listing(state="closed"))["content"]
    assert "This listing is closed." in content and "Apply by" not in content
    assert "Pay on request" in note_of(full_listing(pay_on_request=True, pay_min=None,
                                                    pay_max=None))["content"]


def test_a_third_party_job_posting_is_read_with_schema_defaults():
    obj = {"id": "https://c.example/jobs/1", "type": "Note", "attributedTo": "https://c.example/u",
           "name": "Mural", "title": "Mural", "employmentType": "FULL_TIME",
           "jobLocationType": "TELECOMMUTE",
           "baseSalary": {"type": "MonetaryAmount", "currency": "usd",
                          "value": {"type": "QuantitativeValue", "maxValue": 5000,
                                    "unitText": "YEAR"}}}
    doc = parse_listing(obj)
    assert (doc.kind, doc.location_mode, doc.pay_min, doc.pay_max, doc.pay_currency,
            doc.pay_period) == ("full-time", "remote", 5000, 5000, "USD", "year")
    assert not is_listing({"type": "Note", "content": "hello"})


def _broken(path: str, value) -> dict:
    note = note_of(full_listing())
    target = note
    *parents, last = path.split(".")
    for name in parents:
        target = target[name]
    if value is KeyError:
        del target[last]
    else:
        target[last] = value
    return note


@pytest.mark.parametrize(("path", "value", "reason"), [
    ("id", KeyError, "needs an id"),
    ("attributedTo", 42, "needs an id"),
    ("title", "x" * 201, "title is longer"),
    ("title", ["a", "b"], "title is not text"),
    ("description", "x" * 20001, "description is longer"),
    ("jobKind", "gig", "jobKind 'gig' is not one of"),
    ("locationMode", "moon", "locationMode 'moon'"),
    ("baseSalary", KeyError, "no pay and not 'pay on request'"),
    ("baseSalary.value.minValue", -5, "minValue is out of range"),
    ("baseSalary.value.minValue", "300", "minValue is not a whole number"),
    ("baseSalary.value.maxValue", 10, "maxValue is below minValue"),
    ("baseSalary.value.maxValue", 10**13, "maxValue is out of range"),
    ("baseSalary.currency", "eu1", "currency is not a three-letter code"),
    ("baseSalary.value.unitText", "FORTNIGHT", "unitText 'fortnight'"),
    ("baseSalary", "lots", "baseSalary is not an object"),
    ("payOnRequest", "yes", "payOnRequest is not true or false"),
    ("skills", ["x" * 51], "skills: an entry is not a short word"),
    ("mediums", [f"m{i}" for i in range(21)], "mediums: more than 20"),
    ("validThrough", "next week", "validThrough is not a date-time"),
    ("listingState", "removed", "listingState 'removed'"),
    ("applyVia", "url", "applyTarget is not a web address"),
    ("hiringOrganization.url", "javascript:alert(1)", "hiringOrganization.url is not a web"),
    ("jobLocation", [{}, {}], "jobLocation is not one object"),
    ("jobLocation.address.addressLocality", KeyError, None),  # still has a country
])
def test_malformed_listings_are_refused_with_a_reason(path, value, reason):
    note = _broken(path, value)
    if reason is None:
        assert parse_listing(note).city == ""
        return
    with pytest.raises(ListingRejected, match=reason.replace("(", r"\(")):
        parse_listing(note)


def test_on_site_without_a_place_is_refused():
    note = note_of(full_listing(location_mode="on-site", city="", country=""))
    with pytest.raises(ListingRejected, match="no city or country"):
        parse_listing(note)
    with pytest.raises(ListingRejected, match="description is longer than 20 "):
        parse_listing(note_of(full_listing()), description_chars=20)


def test_application_round_trip_and_refusals():
    note = application_to_note(
        ident="https://b.example/users/ines/applications/3",
        applicant_id="https://b.example/users/ines", poster_id=POSTER,
        poster_handle="@studio@a.example", listing_id=f"{POSTER}/listings/7",
        listing_title="Background <painter>", message_html="<p>I paint skies.</p>",
        works=[("https://b.example/@ines/1", "Sky"), ("https://b.example/@ines/2", "")],
        contact="ines@b.example", published=datetime(2026, 12, 3, tzinfo=UTC))
    assert note["to"] == [POSTER] and note["inReplyTo"] == f"{POSTER}/listings/7"
    assert "Background &lt;painter&gt;" in note["content"]
    assert 'href="https://b.example/@ines/1"' in note["content"]
    doc = parse_application(jsonld.normalize(with_context(note), force_pyld=True))
    assert doc.listing == f"{POSTER}/listings/7" and doc.author.endswith("/ines")
    assert doc.links == ["https://b.example/@ines/1", "https://b.example/@ines/2"]
    assert "I paint skies." in doc.message

    mastodon_reply = {"id": "https://m.example/statuses/1", "type": "Note",
                      "attributedTo": "https://m.example/users/kim", "inReplyTo": note["inReplyTo"],
                      "to": [POSTER], "content": "<p>Hi! Portfolio attached.</p>",
                      "attachment": [{"type": "Document", "mediaType": "image/png",
                                      "url": "https://m.example/files/a.png"},
                                     {"type": "Document", "url": "ftp://m.example/x"}]}
    assert parse_application(mastodon_reply).links == ["https://m.example/files/a.png"]
    for changes, reason in (({"to": [PUBLIC]}, "public reply"),
                            ({"to": [], "cc": []}, "addressed to nobody"),
                            ({"content": ""}, "no message"),
                            ({"content": "x" * 20001}, "longer than"),
                            ({"inReplyTo": None}, "needs an id")):
        with pytest.raises(ApplicationRejected, match=reason):
            parse_application({**mastodon_reply, **changes})
