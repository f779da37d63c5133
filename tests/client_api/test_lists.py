"""Lists with mastodon-py against a real server, on SQLite and PostgreSQL: create, rename,
members (only accounts one follows), the list timeline with each replies policy and its
paging, `accounts/:id/lists`, exclusive lists leaving home, and bad input as 4xx."""

from __future__ import annotations

import httpx
import pytest
from mastodon import MastodonAPIError, MastodonNotFoundError

from tests.client_api.conftest import instance
from tests.client_api.test_flow import people

pytestmark = pytest.mark.slow


def ids(statuses) -> list[int]:
    return [int(s.id) for s in statuses]


def test_lists_members_timeline_and_exclusive(make_database, tmp_path):
    with instance(make_database("lists"), tmp_path, API_PASSWORD_GRANT="true",
                  SERVER_RUN_WORKER="false", CLOAK_ENABLED="false") as inst:
        (ines, omar, lena, paz), (_, omar_id, lena_id, paz_id) = people(inst, "ines", "omar", "lena", "paz")
        ines.account_follow(omar_id)
        ines.account_follow(lena_id)
        inst.work()

        painters = ines.list_create("Painters")
        assert (painters.title, painters.replies_policy, painters.exclusive) == ("Painters", "list", False)
        ines.list_accounts_add(painters, [omar_id])
        ines.list_accounts_add(painters, [omar_id])  # twice is fine, as in Mastodon
        assert [a.id for a in ines.list_accounts(painters)] == [omar_id]
        assert [x.id for x in ines.account_lists(omar_id)] == [painters.id]
        assert ines.account_lists(lena_id) == []

        own = omar.status_post("Omar's harbour study")
        lena_post = lena.status_post("Lena's dunes")
        to_lena = omar.status_post("Lovely dunes", in_reply_to_id=lena_post.id)
        to_self = omar.status_post("Detail of the harbour", in_reply_to_id=own.id)
        to_ines = omar.status_post("Thanks!", in_reply_to_id=ines.status_post("Nice harbour").id)
        inst.work()

        assert ids(ines.timeline_list(painters)) == ids([to_ines, to_self, own])
        ines.list_update(painters, "Painters", replies_policy="followed")
        assert ids(ines.timeline_list(painters)) == ids([to_ines, to_self, to_lena, own])
        ines.list_update(painters, "Painters", replies_policy="none")
        assert ids(ines.timeline_list(painters)) == ids([to_ines, to_self, own])

        # Paging as the home timeline does, with a Link header.
        first = ines.timeline_list(painters, limit=2)
        assert ids(first) == ids([to_ines, to_self])
        assert ids(ines.fetch_next(first)) == ids([own])

        # Exclusive: the members' works leave home but stay in the list.
        assert int(own.id) in ids(ines.timeline_home())
        ines.list_update(painters, "Painters", replies_policy="list", exclusive=True)
        home = ids(ines.timeline_home())
        assert int(own.id) not in home and int(lena_post.id) in home
        assert int(own.id) in ids(ines.timeline_list(painters))

        # Bad input: each a clear 4xx, nothing changed.
        with pytest.raises(MastodonAPIError, match="only add accounts you follow"):
            ines.list_accounts_add(painters, [paz_id])
        headers = {"Authorization": f"Bearer {ines.access_token}"}
        url = f"{inst.url}/api/v1/lists"
        for method, path, payload, code, message in (
            ("POST", "", {"title": "  "}, 422, "Title can't be blank"),
            ("POST", "", {"title": "x" * 201}, 422, "longer than 200"),
            ("POST", "", {"title": "ok", "replies_policy": "all"}, 422, "replies_policy must be"),
            ("PUT", f"/{painters.id}", {"exclusive": "maybe"}, 422, "exclusive must be a boolean"),
            ("POST", f"/{painters.id}/accounts", {}, 422, "account_ids is required"),
            ("POST", f"/{painters.id}/accounts", {"account_ids": ["99999999"]}, 404, "not found"),
            ("POST", f"/{painters.id}/accounts", {"account_ids": ["1"] * 251}, 422, "At most 250"),
            ("GET", "/abc", None, 404, "not found"),
        ):
            answer = httpx.request(method, url + path, headers=headers, json=payload)
            assert answer.status_code == code, (path, payload, answer.text)
            assert message in answer.json()["error"]
        assert [a.id for a in ines.list_accounts(painters)] == [omar_id]
        assert [x.title for x in ines.lists()] == ["Painters"]

        # Another person's list does not exist for them.
        for call in (lambda: omar.list(painters.id), lambda: omar.timeline_list(painters.id),
                     lambda: omar.list_accounts_add(painters.id, [lena_id])):
            with pytest.raises(MastodonNotFoundError):
                call()

        ines.list_accounts_delete(painters, [omar_id])
        assert ines.list_accounts(painters) == [] and ines.timeline_list(painters) == []
        ines.list_accounts_add(painters, [lena_id])
        ines.account_unfollow(lena_id)  # unfollowing takes them out of one's lists
        assert ines.list_accounts(painters) == [] and ines.account_lists(lena_id) == []
        ines.list_delete(painters)
        assert ines.lists() == []
        with pytest.raises(MastodonNotFoundError):
            ines.list(painters.id)
