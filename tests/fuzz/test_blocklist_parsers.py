"""Property tests of the blocklist parsers (Mastodon CSV, plain, JSON): any text gives
entries or a BlocklistError naming the problem — never another exception — and what we
export reads back the same."""

from __future__ import annotations

import string

from hypothesis import given
from hypothesis import strategies as st

from instance.moderation.blocklist_formats import (
    FORMATS,
    MASTODON_CSV_HEADER,
    SEVERITIES,
    BlockEntry,
    BlocklistError,
    detect_format,
    format_any,
    parse_any,
)
from tests.rig.fuzz import fuzz_settings

CELL = st.text(alphabet=st.characters(codec="utf-8"), max_size=40)
ROW = st.lists(st.one_of(CELL, st.sampled_from(["true", "false", "suspend", "silence", "noop",
                                                  "", "example.com", "*.b.example", "ß.de"])),
               min_size=1, max_size=8)
CSVISH = st.builds(
    lambda header, rows, sep: "\n".join([header, *(sep.join(r) for r in rows)]),
    st.sampled_from([MASTODON_CSV_HEADER, "#domain,#severity", "domain", "#domain,#bogus", ""]),
    st.lists(ROW, max_size=8), st.sampled_from([",", ";", '","', "\t"]))
TEXT = st.one_of(CSVISH, st.text(max_size=300), st.binary(max_size=200).map(
    lambda b: b.decode("latin-1")))
LABEL = st.text(alphabet=string.ascii_lowercase + string.digits, min_size=1, max_size=12)
DOMAIN = st.builds(lambda parts: ".".join(parts) + ".example", st.lists(LABEL, min_size=1, max_size=3))
ENTRY = st.builds(BlockEntry, domain=DOMAIN, severity=st.sampled_from(SEVERITIES),
                  reject_media=st.booleans(), reject_reports=st.booleans(),
                  public_comment=st.text(alphabet=string.ascii_letters + " ,\"'\n", max_size=30),
                  obfuscate=st.booleans())


@fuzz_settings(300)
@given(text=TEXT, fmt=st.sampled_from(FORMATS))
def test_any_text_is_entries_or_a_named_refusal(text, fmt):
    try:
        entries = parse_any(text, fmt)
    except BlocklistError as exc:
        assert str(exc)
        return
    assert all(isinstance(e, BlockEntry) and e.domain for e in entries)
    detect_format(text)


@fuzz_settings(150)
@given(entries=st.lists(ENTRY, max_size=6, unique_by=lambda e: e.domain),
       fmt=st.sampled_from(["mastodon-csv", "json"]))
def test_what_we_export_reads_back(entries, fmt):
    back = parse_any(format_any(entries, fmt), fmt)
    assert [(e.domain, e.severity, e.reject_media, e.reject_reports, e.public_comment, e.obfuscate)
            for e in back] == [(e.domain, e.severity, e.reject_media, e.reject_reports,
                                e.public_comment, e.obfuscate) for e in entries]
