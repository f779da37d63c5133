"""The licence table (`federation/licences.py`): codes and deed URLs as people and other
servers write them resolve to one licence; the Note carries the deed as an IRI and a
readable last line that a receiver strips again; unknown values are never linked unless
they are web addresses."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from federation import licences
from federation.documents import work_to_note
from federation.jsonld import IMPASTO_NS, expand, outgoing_context

BY_SA = "https://creativecommons.org/licenses/by-sa/4.0/"


@pytest.mark.parametrize("value", [
    "CC-BY-SA-4.0", "cc-by-sa-4.0", BY_SA, "http://creativecommons.org/licenses/by-sa/4.0",
    "https://creativecommons.org/licenses/by-sa/4.0/deed.fr", BY_SA + "legalcode",
])
def test_codes_and_deed_urls_find_the_same_licence(value):
    found = licences.find(value)
    assert found is not None
    assert (found.code, found.name, found.url) == ("CC-BY-SA-4.0", "CC BY-SA 4.0", BY_SA)
    assert licences.url_of(value) == BY_SA


def test_unknown_values_and_all_rights_reserved():
    assert licences.find("") is licences.ALL_RIGHTS_RESERVED and licences.url_of("") is None
    assert licences.describe("") is None
    assert licences.find("my own terms") is None and licences.url_of("my own terms") is None
    plain = licences.describe("my own terms")
    assert plain is not None and (plain.name, plain.url) == ("my own terms", None)
    linked = licences.describe("https://example.org/terms")
    assert linked is not None and linked.url == "https://example.org/terms"
    assert licences.content_line("") == "" and licences.content_line("my own terms") == ""
    assert len(licences.CODES) == len(licences.LICENCES)  # one row per code


def test_the_note_carries_the_deed_and_a_line_a_receiver_strips():
    work = SimpleNamespace(
        ap_id="https://art.test/users/ada/works/1", title="Heron", summary="", sensitive=False,
        content="<p>Ink</p>", published_at=None, created_at=None, edited_at=None,
        url="https://art.test/@ada/1", visibility="public", licence="CC-BY-SA-4.0", medium="",
        tools=[], ai_declaration="none", language="en")
    note = work_to_note(work, actor_id="https://art.test/users/ada",
                        followers_url="https://art.test/users/ada/followers",
                        base_url="https://art.test", media=[], tags=[], mentions=[],
                        in_reply_to=None, cloaked=False)
    line = f'<p>Licence: <a href="{BY_SA}" rel="license">CC BY-SA 4.0</a></p>'
    assert note["licence"] == BY_SA and note["content"] == "<p>Ink</p>" + line
    assert note["contentMap"] == {"en": note["content"]}
    assert licences.strip_line(note["content"], note["licence"]) == "<p>Ink</p>"
    assert licences.strip_line("<p>Ink</p>", note["licence"]) == "<p>Ink</p>"
    expanded = expand({"@context": outgoing_context(), **note})[0]
    assert expanded[IMPASTO_NS + "licence"] == [{"@id": BY_SA}]
