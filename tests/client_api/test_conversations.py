"""Direct-message conversations with mastodon-py against a real server, on SQLite and
PostgreSQL: Conversation entities (id, unread, accounts, last_status) grouped by thread,
unread for the receiver only, mark read, a reply making it unread again for the other
side, remove (and a new message bringing it back), paging, and someone outside the
conversation getting 404s."""

from __future__ import annotations

import httpx
import pytest
from mastodon import MastodonNotFoundError

from tests.client_api.conftest import instance
from tests.client_api.test_flow import people

pytestmark = pytest.mark.slow


def test_conversations_list_read_reply_remove(make_database, tmp_path):
    with instance(make_database("conversations"), tmp_path, API_PASSWORD_GRANT="true",
                  SERVER_RUN_WORKER="false", CLOAK_ENABLED="false") as inst:
        (ines, omar, lena), (ines_id, omar_id, lena_id) = people(inst, "ines", "omar", "lena")
        assert ines.conversations() == []

        first = ines.status_post("@omar would you trade a sketch?", visibility="direct")
        public = ines.status_post("@omar a public hello")  # not a conversation
        inst.work()

        [at_omar] = omar.conversations()
        assert at_omar.unread is True
        assert [a.id for a in at_omar.accounts] == [ines_id]
        assert at_omar.last_status.id == first.id
        assert at_omar.last_status.visibility == "direct"
        [at_ines] = ines.conversations()
        assert at_ines.id == at_omar.id and at_ines.unread is False
        assert [a.id for a in at_ines.accounts] == [omar_id]
        assert lena.conversations() == []
        assert public.id not in [c.last_status.id for c in omar.conversations()]

        read = omar.conversations_read(at_omar.id)
        assert read.unread is False and read.id == at_omar.id
        assert omar.conversations()[0].unread is False

        reply = omar.status_post("@ines yes, gladly", visibility="direct", in_reply_to_id=first.id)
        inst.work()
        [again] = ines.conversations()
        assert again.id == at_ines.id and again.unread is True
        assert again.last_status.id == reply.id
        assert omar.conversations()[0].unread is False  # his own message

        # A second thread with two people, newest first, paged by the last status.
        group = lena.status_post("@ines @omar studio visit on Friday?", visibility="direct")
        inst.work()
        listed = ines.conversations()
        assert [c.last_status.id for c in listed] == [group.id, reply.id]
        assert sorted(a.id for a in listed[0].accounts) == sorted([lena_id, omar_id])
        page = ines.conversations(limit=1)
        assert [c.last_status.id for c in page] == [group.id]
        assert [c.last_status.id for c in ines.fetch_next(page)] == [reply.id]

        # Someone outside a conversation cannot touch it.
        with pytest.raises(MastodonNotFoundError):
            lena.conversations_read(at_ines.id)
        with pytest.raises(MastodonNotFoundError):
            ines.conversations_read("999999")

        # Remove: gone from the list until a new message comes.
        # (mastodon-py has no call for DELETE /api/v1/conversations/:id)
        removed = httpx.delete(f"{inst.url}/api/v1/conversations/{at_ines.id}",
                               headers={"Authorization": f"Bearer {ines.access_token}"})
        assert (removed.status_code, removed.json()) == (200, {})
        assert [c.last_status.id for c in ines.conversations()] == [group.id]
        assert [c.id for c in omar.conversations()][-1] == at_omar.id  # his list is his
        latest = omar.status_post("@ines here is the sketch", visibility="direct", in_reply_to_id=reply.id)
        inst.work()
        back = ines.conversations()
        assert [c.last_status.id for c in back] == [latest.id, group.id]
        assert back[0].id == at_ines.id and back[0].unread is True
