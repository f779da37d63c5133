"""The one reading of an uploaded import file, whatever its kind: a file that cannot be
imported at all (too big, not UTF-8 text, a header or columns of another kind, no rows)
is refused before anything is queued; each row becomes either work for the job or, when
the kind's parser says it is malformed, an entry of the report. `report_entry` is the
one shape of a report line, for malformed rows here and for rows the job could not do."""

from __future__ import annotations

import csv
import io
from typing import TYPE_CHECKING, Any

from instance.errors import Refused
from instance.translation import gettext as _

if TYPE_CHECKING:
    from instance.actions.importing.kinds import ImportKind

MODES = ("merge", "overwrite")
# The kinds' names, in the form's order: `kinds.KINDS` holds them (checked there), named
# here too so the command line can offer them without loading the actions.
KIND_NAMES = ("following", "blocks", "mutes", "bookmarks", "lists", "domain_blocks")
MAX_ROWS = 8000  # Mastodon's limit for a follows import, kept for every kind
MAX_BYTES = 1_000_000
MALFORMED = "malformed row: "
# First cells of the headers Mastodon writes or reads: a file starting with one has a header.
KNOWN_HEADERS = ("Account address", "#domain", "#uri", "List name")


class ImportRefused(Refused):
    """The file as a whole cannot be imported (too big, not CSV, wrong columns)."""


class Malformed(Exception):
    """A row the kind's parser cannot read; the message says why."""


def report_entry(number: int, subject: str, error: str) -> dict[str, Any]:
    """A report line: the file's row number, what the row names, and why it was not done."""
    return {"row": number, "address": subject[:300], "error": error}


def is_malformed(entry: dict[str, Any]) -> bool:
    """Whether a report entry was made at upload (its row never reached the job)."""
    return str(entry.get("error", "")).startswith(MALFORMED)


def _text(data: bytes) -> str:
    if len(data) > MAX_BYTES:
        raise ImportRefused(_("The file is larger than %(megabytes)s MB.",
                              megabytes=MAX_BYTES // 1000000), status=413)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ImportRefused(_("The file is not UTF-8 text (a CSV from Mastodon is).")) from None


def _is_header(cells: list[str], kind: ImportKind) -> bool:
    first = cells[0] if cells else ""
    return first in KNOWN_HEADERS or first.startswith("#") or (kind.addresses_first and "@" not in first)


def _check_shape(lines: list[list[str]], kind: ImportKind) -> list[list[str]]:
    """The lines without the header (kept as an empty line, so row numbers stay the
    file's); refuses a header or a first row that is not this kind's."""
    first = next((n for n, cells in enumerate(lines) if any(c.strip() for c in cells)), None)
    if first is None:
        return lines
    cells = [c.strip() for c in lines[first]]
    if _is_header(cells, kind):
        wanted = kind.header[:min(2, len(cells))]  # "Account address" alone is a header too
        if tuple(cells[:len(wanted)]) != wanted:
            raise ImportRefused(_("The header is not Mastodon's for %(kind)s: %(header)s",
                                  kind=kind.label.lower(), header=",".join(kind.header)))
        return [*lines[:first], [], *lines[first + 1:]]
    if len(cells) < kind.min_columns:
        raise ImportRefused(_("A %(file_name)s has %(min_columns)s columns (%(columns)s); this file's first "
                              "row has %(found)s.",
                              file_name=kind.file_name, min_columns=kind.min_columns,
                              columns=",".join(kind.header), found=len(cells)))
    return lines


def read_rows(data: bytes, kind: ImportKind) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(rows for the job, report entries for malformed rows); refuses a file it cannot read."""
    try:
        lines = _check_shape(list(csv.reader(io.StringIO(_text(data)))), kind)
    except csv.Error as exc:
        raise ImportRefused(_("The file is not a CSV file: %(exc)s.", exc=exc)) from None
    if sum(1 for cells in lines if cells) > MAX_ROWS:
        raise ImportRefused(_("The file has more than %(max_rows)s rows.", max_rows=MAX_ROWS))
    rows: list[dict[str, Any]] = []
    report: list[dict[str, Any]] = []
    for number, raw in enumerate(lines, start=1):
        cells = [c.strip() for c in raw]
        if not any(cells):
            continue
        subject = ",".join(cells[:kind.subject_columns])
        try:
            rows.append({"row": number, **kind.parse(cells)})
        except Malformed as exc:
            report.append(report_entry(number, subject, MALFORMED + str(exc)))
    if not rows and not report:
        raise ImportRefused(_("The file lists no %(things)s.", things=kind.things))
    if not rows:
        raise ImportRefused(_("No row of the file is one of %(things)s: is it a %(file_name)s? (row "
                              "%(row)s: %(error)s)",
                              things=kind.things, file_name=kind.file_name, row=report[0]["row"],
                              error=report[0]["error"]))
    return rows, report
