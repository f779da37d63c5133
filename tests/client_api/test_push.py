"""Web Push with mastodon-py against a real server and a real push receiver, on SQLite
and PostgreSQL. The receiver (a loopback HTTP server in this process) holds each
subscription's private key and auth secret, decrypts every message (RFC 8291
`aes128gcm` with http_ece for a `standard` subscription, Mastodon's default `aesgcm`
draft with mastodon-py's own helper otherwise) and verifies the VAPID signature against
the server key the API published. Alerts off and policies send nothing; a 410 deletes
the subscription; bad input is a clear 4xx."""

from __future__ import annotations

import base64
import json
import threading
import time
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import http_ece
import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from mastodon import MastodonNotFoundError
from py_vapid import Vapid01, Vapid02
from py_vapid.utils import b64urldecode

from tests.client_api.conftest import free_port, instance, register_app
from tests.client_api.test_flow import password_login, people

pytestmark = pytest.mark.slow


def unb64(text: str) -> bytes:
    text = text.replace("+", "-").replace("/", "_").rstrip("=")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class Receiver:
    """A push service and user agent in one: answers POST /push/NAME and decrypts."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.keys: dict[str, tuple[dict, bool]] = {}  # name -> (mastodon-py private dict, standard)
        self.answer: dict[str, int] = {}  # name -> status to answer (201 unless set)
        self.got: dict[str, list[dict]] = {}  # name -> decrypted messages, in order
        self.problems: list[str] = []
        self.server_key: bytes = b""  # the raw public key the API published

    def url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.port}/push/{name}"

    def receive(self, name: str, headers: dict[str, str], body: bytes, api) -> None:
        private, standard = self.keys[name]
        auth = headers.get("authorization", "")
        if standard:
            assert headers.get("content-encoding") == "aes128gcm"
            scheme, _, params = auth.partition(" ")
            fields = dict(part.split("=", 1) for part in params.split(","))
            assert scheme == "vapid" and unb64(fields["k"]) == self.server_key
            assert Vapid02.verify(auth), "VAPID signature does not verify"
            claims = json.loads(b64urldecode(fields["t"].split(".")[1].encode()))
            key = ec.derive_private_key(private["privkey"], ec.SECP256R1())
            plain = http_ece.decrypt(body, private_key=key, auth_secret=private["auth"],
                                     version="aes128gcm")
            message = json.loads(plain)
        else:
            assert headers.get("content-encoding") == "aesgcm"
            crypto_key = headers["crypto-key"]
            public = crypto_key.split("p256ecdsa=")[1].split(";")[0]
            assert unb64(public) == self.server_key
            assert auth.startswith("WebPush ") and Vapid01.verify(public, auth)
            claims = json.loads(b64urldecode(auth.split(" ")[1].split(".")[1].encode()))
            message = dict(api.push_subscription_decrypt_push(
                body, private, headers["encryption"], crypto_key))
        assert claims["aud"] == f"http://127.0.0.1:{self.port}", claims
        assert claims["exp"] > time.time() and claims["sub"]
        assert int(headers["ttl"]) > 0
        self.got.setdefault(name, []).append(message)

    def types(self, name: str) -> list[str]:
        return [m["notification_type"] for m in self.got.get(name, [])]


@contextmanager
def running(receiver: Receiver, apis: dict):
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 (the stdlib's name)
            name = self.path.rsplit("/", 1)[-1]
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            status = receiver.answer.get(name, 201)
            if status == 201:
                try:
                    headers = {k.lower(): v for k, v in self.headers.items()}
                    receiver.receive(name, headers, body, apis[name])
                except Exception as exc:  # reported by the test, not lost in this thread
                    receiver.problems.append(f"{name}: {type(exc).__name__}: {exc}")
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", receiver.port), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()


def test_push_subscriptions_deliver_encrypted_messages(make_database, tmp_path):
    port = free_port()
    receiver = Receiver(port)
    with instance(make_database("push"), tmp_path, peers=[port], API_PASSWORD_GRANT="true",
                  SERVER_RUN_WORKER="false", CLOAK_ENABLED="false") as inst:
        (ines, omar), (ines_id, _) = people(inst, "ines", "omar")
        ines_std = password_login(inst.url, "ines")  # a second app of hers: one subscription a token
        apis = {"legacy": ines, "standard": ines_std}
        with running(receiver, apis):
            receiver.server_key = unb64(ines.instance_v2().configuration.vapid.public_key)
            assert len(receiver.server_key) == 65

            # -- mastodon-py subscribes (Mastodon's default: the aesgcm draft)
            private, public = ines.push_subscription_generate_keys()
            receiver.keys["legacy"] = (private, False)
            sub = ines.push_subscription_set(receiver.url("legacy"), public, follow_events=True,
                                             favourite_events=True, mention_events=True,
                                             reblog_events=False)
            assert sub.endpoint == receiver.url("legacy") and sub.policy == "all"
            assert unb64(sub.server_key) == receiver.server_key
            assert (sub.alerts.follow, sub.alerts.favourite, sub.alerts.reblog) == (True, True, False)
            assert ines.push_subscription().id == sub.id

            # -- the second app asks for RFC 8291/8292 (`standard`), as JSON
            private_std, public_std = ines_std.push_subscription_generate_keys()
            receiver.keys["standard"] = (private_std, True)
            answer = httpx.post(f"{inst.url}/api/v1/push/subscription",
                                headers={"Authorization": f"Bearer {ines_std.access_token}"}, json={
                "subscription": {"endpoint": receiver.url("standard"), "standard": True, "keys": {
                    "p256dh": base64.b64encode(public_std["pubkey"]).decode(),
                    "auth": base64.urlsafe_b64encode(public_std["auth"]).decode().rstrip("=")}},
                "data": {"alerts": {"favourite": True, "follow": True}, "policy": "all"}})
            assert answer.status_code == 200, answer.text
            assert answer.json()["standard"] is True and answer.json()["alerts"]["mention"] is False

            # -- omar follows, favourites, boosts and mentions ines
            work = ines.status_post("Harbour at dusk")
            inst.work()
            omar.account_follow(ines_id)
            omar.status_favourite(work.id)
            omar.status_reblog(work.id)
            omar.status_post("@ines lovely light")
            inst.work()
            assert receiver.problems == []
            assert sorted(receiver.types("legacy")) == ["favourite", "follow", "mention"]
            assert sorted(receiver.types("standard")) == ["favourite", "follow"]  # alerts off: no mention
            by_type = {n.type: n for n in ines.notifications()}
            assert "reblog" in by_type  # notified, but no push: its alert is off
            for name, api in apis.items():
                for message in receiver.got[name]:
                    kind = message["notification_type"]
                    assert message["notification_id"] == str(by_type[kind].id)
                    assert message["access_token"] == api.access_token
                    assert message["preferred_locale"] == "en"
                    assert message["icon"].startswith("http")
                    assert "omar" in message["title"]
            favourite = next(m for m in receiver.got["legacy"] if m["notification_type"] == "favourite")
            assert favourite["title"] == "omar favourited your post"
            assert favourite["body"] == "Harbour at dusk"

            # -- policy "followed": nothing from omar until ines follows him
            updated = ines.push_subscription_update(favourite_events=True, policy="followed")
            assert updated.policy == "followed"
            assert (updated.alerts.favourite, updated.alerts.follow) == (True, False)
            second = ines.status_post("Harbour at dawn")
            omar.status_favourite(second.id)
            inst.work()
            assert receiver.types("legacy").count("favourite") == 1
            assert receiver.types("standard").count("favourite") == 2
            ines.account_follow(omar.me().id)
            third = ines.status_post("Harbour at noon")
            omar.status_favourite(third.id)
            inst.work()
            assert receiver.types("legacy").count("favourite") == 2
            assert receiver.problems == []

            # -- the push service says 410 Gone: the subscription is deleted, the other stays
            receiver.answer["standard"] = 410
            omar.status_favourite(ines.status_post("Harbour in fog").id)
            inst.work()
            with pytest.raises(MastodonNotFoundError):
                ines_std.push_subscription()
            assert ines.push_subscription().id == sub.id
            assert receiver.types("legacy").count("favourite") == 3

            # -- unsubscribing ends the messages
            ines.push_subscription_delete()
            with pytest.raises(MastodonNotFoundError):
                ines.push_subscription()
            before = len(receiver.got["legacy"])
            omar.status_post("@ines are you there?")
            inst.work()
            assert len(receiver.got["legacy"]) == before


def test_push_subscription_bad_input(make_database, tmp_path):
    port = free_port()
    with instance(make_database("pushbad"), tmp_path, peers=[port], API_PASSWORD_GRANT="true",
                  SERVER_RUN_WORKER="false", CLOAK_ENABLED="false") as inst:
        (ines,), _ = people(inst, "ines")
        _, public = ines.push_subscription_generate_keys()
        p256dh = base64.b64encode(public["pubkey"]).decode()
        auth = base64.b64encode(public["auth"]).decode()
        headers = {"Authorization": f"Bearer {ines.access_token}"}
        url = f"{inst.url}/api/v1/push/subscription"
        good = {"subscription[endpoint]": f"http://127.0.0.1:{port}/push",
                "subscription[keys][p256dh]": p256dh, "subscription[keys][auth]": auth}
        for change, message in (
            ({"subscription[endpoint]": "http://example.com/push"}, "must be an https URL"),
            ({"subscription[endpoint]": f"http://127.0.0.1:{port + 1}/push"}, "must be an https URL"),
            ({"subscription[endpoint]": "ftp://example.com/push"}, "not a usable URL"),
            ({"subscription[endpoint]": ""}, "not a usable URL"),
            ({"subscription[keys][p256dh]": base64.b64encode(b"\x04" + b"\x01" * 64).decode()},
             "not a P-256 public key"),
            ({"subscription[keys][p256dh]": "!!!"}, "base64"),
            ({"subscription[keys][auth]": base64.b64encode(b"short").decode()}, "16 bytes"),
            ({"subscription[keys][auth]": None}, "are required"),
            ({"policy": "friends"}, "policy must be one of"),
            ({"data[alerts][mention]": "maybe"}, "must be a boolean"),
        ):
            form = {k: v for k, v in {**good, **change}.items() if v is not None}
            answer = httpx.post(url, headers=headers, data=form)
            assert answer.status_code == 422, (change, answer.text)
            assert message in answer.json()["error"], (change, answer.text)
        assert httpx.get(url, headers=headers).status_code == 404
        assert httpx.put(url, headers=headers, data={"policy": "all"}).status_code == 404
        assert httpx.delete(url, headers=headers).json() == {}

        # An https endpoint is fine (not reached until a notification); staff-only alerts stay off.
        answer = httpx.post(url, headers=headers, data={
            **good, "subscription[endpoint]": "https://push.example/send/1",
            "data[alerts][admin.sign_up]": "true", "data[alerts][mention]": "1"})
        assert answer.status_code == 200, answer.text
        assert answer.json()["alerts"]["admin.sign_up"] is False
        assert answer.json()["alerts"]["mention"] is True

        # A token without the push scope is refused.
        client_id, secret = register_app(inst.url, ("read", "write"))
        from mastodon import Mastodon
        reader = Mastodon(client_id=client_id, client_secret=secret, api_base_url=inst.url)
        reader.log_in("ines", "a long enough password", scopes=["read", "write"], allow_http=True)
        refused = httpx.get(url, headers={"Authorization": f"Bearer {reader.access_token}"})
        assert refused.status_code == 403
