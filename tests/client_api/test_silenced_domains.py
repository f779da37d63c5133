"""Silencing a remote domain hides that domain from public timelines, never the local
artists: their accounts have no domain (NULL), and a NULL must not make the silence
filter match them. Checked on the web tag page and the API's local and tag timelines,
on SQLite and PostgreSQL."""

from __future__ import annotations

import httpx
import pytest
from mastodon import Mastodon

from tests.client_api.conftest import PASSWORD, instance, register_app
from tests.rig.processes import run_cli

pytestmark = pytest.mark.slow


def test_silencing_a_domain_keeps_local_works_on_public_timelines(make_database, tmp_path):
    with instance(make_database("silence"), tmp_path / "a", API_PASSWORD_GRANT="true") as inst:
        inst.user("ines")
        client_id, secret = register_app(inst.url)
        ines = Mastodon(client_id=client_id, client_secret=secret, api_base_url=inst.url)
        ines.log_in("ines", PASSWORD, allow_http=True)
        posted = ines.status_post("Harbour study #oil")
        inst.work()
        assert posted.id in [s.id for s in ines.timeline_public(local=True)]

        blocked = run_cli(["domain", "block", "slop.example", "--severity", "silence"], inst.env)
        assert blocked.returncode == 0, blocked.stderr

        assert posted.id in [s.id for s in ines.timeline_public(local=True)]
        assert posted.id in [s.id for s in ines.timeline_hashtag("oil")]
        assert posted.id in [s.id for s in ines.timeline_hashtag("oil", local=True)]
        page = httpx.get(inst.url + "/tags/oil")
        assert page.status_code == 200
        assert f'href="{posted.url.removeprefix(inst.url)}"' in page.text
