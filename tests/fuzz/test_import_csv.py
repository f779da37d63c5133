"""Property tests of the Mastodon CSV import reader (`instance.actions.importing.files.
read_rows`): for every kind, any bytes give rows plus a per-row report, or an
`ImportRefused` naming the problem — never another exception, and a malformed row is
reported, never silently taken."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from instance.actions.importing.files import ImportRefused, read_rows
from instance.actions.importing.kinds import KINDS
from tests.rig.fuzz import fuzz_settings

CELL = st.one_of(
    st.text(alphabet=st.characters(codec="utf-8"), max_size=30),
    st.sampled_from(["ana@art.example", "@ben@b.example:8080", "true", "false", "", "en,fr",
                     "https://art.example/works/1", "Account address", "Show boosts",
                     "Friends", "=cmd|' /C calc'!A0", "a@b@c", "x" * 300]),
)
ROWS = st.lists(st.lists(CELL, min_size=1, max_size=5), max_size=12)
SEPARATORS = st.sampled_from([",", ";", "\t", '","'])
CSVISH = st.builds(lambda rows, sep, end: end.join(sep.join(r) for r in rows).encode(),
                   ROWS, SEPARATORS, st.sampled_from(["\n", "\r\n", "\r"]))
DATA = st.one_of(CSVISH, st.binary(max_size=400), CSVISH.map(lambda b: b"\xef\xbb\xbf" + b),
                 CSVISH.map(lambda b: b.decode().encode("utf-16")))


@fuzz_settings(300)
@given(data=DATA, kind=st.sampled_from(sorted(KINDS)))
def test_any_file_is_rows_and_a_report_or_a_named_refusal(data, kind):
    try:
        rows, report = read_rows(data, KINDS[kind])
    except ImportRefused as exc:
        assert str(exc)
        return
    assert rows, "a file that is not refused has at least one row to act on"
    assert all(isinstance(r["row"], int) and r["row"] >= 1 for r in rows)
    assert all(entry["error"] for entry in report)
    assert not {r["row"] for r in rows} & {e["row"] for e in report}  # a row is one or the other
