"""Filters (v2) with mastodon-py against a real server, on SQLite and PostgreSQL: keywords
(whole word or not), statuses, contexts, warn and hide applied server-side to home,
public, tag, list and notifications, `filtered` on the Status entity, keyword editing,
and bad input (10,000 keywords, unknown context or action) refused with nothing stored."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from mastodon import MastodonNotFoundError

from tests.client_api.conftest import instance
from tests.client_api.test_flow import people

pytestmark = pytest.mark.slow


@contextmanager
def reader_and_author(database_url: str, folder):
    """A server where ines follows omar (the worker run by the test)."""
    with instance(database_url, folder, API_PASSWORD_GRANT="true",
                  SERVER_RUN_WORKER="false", CLOAK_ENABLED="false") as inst:
        (ines, omar), (_, omar_id) = people(inst, "ines", "omar")
        ines.account_follow(omar_id)
        inst.work()
        yield inst, ines, omar


def by_id(statuses) -> dict[int, object]:
    return {int(s.id): s for s in statuses}


def test_filters_warn_hide_and_bad_input(make_database, tmp_path):
    with reader_and_author(make_database("filters"), tmp_path) as (inst, ines, omar):
        cat = omar.status_post("A study of a Cat, #sketch")
        catalogue = omar.status_post("Catalogue of prints")
        beach = omar.status_post("Dogs at the beach")
        mention = omar.status_post("@ines a cat for you")
        inst.work()

        # warn: the status stays, with what matched
        cats = ines.create_filter_v2("Cats", ["home", "public"], "warn",
                                     keywords_attributes=[{"keyword": "cat", "whole_word": True}])
        assert cats.context == ["home", "public"] and cats.filter_action == "warn"
        assert [k.keyword for k in cats.keywords] == ["cat"] and cats.keywords[0].whole_word
        home = by_id(ines.timeline_home())
        result = home[int(cat.id)].filtered
        assert len(result) == 1 and result[0].filter.id == cats.id
        assert result[0].keyword_matches == ["cat"] and result[0].status_matches is None
        assert home[int(catalogue.id)].filtered == []  # a whole word only
        assert by_id(ines.timeline_public())[int(cat.id)].filtered[0].filter.title == "Cats"

        # hide: gone from home, public, tag and list timelines; not from the author's own view
        ines.update_filter_v2(cats, filter_action="hide")
        assert int(cat.id) not in by_id(ines.timeline_home())
        assert int(cat.id) not in by_id(ines.timeline_public())
        assert ines.timeline_hashtag("sketch") == []
        painters = ines.list_create("Painters")
        ines.list_accounts_add(painters, [omar.me().id])
        assert int(cat.id) not in by_id(ines.timeline_list(painters))
        assert int(catalogue.id) in by_id(ines.timeline_list(painters))
        assert int(cat.id) in by_id(omar.timeline_public())

        # not whole word: "cat" now matches "Catalogue" too
        ines.update_filter_v2(cats, keywords_attributes=[{"id": cats.keywords[0].id, "whole_word": False}])
        assert int(catalogue.id) not in by_id(ines.timeline_home())

        # a status filter, and the notifications context
        dogs = ines.create_filter_v2("This one", ["home", "notifications"], "hide")
        entry = ines.add_filter_status_v2(dogs, beach.id)
        assert entry.status_id == beach.id
        assert int(beach.id) not in by_id(ines.timeline_home())
        noted = [n.status.id for n in ines.notifications() if n.status]
        assert mention.id in noted
        ines.add_filter_keyword_v2(dogs, "cat")
        assert mention.id not in [n.status.id for n in ines.notifications() if n.status]
        assert [k.keyword for k in ines.filter_keywords_v2(dogs)] == ["cat"]
        ines.delete_filter_keyword_v2(ines.filter_keywords_v2(dogs)[0])
        assert mention.id in [n.status.id for n in ines.notifications() if n.status]

        # expiry
        brief = ines.create_filter_v2("Brief", ["thread"], "warn", expires_in=3600)
        assert datetime.now(UTC) < brief.expires_at < datetime.now(UTC) + timedelta(hours=2)

        # Bad input: a clear 4xx, and nothing stored.
        headers = {"Authorization": f"Bearer {ines.access_token}"}
        url = f"{inst.url}/api/v2/filters"
        before = ines.filters_v2()
        many = [{"keyword": f"w{n}"} for n in range(10_000)]
        for method, path, payload, code, message in (
            ("POST", "", {"title": "Too many", "context": ["home"], "keywords_attributes": many},
             422, "at most 100 keywords"),
            ("POST", "", {"title": " ", "context": ["home"]}, 422, "Title can't be blank"),
            ("POST", "", {"title": "x", "context": []}, 422, "Context can't be blank"),
            ("POST", "", {"title": "x", "context": ["everywhere"]}, 422, "is not one of"),
            ("POST", "", {"title": "x", "context": ["home"], "filter_action": "blur"}, 422,
             "filter_action must be warn or hide"),
            ("POST", "", {"title": "x", "context": ["home"], "expires_in": "soon"}, 422, "whole number"),
            ("POST", "", {"title": "x", "context": ["home"],
                          "keywords_attributes": [{"keyword": "k" * 201}]}, 422, "longer than 200"),
            ("PUT", f"/{cats.id}", {"keywords_attributes": [{"id": "99999", "keyword": "x"}]}, 404,
             "Keyword not found"),
            ("PUT", f"/{cats.id}", {"title": "Renamed", "keywords_attributes": [{"keyword": ""}]}, 422,
             "Keyword can't be blank"),
            ("POST", f"/{dogs.id}/statuses", {"status_id": "99999999"}, 404, "not found"),
            ("GET", "/nope", None, 404, "not found"),
        ):
            answer = httpx.request(method, url + path, headers=headers, json=payload)
            assert answer.status_code == code, (path, answer.text[:300])
            assert message in answer.json()["error"]
        assert ines.filters_v2() == before  # the refused PUT renamed nothing either

        # another person's filter does not exist for them
        with pytest.raises(MastodonNotFoundError):
            omar.filter_v2(cats.id)
        ines.delete_filter_v2(cats)
        assert int(cat.id) in by_id(ines.timeline_home())
        assert [f.title for f in ines.filters_v2()] == ["This one", "Brief"]


def test_v1_filters_map_onto_v2(make_database, tmp_path):
    with reader_and_author(make_database("filters1"), tmp_path) as (inst, ines, omar):
        crow = omar.status_post("A crow on the fence")
        old = ines.filter_create("crow", ["home"], irreversible=False, whole_word=True)
        assert (old.phrase, old.context, old.irreversible, old.whole_word) == ("crow", ["home"], False, True)
        assert by_id(ines.timeline_home())[int(crow.id)].filtered[0].keyword_matches == ["crow"]
        v2 = ines.filters_v2()
        assert [(f.title, [k.keyword for k in f.keywords]) for f in v2] == [("crow", ["crow"])]
        ines.filter_update(old, irreversible=True)
        assert int(crow.id) not in by_id(ines.timeline_home())
        assert [f.phrase for f in ines.filters()] == ["crow"]
        refused = httpx.post(f"{inst.url}/api/v1/filters", json={"phrase": "x", "context": ["feed"]},
                             headers={"Authorization": f"Bearer {ines.access_token}"})
        assert refused.status_code == 422 and "Context must be some of" in refused.json()["error"]
        ines.filter_delete(old)
        assert ines.filters() == [] and ines.filters_v2() == []
