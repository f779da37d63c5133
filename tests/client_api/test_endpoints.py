"""The endpoints clients rely on beyond the main flow, against one running server with
its embedded worker: request-body shapes, instance metadata, relationships, locked
accounts, blocks and mutes, threads, pins, bookmarks, markers, streaming, synchronous
media, rate-limit headers and 4xx JSON errors on bad input."""

from __future__ import annotations

import json

import httpx
import pytest
from mastodon import Mastodon, MastodonAPIError

from tests.client_api.conftest import PASSWORD, instance, png_bytes, register_app

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    folder = tmp_path_factory.mktemp("endpoints")
    with instance(f"sqlite://{folder / 'db.sqlite3'}", folder, API_PASSWORD_GRANT="true") as inst:
        for name in ("ines", "omar", "lena"):
            inst.user(name)
        yield inst


def login(server, username: str) -> Mastodon:
    client_id, secret = register_app(server.url)
    api = Mastodon(client_id=client_id, client_secret=secret, api_base_url=server.url)
    api.log_in(username, PASSWORD, allow_http=True)
    return api


@pytest.fixture(scope="module")
def ines(server) -> Mastodon:
    return login(server, "ines")


@pytest.fixture(scope="module")
def omar(server) -> Mastodon:
    return login(server, "omar")


def auth(api: Mastodon) -> dict[str, str]:
    return {"Authorization": f"Bearer {api.access_token}"}


def test_instance_metadata_with_and_without_slash(server):
    for path in ("/api/v1/instance", "/api/v1/instance/"):
        v1 = httpx.get(server.url + path)
        assert v1.status_code == 200
        body = v1.json()
        assert body["version"].split(" ")[0] == "4.3.0" and "Impasto" in body["version"]
        assert body["configuration"]["statuses"]["max_media_attachments"] >= 4
        assert "image/png" in body["configuration"]["media_attachments"]["supported_mime_types"]
        assert body["uri"] == server.domain
    for path in ("/api/v2/instance", "/api/v2/instance/"):
        v2 = httpx.get(server.url + path).json()
        assert v2["api_versions"]["mastodon"] >= 2 and v2["domain"] == server.domain
        assert v2["configuration"]["urls"]["streaming"].startswith("ws://")
    assert httpx.get(server.url + "/api/v1/custom_emojis").json() == []
    assert isinstance(httpx.get(server.url + "/api/v1/trends/tags").json(), list)
    assert httpx.get(server.url + "/api/v1/lists").status_code == 401  # needs a token
    api = Mastodon(api_base_url=server.url)
    assert api.instance().version.startswith("4.3.0")


def test_preferences_and_credentials_update(ines):
    prefs = ines.preferences()
    assert prefs["posting:default:visibility"] == "public"
    changed = ines.account_update_credentials(
        display_name="Inès V", note="Printmaker", fields=[("Shop", "https://ines.example")]
    )
    assert changed.display_name == "Inès V" and "Printmaker" in changed.note
    assert changed.fields[0].name == "Shop"
    refused = httpx.patch(
        ines.api_base_url + "/api/v1/accounts/update_credentials",
        headers=auth(ines),
        files={"avatar": ("me.png", b"not an image at all", "image/png")},
    )
    assert refused.status_code == 422 and "error" in refused.json()
    accepted = httpx.patch(
        ines.api_base_url + "/api/v1/accounts/update_credentials",
        headers=auth(ines),
        files={"avatar": ("me.png", png_bytes(5), "image/png")},
    )
    assert accepted.status_code == 200  # the pipeline and a job put it on the profile later


def test_body_shapes_arrays_booleans_and_unknown_fields(server, ines, omar):
    headers = auth(ines)
    form = httpx.post(
        server.url + "/api/v1/statuses",
        headers=headers,
        data={
            "status": "form body",
            "sensitive": "1",
            "spoiler_text": "cw",
            "unknown_field": "x",
            "title": "Study in red",
            "medium": "gouache",
            "tools[]": ["brush", "palette knife"],
            "licence": "CC-BY-4.0",
        },
    )
    assert form.status_code == 200, form.text
    status = form.json()
    assert status["sensitive"] is True and status["spoiler_text"] == "cw"
    assert status["impasto"]["title"] == "Study in red" and status["impasto"]["tools"] == [
        "brush",
        "palette knife",
    ]
    assert status["impasto"]["licence"] == "CC-BY-4.0"
    as_json = httpx.post(
        server.url + "/api/v1/statuses",
        headers=headers,
        json={"status": "json body", "sensitive": False, "visibility": "unlisted", "x": {}},
    )
    assert as_json.status_code == 200 and as_json.json()["visibility"] == "unlisted"
    multipart = httpx.post(
        server.url + "/api/v1/statuses",
        headers=headers,
        files={"status": (None, "multipart body"), "sensitive": (None, "true")},
    )
    assert multipart.status_code == 200 and multipart.json()["sensitive"] is True
    # x[] arrays in a query string
    omar_id = omar.account_verify_credentials().id
    ines_id = ines.account_verify_credentials().id
    rel = httpx.get(
        f"{server.url}/api/v1/accounts/relationships?id[]={omar_id}&id[]={ines_id}", headers=headers
    ).json()
    assert [r["id"] for r in rel] == [str(omar_id), str(ines_id)]
    bad_bool = httpx.post(
        server.url + "/api/v1/statuses", headers=headers, data={"status": "x", "sensitive": "maybe"}
    )
    assert bad_bool.status_code == 422 and "boolean" in bad_bool.json()["error"]


def test_bad_input_is_4xx_json(server, ines):
    headers = auth(ines)
    cases = [
        httpx.get(server.url + "/api/v1/statuses/not-an-id", headers=headers),
        httpx.get(server.url + "/api/v1/statuses/99999999999999999999999", headers=headers),
        httpx.get(server.url + "/api/v1/statuses/9999999999999999999", headers=headers),
        httpx.get(server.url + "/api/v1/timelines/home?max_id=9223372036854775808", headers=headers),
        httpx.get(server.url + "/api/v1/timelines/home?max_id=abc", headers=headers),
        httpx.post(
            server.url + "/api/v1/statuses",
            headers={**headers, "Content-Type": "application/json"},
            content=b"{not json",
        ),
        httpx.post(server.url + "/api/v1/statuses", headers=headers, json=["a list"]),
        httpx.post(server.url + "/api/v1/statuses", headers=headers, data={"status": ""}),
        httpx.post(
            server.url + "/api/v1/statuses", headers=headers, data={"status": "x", "media_ids[]": "12x"}
        ),
        httpx.post(
            server.url + "/api/v1/statuses", headers=headers, data={"status": "x", "visibility": "all"}
        ),
        httpx.get(server.url + "/api/v1/no/such/endpoint", headers=headers),
        httpx.delete(server.url + "/api/v1/timelines/home", headers=headers),
        httpx.get(server.url + "/api/v1/accounts/verify_credentials"),
        httpx.get(
            server.url + "/api/v1/accounts/verify_credentials", headers={"Authorization": "Bearer nope"}
        ),
        httpx.post(
            server.url + "/api/v2/media",
            headers=headers,
            files={"file": ("a.png", b"not a png", "image/png")},
        ),
        httpx.post(server.url + "/api/v2/media", headers=headers, data={"description": "no file"}),
    ]
    for response in cases:
        assert 400 <= response.status_code < 500, (response.request.url, response.status_code, response.text)
        assert isinstance(response.json()["error"], str)


def test_rate_limit_headers(server, ines):
    first = httpx.get(server.url + "/api/v1/timelines/home", headers=auth(ines))
    second = httpx.get(server.url + "/api/v1/timelines/home", headers=auth(ines))
    assert first.headers["X-RateLimit-Limit"] == "300"
    assert int(second.headers["X-RateLimit-Remaining"]) == int(first.headers["X-RateLimit-Remaining"]) - 1
    assert second.headers["X-RateLimit-Reset"].endswith("Z")


def test_locked_account_follow_requests_blocks_and_mutes(server):
    lena, omar = login(server, "lena"), login(server, "omar")
    lena.account_update_credentials(locked=True)
    lena_id = lena.account_verify_credentials().id
    rel = omar.account_follow(lena_id)
    assert rel.requested and not rel.following
    requests = lena.follow_requests()
    assert [a.username for a in requests] == ["omar"]
    assert lena.follow_request_authorize(requests[0].id).followed_by
    assert omar.account_relationships(lena_id)[0].following
    assert [a.username for a in lena.account_followers(lena_id)] == ["omar"]
    omar_id = omar.account_verify_credentials().id
    assert lena.account_mute(omar_id).muting
    assert [a.username for a in lena.mutes()] == ["omar"]
    assert not lena.account_unmute(omar_id).muting
    assert lena.account_block(omar_id).blocking
    assert [a.username for a in lena.blocks()] == ["omar"]
    assert not lena.account_relationships(omar_id)[0].followed_by
    assert not lena.account_unblock(omar_id).blocking
    assert lena.account_lookup("omar").id == omar_id


def test_threads_pins_bookmarks_favourites_and_markers(server, ines, omar):
    root = ines.status_post("A thread about etching")
    reply = omar.status_post("Which ground do you use?", in_reply_to_id=root.id)
    answer = ines.status_post("A hard ground", in_reply_to_id=reply.id)
    context = ines.status_context(reply.id)
    assert [s.id for s in context.ancestors] == [root.id] and [s.id for s in context.descendants] == [
        answer.id
    ]
    assert reply.in_reply_to_account_id == ines.account_verify_credentials().id
    assert ines.status_pin(root.id).pinned
    pinned = ines.account_statuses(ines.account_verify_credentials().id, pinned=True)
    assert [s.id for s in pinned] == [root.id]
    omar.status_bookmark(root.id)
    omar.status_favourite(answer.id)
    assert [s.id for s in omar.bookmarks()] == [root.id]
    assert [s.id for s in omar.favourites()] == [answer.id]
    assert omar.status(root.id).bookmarked and not omar.status_unbookmark(root.id).bookmarked
    omar.markers_set(["home"], [answer.id])
    assert omar.markers_get(["home"]).home.last_read_id == str(answer.id)


def polling_client(server, api: Mastodon) -> Mastodon:
    """mastodon-py polls a processing upload every 5 s on a kept-alive connection, and
    Hypercorn closes idle connections after 5 s (its default keep_alive_timeout): the
    two race. Retry idempotent reads on a reset connection, as browsers do."""
    import requests
    from requests.adapters import HTTPAdapter
    from urllib3.util.retry import Retry

    session = requests.Session()
    session.mount(
        "http://",
        HTTPAdapter(max_retries=Retry(total=2, connect=2, read=2, status=0, allowed_methods={"GET"})),
    )
    return Mastodon(access_token=api.access_token, api_base_url=server.url, session=session)


def test_synchronous_media_and_streaming(server, ines, omar):
    media = polling_client(server, ines).media_post(
        png_bytes(7), mime_type="image/png", description="Tide pools", synchronous=True
    )
    assert media.url and media.preview_url and media.blurhash and media.description == "Tide pools"
    omar.account_follow(ines.account_verify_credentials().id)
    with httpx.stream(
        "GET", server.url + "/api/v1/streaming/user", headers=auth(omar), timeout=httpx.Timeout(30.0)
    ) as stream:
        assert stream.status_code == 200
        assert stream.headers["content-type"].startswith("text/event-stream")
        lines = stream.iter_lines()
        assert next(lines).startswith(":")
        posted = ines.status_post("Live from the studio", media_ids=[media.id])
        event = None
        for line in lines:
            if line.startswith("event: "):
                event = line[7:]
            elif line.startswith("data: ") and event == "update":
                payload = json.loads(line[6:])
                if payload["id"] == str(posted.id):
                    assert payload["media_attachments"][0]["description"] == "Tide pools"
                    break
    assert httpx.get(server.url + "/api/v1/streaming/health").text == "OK"


def test_refused_upload_answers_422(server, ines):
    with pytest.raises(MastodonAPIError) as refused:
        ines.media_post(b"GIF89a but not really", mime_type="image/png")
    assert refused.value.args[1] == 422


def test_idempotency_key_and_v1_upload(server, ines):
    headers = {**auth(ines), "Idempotency-Key": "post-once-123"}
    first = httpx.post(server.url + "/api/v1/statuses", headers=headers, data={"status": "only once"})
    again = httpx.post(server.url + "/api/v1/statuses", headers=headers, data={"status": "only once"})
    assert first.status_code == again.status_code == 200
    assert first.json()["id"] == again.json()["id"]
    # the old synchronous endpoint waits (bounded, 30 s) for the pipeline that the
    # embedded worker runs; on a busy machine it may still answer "processing"
    old = httpx.post(
        server.url + "/api/v1/media",
        headers=auth(ines),
        timeout=90,
        files={"file": ("old.png", png_bytes(3), "image/png")},
    )
    assert old.status_code == 200, old.text
    body = old.json()
    assert body["impasto"]["state"] in ("ready", "processing")
    assert (body["url"] is not None) == (body["impasto"]["state"] == "ready")


def test_reblogs_appear_in_home_in_time_order(server, ines, omar):
    reader = login(server, "lena")
    reader.account_follow(omar.account_verify_credentials().id)
    older = ines.status_post("An older study")
    omar.status_post("omar's own work")
    reblog = omar.status_reblog(older.id)
    home = reader.timeline_home(limit=2)
    assert [s.id for s in home][0] == reblog.id
    assert home[0].reblog.id == older.id and home[0].account.username == "omar"
    assert home[1].content == "<p>omar's own work</p>"
    assert reader.fetch_previous(home) == []
    assert all(s.id != reblog.id for s in reader.fetch_next(home))
    assert [s.id for s in reader.timeline_home(since_id=home[1].id)] == [reblog.id]
    omar_id = omar.account_verify_credentials().id
    profile = reader.account_statuses(omar_id, limit=5)
    assert profile[0].id == reblog.id and profile[0].reblog.id == older.id
    assert all(s.reblog is None for s in reader.account_statuses(omar_id, exclude_reblogs=True))
    omar.status_unreblog(older.id)
    assert all(s.reblog is None for s in reader.timeline_home())


def test_account_statuses_filters_and_private_works(server):
    """An artist's statuses page: private works only for followers, and each filter
    (replies left out, a hashtag, works with images) applied to the same works."""
    for name in ("paz", "rui"):
        server.user(name)
    paz, rui = login(server, "paz"), login(server, "rui")
    paz_id = paz.account_verify_credentials().id
    seascape = paz.status_post("Seascape #Etching")
    detail = paz.status_post("A detail of the waves", in_reply_to_id=seascape.id)
    private = paz.status_post("Studio notes for followers", visibility="private")
    gull = polling_client(server, paz).media_post(
        png_bytes(5), mime_type="image/png", description="A gull", synchronous=True
    )
    with_image = paz.status_post("Gull", media_ids=[gull.id])

    def shown(api: Mastodon, **options) -> list[int]:
        return [s.id for s in api.account_statuses(paz_id, **options)]

    assert shown(rui) == [with_image.id, detail.id, seascape.id]
    assert rui.account_follow(paz_id).following
    assert shown(rui) == [with_image.id, private.id, detail.id, seascape.id]
    assert shown(rui, exclude_replies=True) == [with_image.id, private.id, seascape.id]
    assert shown(rui, tagged="etching") == shown(rui, tagged="#Etching") == [seascape.id]
    assert shown(rui, tagged="sculpture") == []
    assert shown(rui, only_media=True) == [with_image.id]
    assert shown(rui, limit=2) == [with_image.id, private.id]
    assert shown(rui, max_id=private.id) == [detail.id, seascape.id]


class WebSocketClient:
    """A small blocking WebSocket client over wsproto (what Hypercorn itself uses)."""

    def __init__(self, base_url: str, target: str) -> None:
        import socket
        from urllib.parse import urlsplit

        from wsproto import ConnectionType, WSConnection
        from wsproto.events import Request

        parts = urlsplit(base_url)
        self.sock = socket.create_connection((parts.hostname, parts.port), timeout=30)
        self.ws = WSConnection(ConnectionType.CLIENT)
        self.sock.sendall(self.ws.send(Request(host=parts.netloc, target=target)))

    def events(self):
        while True:
            data = self.sock.recv(65536)
            if not data:
                return
            self.ws.receive_data(data)
            yield from self.ws.events()

    def close(self) -> None:
        self.sock.close()


def test_websocket_streaming(server, ines, omar):
    from wsproto.events import AcceptConnection, RejectConnection, TextMessage

    refused = WebSocketClient(server.url, "/api/v1/streaming?stream=user&access_token=wrong")
    first = next(refused.events())
    refused.close()
    assert isinstance(first, RejectConnection) and first.status_code == 401
    omar.account_follow(ines.account_verify_credentials().id)
    client = WebSocketClient(server.url, f"/api/v1/streaming?stream=user&access_token={omar.access_token}")
    try:
        events = client.events()
        assert isinstance(next(events), AcceptConnection)
        posted = ines.status_post("Over the socket")
        text = ""
        for event in events:
            if isinstance(event, TextMessage):
                text += event.data
                if not event.message_finished:
                    continue  # a message may arrive in several pieces
                message, text = json.loads(text), ""
                if message["event"] == "update" and json.loads(message["payload"])["id"] == str(posted.id):
                    assert message["stream"] == ["user"]
                    break
    finally:
        client.close()


def test_odd_but_harmless_queries_never_fail(server, ines):
    headers = auth(ines)
    me_id = ines.account_verify_credentials().id
    paths = [
        f"/api/v1/accounts/{me_id}/statuses?only_media=1&exclude_replies=true&pinned=0&tagged=%23x",
        f"/api/v1/accounts/{me_id}/statuses?limit=0",
        f"/api/v1/accounts/{me_id}/followers?limit=1000",
        "/api/v1/timelines/tag/%23Oil?only_media=1&local=1",
        "/api/v1/timelines/public?remote=1&limit=-3",
        "/api/v1/timelines/home?min_id=1&limit=2",
        "/api/v1/timelines/home?since_id=1",
        "/api/v2/search?q=%25_%5C&resolve=1",
        "/api/v2/search?q=@",
        "/api/v2/search?q=%23&type=hashtags",
        "/api/v2/search?q=https://nowhere.invalid/users/x&resolve=true",
        "/api/v1/accounts/search?q=in&limit=abc",
        "/api/v1/accounts/lookup?acct=ines@" + server.domain,
        "/api/v1/notifications?types[]=bogus&exclude_types[]=mention&limit=5",
        "/api/v1/markers?timeline[]=home&timeline[]=nothing",
        "/api/v1/accounts/relationships?id[]=x&id[]=99999999999999999999",
    ]
    for path in paths:
        response = httpx.get(server.url + path, headers=headers, timeout=30)
        assert response.status_code < 500, (path, response.status_code, response.text)
        if response.status_code >= 400:
            assert "error" in response.json(), path
