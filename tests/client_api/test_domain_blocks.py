"""Per-person domain blocks with mastodon-py against a running server, on SQLite and
PostgreSQL: `domain_block`, `domain_blocks` (paged by the Link header), `domain_unblock`,
and bad input refused with a 422 that says why."""

from __future__ import annotations

import pytest
from mastodon import MastodonAPIError

from tests.client_api.conftest import instance
from tests.client_api.test_flow import people

pytestmark = pytest.mark.slow


def test_domain_blocks_with_mastodon_py(make_database, tmp_path):
    with instance(make_database("blocks"), tmp_path, API_PASSWORD_GRANT="true",
                  SERVER_RUN_WORKER="false", CLOAK_ENABLED="false") as inst:
        (ines, omar), _ = people(inst, "ines", "omar")
        assert ines.domain_blocks() == []
        for domain in ("one.example", "Two.Example", "three.example", "two.example"):
            ines.domain_block(domain)
        first = ines.domain_blocks(limit=2)
        assert list(first) == ["three.example", "two.example"]  # newest first
        rest = ines.fetch_next(first)
        assert list(rest) == ["one.example"]
        assert omar.domain_blocks() == []  # one person's, not the server's

        ines.domain_unblock("two.example")
        assert list(ines.domain_blocks()) == ["three.example", "one.example"]

        for bad, words in (("", "Give the domain"), ("not a domain!", "is not a domain name"),
                           ("x" * 292 + ".example", "at most 253 characters")):
            with pytest.raises(MastodonAPIError) as refused:
                ines.domain_block(bad)
            assert refused.value.args[1] == 422 and words in str(refused.value), bad
        assert list(ines.domain_blocks()) == ["three.example", "one.example"]
