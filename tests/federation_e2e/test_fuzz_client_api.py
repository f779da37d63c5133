"""Property test of the client API driven from its route table: every /api and /oauth
route (streaming left out: it holds the connection open) with fuzzed path ids, query
strings and JSON or form bodies, called over real HTTP with a real token of a
non-admin user on peer b: no response is ≥ 500."""

from __future__ import annotations

import asyncio
import json
import re
import uuid
from collections import Counter

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from instance.actors.accounts import create_local_user
from instance.api.oauth.tokens import issue_token
from instance.storage.models import OAuthApplication
from tests.federation_e2e.test_two_instances import PASSWORD
from tests.rig.fuzz import fuzz_settings

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("federation_e2e")]

PARAMS = ["status", "spoiler_text", "visibility", "media_ids[]", "in_reply_to_id", "limit",
          "max_id", "since_id", "min_id", "q", "type", "resolve", "local", "only_media",
          "display_name", "note", "locked", "fields_attributes", "description", "focus",
          "client_name", "redirect_uris", "scopes", "grant_type", "code", "client_id",
          "client_secret", "token", "id[]", "exclude_types[]", "language", "sensitive", "poll",
          "domain", "severity", "reblogs", "notify", "account_ids[]", "following", "offset"]
SCALAR = st.one_of(st.none(), st.booleans(), st.integers(-2**65, 2**65), st.floats(allow_nan=False),
                   st.text(max_size=40), st.sampled_from(["1", "0", "-1", "99999999999999999999",
                                                          "public", "direct", "true", "", "[]"]))
VALUE = st.recursive(SCALAR, lambda inner: st.one_of(st.lists(inner, max_size=3),
                     st.dictionaries(st.sampled_from(PARAMS), inner, max_size=3)), max_leaves=8)
RATE = 250  # below [api] rate_limit (300 per token per window)
PATH_ID = st.one_of(st.integers(-5, 2**64).map(str), st.text(
    alphabet=st.characters(min_codepoint=0x21, max_codepoint=0x7e, exclude_characters="/?#%"),
    min_size=1, max_size=20))


def routes() -> list[tuple[str, str]]:
    from instance.app import create_app
    from instance.config import load_config

    app = create_app(load_config(None, environ={}))
    return sorted((rule.rule, method) for rule in app.url_map.iter_rules()
                  if rule.rule.startswith(("/api/", "/oauth/")) and "streaming" not in rule.rule
                  for method in rule.methods - {"HEAD", "OPTIONS"})


def test_every_route_with_fuzzed_input_never_500(peers):
    _, b = peers

    async def token() -> str:
        async with b.open() as services:
            user = await create_local_user(services.urls, f"api{uuid.uuid4().hex[:6]}", PASSWORD)
            app = await OAuthApplication.create(name="fuzz", client_id=uuid.uuid4().hex,
                                                client_secret="s", scopes="read write follow push")
            return (await issue_token(app, user, ["read", "write", "follow", "push"]))[0]

    bearers: list[str] = []  # a new token every RATE requests: the rate limit is per token
    table = routes()
    statuses: Counter[int] = Counter()

    @fuzz_settings(150)
    @given(route=st.sampled_from(table), ident=PATH_ID,
           query=st.dictionaries(st.sampled_from(PARAMS), SCALAR.map(str), max_size=3),
           body=st.dictionaries(st.sampled_from(PARAMS), VALUE, max_size=4),
           shape=st.sampled_from(["json", "form", "none"]))
    def run(route, ident, query, body, shape):
        rule, method = route
        if sum(statuses.values()) >= len(bearers) * RATE:
            bearers.append(asyncio.run(token()))
        path = re.sub(r"<[^>]+>", lambda _: ident, rule)
        kwargs: dict = {"params": query, "headers": {"Authorization": f"Bearer {bearers[-1]}"}}
        if shape == "json" and method != "GET":
            kwargs["content"] = json.dumps(body).encode()
            kwargs["headers"]["Content-Type"] = "application/json"
        elif shape == "form" and method != "GET":
            kwargs["data"] = {k: json.dumps(v) if isinstance(v, list | dict) else str(v)
                              for k, v in body.items()}
        with httpx.Client(base_url=b.url, timeout=30) as http:
            answer = http.request(method, path, **kwargs)
        statuses[answer.status_code] += 1
        assert answer.status_code < 500, (method, path, query, body, answer.text[:300])

    run()
    print(f"\nclient API fuzz: {sum(statuses.values())} requests over {len(table)} routes, "
          f"statuses {dict(statuses)}")
