"""rel="me" link checks and profile-field links (federation/relme.py), pure."""

from __future__ import annotations

from federation.relme import field_html, field_url, links_back, rel_me_links

PROFILE = "https://art.example/@mira"


def test_field_url_takes_one_bare_http_url():
    assert field_url("https://mira.example/shop") == "https://mira.example/shop"
    # stored field text is HTML-escaped
    assert field_url(" https://mira.example/?a=1&amp;b=2 ") == "https://mira.example/?a=1&b=2"
    for value in ("mira.example", "javascript:alert(1)", "https://a.example/ and more",
                  'https://a.example/"onmouseover=x', "https://", "ftp://a.example/", None, ""):
        assert field_url(value) is None, value


def test_field_html_is_a_rel_me_link_with_the_url_escaped():
    assert field_html("https://mira.example/?a=1&amp;b=2") == (
        '<a href="https://mira.example/?a=1&amp;b=2" rel="me nofollow noopener noreferrer" '
        'target="_blank">https://mira.example/?a=1&amp;b=2</a>'
    )
    assert field_html("Oil and ink") == "Oil and ink"


def test_links_back_needs_rel_me_to_this_profile():
    page = "https://mira.example/about"
    assert links_back(f'<a rel="me" href="{PROFILE}">me</a>', page, {PROFILE})
    assert links_back(f'<head><link rel="ME authn" href="{PROFILE}/"></head>', page, {PROFILE})
    assert links_back('<a rel="me" href="HTTPS://ART.EXAMPLE/@mira">', page, {PROFILE})
    assert not links_back(f'<a href="{PROFILE}">no rel</a>', page, {PROFILE})
    assert not links_back('<a rel="me" href="https://art.example/@someone">', page, {PROFILE})
    assert not links_back(f'<a rel="mention" href="{PROFILE}">', page, {PROFILE})
    assert not links_back("<p>not html at all < > &", page, {PROFILE})


def test_relative_rel_me_links_resolve_against_the_page():
    assert rel_me_links('<a rel="me" href="/@mira">', "https://art.example/about") == [PROFILE]
