"""AS2 helpers over the loose shapes peers send."""

from __future__ import annotations

import pytest

from federation import vocab
from federation.vocab import PUBLIC


@pytest.mark.parametrize("spelling", [PUBLIC, "as:Public", "Public", {"id": "as:Public"}])
def test_public_spellings(spelling):
    assert vocab.is_public(spelling)
    assert vocab.audience({"to": spelling}) == [PUBLIC]


def test_not_public():
    assert not vocab.is_public("https://peer.test/users/a/followers")
    assert not vocab.is_public(None)


@pytest.mark.parametrize(
    ("value", "expected"),
    [(None, []), ("a", ["a"]), ({"id": "a"}, [{"id": "a"}]), (["a", None, "b"], ["a", "b"])],
)
def test_as_list(value, expected):
    assert vocab.as_list(value) == expected


def test_id_of_and_ids_of():
    assert vocab.id_of("https://x.test/1") == "https://x.test/1"
    assert vocab.id_of({"id": "https://x.test/1", "type": "Note"}) == "https://x.test/1"
    assert vocab.id_of({"@id": "https://x.test/2"}) == "https://x.test/2"
    assert vocab.id_of({"type": "Note"}) is None
    assert vocab.id_of(3) is None and vocab.id_of("") is None
    assert vocab.ids_of(["a", {"id": "b"}, {"type": "Mention"}]) == ["a", "b"]


def test_audience_dedups_and_covers_all_fields():
    obj = {"to": [PUBLIC, "a"], "cc": "as:Public", "bto": {"id": "b"}, "bcc": ["a"],
           "audience": "c"}
    assert vocab.audience(obj) == [PUBLIC, "a", "b", "c"]


@pytest.mark.parametrize(
    ("obj", "expected"),
    [
        ({"to": "Public", "cc": "f"}, "public"),
        ({"to": "f", "cc": ["as:Public"]}, "unlisted"),
        ({"to": "f"}, "private"),
        ({"to": "https://peer.test/users/b"}, "direct"),
    ],
)
def test_visibility(obj, expected):
    assert vocab.visibility(obj, followers_url="f") == expected


def test_without_blind_copies():
    act = {"type": "Create", "bcc": ["x"], "object": {"bto": ["y"], "to": ["z"]}}
    out = vocab.without_blind_copies(act)
    assert "bcc" not in out and "bto" not in out["object"] and out["object"]["to"] == ["z"]
    assert act["bcc"] == ["x"]  # the original is untouched


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        ("https://a.test/users/x", "https://A.test:443/notes/1", True),
        ("https://a.test/x", "http://a.test/x", False),
        ("https://a.test/x", "https://a.test:8443/x", False),
        ("https://a.test/x", "https://b.a.test/x", False),
        ({"id": "https://a.test/x"}, "https://a.test/y", True),
        ("not a url", "not a url", False),
        (None, None, False),
    ],
)
def test_same_origin(a, b, same):
    assert vocab.same_origin(a, b) is same


def test_host_of():
    assert vocab.host_of("https://Peer.TEST:8443/users/a") == "peer.test"
    assert vocab.host_of("nonsense") is None


@pytest.mark.parametrize(
    ("header", "ok"),
    [
        ("application/activity+json", True),
        ('application/ld+json; profile="https://www.w3.org/ns/activitystreams"', True),
        ("application/ld+json", True),
        ('application/ld+json; profile="https://example.test/other"', False),
        ("text/html, application/activity+json;q=0.9", True),
        ("application/activity+json;q=0", False),
        ("text/html,application/xhtml+xml,*/*;q=0.8", False),
        ("application/json", False),
        (None, False),
        ("", False),
    ],
)
def test_is_activitypub_accept(header, ok):
    assert vocab.is_activitypub_accept(header) is ok


def test_content_types():
    assert vocab.is_activitypub_content_type("application/activity+json; charset=utf-8")
    assert vocab.is_activitypub_content_type(vocab.LD_CONTENT_TYPE)
    assert not vocab.is_activitypub_content_type("application/json")
    assert not vocab.is_activitypub_content_type("text/html")
    assert vocab.AP_ACCEPT.startswith("application/activity+json")
