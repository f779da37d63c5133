"""WebFinger, host-meta and NodeInfo documents."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from federation import discovery


def test_webfinger_round_trip():
    jrd = discovery.webfinger_jrd(
        "bob", "impasto.test", "https://impasto.test/users/bob", "https://impasto.test/@bob",
        subscribe_template="https://impasto.test/authorize_interaction?uri={uri}",
    )
    assert jrd["subject"] == "acct:bob@impasto.test"
    assert discovery.parse_acct(jrd["subject"]) == ("bob", "impasto.test")
    rels = {link["rel"]: link for link in jrd["links"]}
    assert rels["self"] == {"rel": "self", "type": "application/activity+json",
                            "href": "https://impasto.test/users/bob"}
    assert rels[discovery.PROFILE_PAGE_REL]["href"] == "https://impasto.test/@bob"
    assert "{uri}" in rels[discovery.SUBSCRIBE_REL]["template"]
    parsed = discovery.parse_jrd(jrd)
    assert parsed.actor_url == "https://impasto.test/users/bob"
    assert parsed.profile_url == "https://impasto.test/@bob"
    assert "https://impasto.test/users/bob" in parsed.aliases


def test_parse_jrd_accepts_ld_json_self_link():
    jrd = {"subject": "acct:a@gts.test", "links": [
        {"rel": "self", "type": "text/html", "href": "https://gts.test/@a"},
        {"rel": "self", "href": "https://gts.test/users/a",
         "type": 'application/ld+json; profile="https://www.w3.org/ns/activitystreams"'}]}
    assert discovery.parse_jrd(jrd).actor_url == "https://gts.test/users/a"
    with pytest.raises(discovery.DiscoveryError):
        discovery.parse_jrd({"links": []})


@pytest.mark.parametrize("resource", ["acct:Bob@Impasto.Test", "bob@impasto.test",
                                      "@bob@impasto.test"])
def test_parse_acct(resource):
    user, domain = discovery.parse_acct(resource)
    assert user.lower() == "bob" and domain == "impasto.test"


@pytest.mark.parametrize("resource", ["acct:bob", "https://impasto.test/users/bob", "acct:@x",
                                      "a@b@c"])
def test_parse_acct_refuses(resource):
    with pytest.raises(discovery.DiscoveryError):
        discovery.parse_acct(resource)


def test_host_meta():
    root = ET.fromstring(discovery.host_meta_xrd("https://impasto.test/"))
    link = root.find("{http://docs.oasis-open.org/ns/xri/xrd-1.0}Link")
    assert link is not None and link.get("rel") == "lrdd"
    assert link.get("template") == "https://impasto.test/.well-known/webfinger?resource={uri}"


@pytest.mark.parametrize("version", ["2.0", "2.1"])
def test_nodeinfo(version):
    doc = discovery.nodeinfo(
        version, software_version="0.1.0", users_total=3, users_active_month=2,
        users_active_halfyear=3, local_posts=10, open_registrations=False,
        ai_policy="prohibited", media_cloaked=True, node_name="Atelier",
    )
    assert doc["version"] == version
    assert doc["software"]["name"] == "impasto"
    assert ("repository" in doc["software"]) is (version == "2.1")
    assert doc["protocols"] == ["activitypub"]
    assert doc["usage"]["users"] == {"total": 3, "activeMonth": 2, "activeHalfyear": 3}
    assert doc["metadata"] == {"aiContentPolicy": "prohibited", "mediaCloaked": True,
                               "nodeName": "Atelier"}
    remote = discovery.parse_nodeinfo(doc)
    assert (remote.software_name, remote.software_version, remote.ai_policy) == (
        "impasto", "0.1.0", "prohibited")
    assert version in discovery.nodeinfo_content_type(version)


def test_nodeinfo_refuses_bad_policy():
    with pytest.raises(ValueError):
        discovery.nodeinfo("2.1", software_version="1", users_total=0, users_active_month=0,
                           users_active_halfyear=0, local_posts=0, open_registrations=True,
                           ai_policy="whatever", media_cloaked=False)  # type: ignore[arg-type]


def test_nodeinfo_links_and_pick():
    links = discovery.nodeinfo_links("https://impasto.test")
    assert [x["href"] for x in links["links"]] == ["https://impasto.test/nodeinfo/2.0",
                                                   "https://impasto.test/nodeinfo/2.1"]
    assert discovery.pick_nodeinfo_href(links) == "https://impasto.test/nodeinfo/2.1"
    mastodon = {"links": [{"rel": "http://nodeinfo.diaspora.software/ns/schema/2.0",
                           "href": "https://m.test/nodeinfo/2.0"}]}
    assert discovery.pick_nodeinfo_href(mastodon) == "https://m.test/nodeinfo/2.0"
    assert discovery.pick_nodeinfo_href({"links": "junk"}) is None
    assert discovery.pick_nodeinfo_href(None) is None


def test_parse_remote_nodeinfo_without_policy():
    mastodon = {"version": "2.0", "software": {"name": "Mastodon", "version": "4.5.0"},
                "openRegistrations": True, "metadata": {"nodeName": "m"}}
    info = discovery.parse_nodeinfo(mastodon)
    assert (info.software_name, info.software_version, info.ai_policy) == (
        "mastodon", "4.5.0", None)
    assert info.open_registrations is True
    labeled = {"software": {"name": "x"}, "metadata": {"aiPolicy": "Labeled"}}
    assert discovery.parse_nodeinfo(labeled).ai_policy == "labelled"
    assert discovery.parse_nodeinfo({"metadata": {"aiContentPolicy": "maybe"}}).ai_policy is None
    with pytest.raises(discovery.DiscoveryError):
        discovery.parse_nodeinfo([])
