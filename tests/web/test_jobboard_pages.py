"""The job board's pages over real HTTP against a running server, on SQLite and
PostgreSQL: posting (and every refusal a clear 4xx with nothing stored), the board's
filters and Atom feed, the listing page's facts and JobPosting JSON-LD, applying with
works, the poster's marks and reply, saved listings, availability, and ending a listing."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from mastodon import Mastodon

from tests.client_api.conftest import PASSWORD, instance, register_app
from tests.web.test_auth_pages import csrf, login

pytestmark = pytest.mark.slow
ATOM = "{http://www.w3.org/2005/Atom}"


def listing_form(token: str, **changes: str) -> dict[str, str]:
    deadline = (datetime.now(UTC) + timedelta(days=20)).date().isoformat()
    form = {"csrf_token": token, "title": "Picture book covers", "action": "publish",
            "description": "Twelve watercolour spreads for a picture book.",
            "organisation_name": "Lantern Press", "organisation_url": "https://lantern.example",
            "kind": "commission", "location_mode": "remote", "time_zones": "UTC-1 to UTC+3",
            "pay_min": "2000", "pay_max": "3500", "pay_currency": "EUR",
            "pay_period": "project", "skills": "illustration", "mediums": "watercolour",
            "deadline": deadline, "apply_via": "impasto", "no_ai_work": "on",
            "no_ai_training": "on"}
    form.update(changes)
    return form


def listing_id(response: httpx.Response) -> int:
    assert response.status_code == 302, response.text
    return int(re.search(r"/jobs/(\d+)$", response.headers["location"]).group(1))


def works_of(inst, name: str, titles: list[str]) -> list[str]:
    """Publish text works for `name` through the client API; their ids."""
    client_id, secret = register_app(inst.url)
    api = Mastodon(client_id=client_id, client_secret=secret, api_base_url=inst.url)
    api.log_in(name, PASSWORD, allow_http=True)
    return [str(api.status_post(title)["id"]) for title in titles]


def test_post_filter_apply_shortlist_and_close(make_database, tmp_path):
    with instance(make_database("jobs"), tmp_path, API_PASSWORD_GRANT="true") as inst:
        for name in ("studio", "ines", "otto"):
            inst.user(name)
        studio, ines, otto = (httpx.Client(base_url=inst.url) for _ in range(3))
        for client, name in ((studio, "studio"), (ines, "ines"), (otto, "otto")):
            assert login(client, name).status_code == 302

        # refusals: each a 422 naming the problem, and nothing stored
        token = csrf(studio, "/jobs/new")
        for changes, message in (
            ({"pay_min": "", "pay_max": ""}, "tick &#39;pay on request&#39;"),
            ({"deadline": "2020-01-01"}, "The deadline is in the past"),
            ({"description": "x" * 20001}, "longer than 20000 characters"),
            ({"pay_min": "lots"}, "must be a whole number"),
        ):
            refused = studio.post("/jobs/new", data=listing_form(token, **changes))
            assert refused.status_code == 422, changes
            assert message in refused.text, refused.text
            assert 'value="Lantern Press"' in refused.text  # the form keeps what was typed
        assert "You have not posted a listing yet" in studio.get("/jobs/posted").text
        assert studio.post("/jobs/new", data=listing_form("forged")).status_code == 400

        covers = listing_id(studio.post("/jobs/new", data=listing_form(token)))
        mural = listing_id(studio.post("/jobs/new", data=listing_form(
            token, title="Cafe mural", kind="contract", location_mode="on-site", city="Lyon",
            country="France", pay_min="", pay_max="", pay_on_request="on", no_ai_work="",
            no_ai_training="", mediums="acrylic", description="A wall in a cafe.")))
        draft = listing_id(studio.post("/jobs/new", data=listing_form(
            token, title="Secret draft", action="draft")))

        # editing keeps what is not changed; a draft published from its edit form opens
        edit = studio.get(f"/jobs/{draft}/edit").text
        assert 'value="illustration"' in edit and 'value="2000"' in edit
        assert otto.get(f"/jobs/{draft}/edit").status_code == 404
        token = csrf(studio, f"/jobs/{draft}/edit")
        assert studio.post(f"/jobs/{draft}/edit", data=listing_form(
            token, title="Secret draft", action="draft", pay_currency="E")).status_code == 422
        assert studio.post(f"/jobs/{draft}/edit", data=listing_form(
            token, title="Still a draft", action="draft")).status_code == 302
        assert "Still a draft" in studio.get(f"/jobs/{draft}").text

        # the listing page: every fact, the promises, and JobPosting JSON-LD
        anonymous = httpx.Client(base_url=inst.url)
        page = anonymous.get(f"/jobs/{covers}")
        assert page.status_code == 200
        for text in ("Picture book covers", "2,000–3,500 EUR per project", "Lantern Press",
                     "Remote (UTC-1 to UTC+3)", "Commission", "No AI-generated work wanted",
                     "Applicants' work will not train AI", "Log in to apply"):
            assert text in page.text, text
        assert re.search(r"Closes in 2[01] days", page.text)
        ld = json.loads(re.search(r'<script type="application/ld\+json">(.*?)</script>',
                                  page.text, re.S).group(1))
        assert ld["@type"] == "JobPosting" and ld["title"] == "Picture book covers"
        assert ld["baseSalary"] == {"@type": "MonetaryAmount", "currency": "EUR", "value": {
            "@type": "QuantitativeValue", "minValue": 2000, "maxValue": 3500,
            "unitText": "PROJECT"}}
        assert ld["jobLocationType"] == "TELECOMMUTE" and ld["employmentType"] == "CONTRACTOR"
        assert ld["hiringOrganization"]["name"] == "Lantern Press"
        assert "Pay on request" in anonymous.get(f"/jobs/{mural}").text
        assert anonymous.get(f"/jobs/{draft}").status_code == 404
        huge = "9" * 20  # beyond BIGINT: not found, never a database error
        for path in (f"/jobs/{huge}", f"/jobs/{huge}/apply", f"/jobs/{huge}/edit",
                     f"/jobs/{huge}/applications"):
            assert studio.get(path).status_code == 404, path
        assert studio.post(f"/jobs/applications/{huge}/mark", data={
            "csrf_token": token, "state": "declined"}).status_code == 404
        assert studio.get(f"/jobs/{draft}").status_code == 200

        # the board, its filters and the filtered Atom feed
        def titles(query: str) -> list[str]:
            return re.findall(r'id="listing-\d+-title"><a href="[^"]+">([^<]+)</a>',
                              anonymous.get("/jobs" + query).text)

        assert titles("") == ["Cafe mural", "Picture book covers"]
        assert titles("?kind=commission") == ["Picture book covers"]
        assert titles("?where=on-site&location=lyon") == ["Cafe mural"]
        assert titles("?min_pay=3000") == ["Picture book covers"]
        assert titles("?no_ai_work=1&no_ai_training=1") == ["Picture book covers"]
        assert titles("?tag=acrylic") == ["Cafe mural"]
        assert titles("?q=spreads") == ["Picture book covers"]
        assert titles("?kind=bogus&page=zz") == ["Cafe mural", "Picture book covers"]
        feed = anonymous.get("/jobs/feed.atom?kind=contract")
        assert feed.headers["content-type"].startswith("application/atom+xml")
        entries = ET.fromstring(feed.content).findall(f"{ATOM}entry")
        assert [e.find(f"{ATOM}title").text for e in entries] == ["Cafe mural · Pay on request"]
        assert "Open listings" in anonymous.get("/@studio").text

        # applying with two works; bad picks refused with nothing stored
        picks = works_of(inst, "ines", ["Harbour study", "Fox sketch"])
        (stranger_work,) = works_of(inst, "otto", ["Otto's own"])
        form_page = ines.get(f"/jobs/{covers}/apply")
        assert "Harbour study" in form_page.text and "Otto&#39;s own" not in form_page.text
        token = csrf(ines, f"/jobs/{covers}/apply")
        wrong = ines.post(f"/jobs/{covers}/apply", data={
            "csrf_token": token, "message": "Hello", "work_ids": [picks[0], stranger_work]})
        assert wrong.status_code == 422 and "your own published works" in wrong.text
        assert "You have not applied" in ines.get("/jobs/applications").text
        sent = ines.post(f"/jobs/{covers}/apply", data={
            "csrf_token": token, "message": "I paint picture books.", "work_ids": picks,
            "contact": "ines@example.org"})
        assert sent.status_code == 302
        again = ines.post(f"/jobs/{covers}/apply", data={"csrf_token": token, "message": "x"})
        assert again.status_code == 409 and "already applied" in again.text

        # the poster's view: applicant, picked works inline, a mark and a reply
        assert otto.get(f"/jobs/{covers}/applications").status_code == 404
        applications = studio.get(f"/jobs/{covers}/applications")
        assert applications.status_code == 200
        for text in ("@ines", "I paint picture books.", "Harbour study", "Fox sketch",
                     "ines@example.org"):
            assert text in applications.text, text
        application = re.search(r'id="application-(\d+)"', applications.text).group(1)
        token = csrf(studio, f"/jobs/{covers}/applications")
        assert studio.post(f"/jobs/applications/{application}/mark",
                           data={"csrf_token": token, "state": "hired"}).status_code == 422
        assert otto.post(f"/jobs/applications/{application}/mark", data={
            "csrf_token": csrf(otto, "/jobs"), "state": "declined"}).status_code == 404
        assert studio.post(f"/jobs/applications/{application}/mark",
                           data={"csrf_token": token, "state": "shortlisted"}).status_code == 302
        assert studio.post(f"/jobs/applications/{application}/reply", data={
            "csrf_token": token, "reply": "Could you start in May?"}).status_code == 302
        mine = ines.get("/jobs/applications").text
        assert "shortlisted" in mine and "Could you start in May?" in mine

        # saved listings, availability on the portfolio
        token = csrf(ines, "/jobs")
        assert ines.post(f"/jobs/{mural}/save", data={
            "csrf_token": token, "next": "https://evil.example/"}).headers["location"] == \
            f"/jobs/{mural}"
        assert "Cafe mural" in ines.get("/jobs/saved").text
        bad = ines.post("/jobs/availability", data={
            "csrf_token": token, "status": "commissions", "price_min": "500", "price_max": "50",
            "currency": "EUR"})
        assert bad.status_code == 422 and "below the lowest" in bad.text
        assert ines.post("/jobs/availability", data={
            "csrf_token": token, "status": "commissions", "kinds": ["commission"],
            "price_min": "80", "price_max": "400", "currency": "eur"}).status_code == 302
        portfolio = anonymous.get("/@ines").text
        assert "Open for commissions" in portfolio and "80–400 EUR" in portfolio

        # ending a listing: off the board, readable, no more applications
        token = csrf(studio, f"/jobs/{covers}")
        assert studio.post(f"/jobs/{covers}/end",
                           data={"csrf_token": token, "state": "filled"}).status_code == 302
        assert titles("") == ["Cafe mural"]
        ended = anonymous.get(f"/jobs/{covers}").text
        assert "This listing is <strong>filled</strong>" in ended and "ld+json" not in ended
        assert otto.get(f"/jobs/{covers}/apply").status_code == 409  # no form to fill
        late = otto.post(f"/jobs/{covers}/apply", data={
            "csrf_token": csrf(otto, "/jobs"), "message": "Late"})
        assert late.status_code == 409 and "filled" in late.text


def test_explore_filters_by_availability_and_search_shows_the_badge(make_database, tmp_path):
    with instance(make_database("avail"), tmp_path, API_PASSWORD_GRANT="true") as inst:
        for name in ("ines", "otto", "pia"):
            inst.user(name)
        for name in ("ines", "otto", "pia"):
            works_of(inst, name, [f"A study by {name}"])
        for name, status in (("ines", "commissions"), ("otto", "work")):
            with httpx.Client(base_url=inst.url) as artist:
                assert login(artist, name).status_code == 302
                assert artist.post("/jobs/availability", data={
                    "csrf_token": csrf(artist, "/jobs"), "status": status}).status_code == 302
        anyone = httpx.Client(base_url=inst.url)

        def shown(query: str) -> set[str]:
            """Whose works the explore page shows (each card links to /@artist/id)."""
            page = anyone.get("/" + query)
            assert page.status_code == 200
            return set(re.findall(r'href="/@(\w+)/\d+"', page.text))

        assert shown("") == {"ines", "otto", "pia"}
        assert shown("?available=commissions") == {"ines"}
        assert shown("?available=work") == {"otto"}
        assert shown("?available=bogus") == shown("")  # unknown: no narrowing, no error
        explore = anyone.get("/?available=work").text
        assert '<option value="work" selected>Open to work</option>' in explore
        assert "Clear filters" in explore

        found = anyone.get("/search", params={"q": "ines"}).text
        assert "Open for commissions" in found
        assert "Open to work" not in found.split("<h2>Works</h2>")[0]
        assert "Open to work</span>" in anyone.get("/search", params={"q": "otto"}).text
        assert "availability-" not in anyone.get("/search", params={"q": "pia"}).text.split(
            "<h2>Works</h2>")[0]

        with httpx.Client(base_url=inst.url) as otto:  # nobody open to work: said plainly
            assert login(otto, "otto").status_code == 302
            assert otto.post("/jobs/availability", data={
                "csrf_token": csrf(otto, "/jobs"), "status": "unavailable"}).status_code == 302
        assert shown("?available=work") == set()
        assert "No works match these filters." in anyone.get("/?available=work").text
        assert "Not available</span>" in anyone.get("/search", params={"q": "otto"}).text
