"""JSON-LD: fast path agrees with pyld; contexts are bundled and never fetched."""

from __future__ import annotations

import json
import socket
from importlib import resources

import pytest

from federation import jsonld
from federation.vocab import AS2_CONTEXT, PUBLIC, audience, id_of, is_public

MASTODON_CREATE = {
    "@context": [
        "https://www.w3.org/ns/activitystreams",
        {
            "ostatus": "http://ostatus.org#",
            "atomUri": "ostatus:atomUri",
            "inReplyToAtomUri": "ostatus:inReplyToAtomUri",
            "conversation": "ostatus:conversation",
            "sensitive": "as:sensitive",
            "toot": "http://joinmastodon.org/ns#",
            "votersCount": "toot:votersCount",
            "blurhash": "toot:blurhash",
            "focalPoint": {"@container": "@list", "@id": "toot:focalPoint"},
            "Hashtag": "as:Hashtag",
        },
    ],
    "id": "https://mastodon.test/users/alice/statuses/1/activity",
    "type": "Create",
    "actor": "https://mastodon.test/users/alice",
    "published": "2025-01-01T00:00:00Z",
    "to": ["https://www.w3.org/ns/activitystreams#Public"],
    "cc": ["https://mastodon.test/users/alice/followers"],
    "object": {
        "id": "https://mastodon.test/users/alice/statuses/1",
        "type": "Note",
        "attributedTo": "https://mastodon.test/users/alice",
        "content": "<p>new painting</p>",
        "sensitive": False,
        "to": ["https://www.w3.org/ns/activitystreams#Public"],
        "cc": ["https://mastodon.test/users/alice/followers"],
        "tag": [{"type": "Hashtag", "href": "https://mastodon.test/tags/art", "name": "#art"}],
        "attachment": [
            {
                "type": "Document",
                "mediaType": "image/png",
                "url": "https://mastodon.test/media/1.png",
                "blurhash": "UABC",
                "focalPoint": [0.0, 0.0],
            }
        ],
    },
}


@pytest.fixture
def no_network(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("network access attempted")

    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


def test_bundled_contexts_equal_shared_reference(shared_dir):
    reference = json.loads((shared_dir / "reference" / "jsonld-contexts.json").read_text())
    bundled = json.loads(
        resources.files("federation").joinpath("contexts/jsonld-contexts.json").read_text()
    )
    assert bundled == reference


def test_mastodon_create_takes_the_fast_path():
    assert jsonld.is_plain_as2(MASTODON_CREATE)
    assert jsonld.normalize(MASTODON_CREATE) is MASTODON_CREATE


def test_fast_path_and_pyld_mean_the_same(no_network):
    fast = jsonld.normalize(MASTODON_CREATE)
    slow = jsonld.normalize(MASTODON_CREATE, force_pyld=True)
    assert slow is not fast
    assert jsonld.expand(slow) == jsonld.expand(fast)
    # and the compacted pyld output reads the same through the vocab helpers
    for doc in (fast, slow):
        assert doc["type"] == "Create"
        assert id_of(doc["actor"]) == "https://mastodon.test/users/alice"
        assert id_of(doc["object"]) == "https://mastodon.test/users/alice/statuses/1"
        assert audience(doc) == [PUBLIC, "https://mastodon.test/users/alice/followers"]


def test_pyld_output_is_compacted_to_our_terms(no_network):
    slow = jsonld.normalize(MASTODON_CREATE, force_pyld=True)
    note = slow["object"]
    assert note["type"] == "Note"
    assert any(is_public(x) for x in ([slow["to"]] if isinstance(slow["to"], str) else slow["to"]))
    attachment = note["attachment"]
    attachment = attachment[0] if isinstance(attachment, list) else attachment
    assert attachment["blurhash"] == "UABC"


@pytest.mark.parametrize("unknown", ["https://unknown.test/ctx.jsonld",
                                     "https://www.w3.org/ns/credentials/v2"])
def test_unknown_context_is_ignored_without_network_and_known_terms_read(no_network, unknown):
    doc = {**MASTODON_CREATE, "@context": [AS2_CONTEXT, unknown]}
    assert not jsonld.is_plain_as2(doc)
    read = jsonld.normalize(doc)
    assert read["type"] == "Create" and read["actor"] == MASTODON_CREATE["actor"]
    assert read["object"]["content"] == MASTODON_CREATE["object"]["content"]


def test_nested_unknown_context_is_ignored(no_network):
    doc = {"@context": AS2_CONTEXT, "type": "Note", "id": "https://peer.test/n",
           "attachment": {"@context": "https://other.test/ctx", "type": "Image",
                          "url": "https://peer.test/a.png"}}
    read = jsonld.normalize(doc)
    assert read["attachment"]["type"] == "Image" and read["attachment"]["url"] == "https://peer.test/a.png"


def test_inline_context_redefining_as2_terms_leaves_fast_path(no_network):
    doc = {"@context": [AS2_CONTEXT, {"actor": "https://evil.test/ns#actor"}],
           "type": "Create", "actor": "https://peer.test/u"}
    assert not jsonld.is_plain_as2(doc)
    slow = jsonld.normalize(doc)
    assert "actor" not in slow  # it was not AS2's actor at all
    assert not jsonld.is_plain_as2({"@context": [AS2_CONTEXT, {"@vocab": "https://x.test/"}]})
    assert not jsonld.is_plain_as2({"@context": "https://w3id.org/security/v1", "type": "Key"})
    assert not jsonld.is_plain_as2({"type": "Note"})


def test_known_extensions_stay_on_the_fast_path():
    assert jsonld.is_plain_as2({"@context": [AS2_CONTEXT, "https://w3id.org/security/v1",
                                             {"@language": "und"}]})
    assert jsonld.is_plain_as2({"@context": [
        AS2_CONTEXT, "https://pleroma.test/schemas/litepub-0.1.jsonld", {"@language": "und"}]})
    assert jsonld.is_plain_as2({"@context": jsonld.outgoing_context()})


@pytest.mark.parametrize("url", sorted(jsonld.FASTPATH_CONTEXTS))
def test_fast_path_contexts_do_not_change_as2_meaning(url, no_network):
    """Adding the context to AS2 changes no AS2 term and no unknown-term fallback."""
    as2 = jsonld.bundled_contexts()[AS2_CONTEXT]["@context"]
    doc = {t: "x" for t in as2 if not t.startswith("@")} | {"zzUnknownTerm": "y"}
    assert jsonld.expand({"@context": [AS2_CONTEXT, url], **doc}) == jsonld.expand(
        {"@context": AS2_CONTEXT, **doc}
    )


def test_loader_aliases_and_impasto_context(no_network):
    for url in ("http://www.w3.org/ns/activitystreams", AS2_CONTEXT + ".jsonld",
                AS2_CONTEXT + "#", "https://joinmastodon.org/ns"):
        assert jsonld.document_loader(url)["document"]["@context"]
    doc = {"@context": [AS2_CONTEXT, jsonld.IMPASTO_CONTEXT_URL], "type": "Image",
           "medium": "oil on canvas", "cloaked": True, "tools": ["brush", "knife"],
           "licence": "https://creativecommons.org/licenses/by/4.0/",
           "aiDeclaration": "none", "provenanceVerdict": "clean"}
    expanded = jsonld.expand(doc)[0]
    ns = jsonld.IMPASTO_NS
    assert expanded[ns + "medium"] == [{"@value": "oil on canvas"}]
    assert expanded[ns + "licence"] == [{"@id": "https://creativecommons.org/licenses/by/4.0/"}]
    assert expanded[ns + "cloaked"][0]["@value"] is True
    assert {v["@value"] for v in expanded[ns + "tools"]} == {"brush", "knife"}
    terms = jsonld.impasto_context_document()["@context"]
    for term in ("medium", "tools", "aiDeclaration", "provenanceVerdict", "cloaked", "licence"):
        assert term in terms


def test_invalid_json_ld_is_a_clear_error(no_network):
    with pytest.raises(jsonld.JsonLdError):
        jsonld.expand({"@context": {"@version": 99}, "type": "Note"})
