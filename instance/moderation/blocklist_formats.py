"""Blocklist file formats, pure (no storage): Mastodon's CSV (the format GoToSocial,
Oliphant and Garden Fence share), plain domain lists, and Mastodon's admin-API JSON.

Export then import of a Mastodon CSV gives back the same bytes; a malformed file gets a
`BlocklistError` naming the line.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import asdict, dataclass
from typing import Any

from federation import safe_json
from instance.errors import Refused
from instance.moderation.domain_names import DomainNameError, normalise_domain

MASTODON_CSV_COLUMNS = (
    "#domain",
    "#severity",
    "#reject_media",
    "#reject_reports",
    "#public_comment",
    "#obfuscate",
)
MASTODON_CSV_HEADER = ",".join(MASTODON_CSV_COLUMNS)
SEVERITIES = ("suspend", "silence", "noop")
FORMATS = ("mastodon-csv", "json", "plain")


class BlocklistError(Refused):
    """The file cannot be read; the message names the line (1-based) and the problem."""

    def __init__(self, line: int | None, message: str) -> None:
        super().__init__(f"line {line}: {message}" if line else message)
        self.line = line


@dataclass(frozen=True)
class BlockEntry:
    domain: str
    severity: str = "suspend"
    reject_media: bool = False
    reject_reports: bool = False
    public_comment: str = ""
    private_comment: str = ""
    obfuscate: bool = False


def _parse_bool(value: str, column: str, line: int) -> bool:
    text = value.strip().lower()
    if text in ("", "false", "0", "no"):
        return False
    if text in ("true", "1", "yes"):
        return True
    raise BlocklistError(line, f"{column} must be true or false, not {value!r}")


def _parse_severity(value: str, line: int) -> str:
    severity = value.strip().lower() or "suspend"  # Mastodon: a missing severity is suspend
    if severity not in SEVERITIES:
        raise BlocklistError(
            line, f"severity must be one of {', '.join(SEVERITIES)}, not {value!r}"
        )
    return severity


def _domain(value: str, line: int) -> str:
    try:
        return normalise_domain(value)
    except DomainNameError as exc:
        raise BlocklistError(line, str(exc)) from None


def parse_mastodon_csv(text: str) -> list[BlockEntry]:
    """Read Mastodon's domain-block CSV; the header names the columns (with or without
    '#'); every row must have as many fields as the header."""
    try:
        rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"), newline="")))
    except csv.Error as exc:  # e.g. a NUL byte, a stray quote (found by the fuzz test)
        raise BlocklistError(None, f"not a CSV file: {exc}") from None
    if not rows:
        raise BlocklistError(None, "the file is empty")
    header = [name.strip().lstrip("#").lower() for name in rows[0]]
    if "domain" not in header:
        raise BlocklistError(
            1, f"the header must name a #domain column (expected {MASTODON_CSV_HEADER})"
        )
    known = {name.lstrip("#") for name in MASTODON_CSV_COLUMNS}
    unknown = [name for name in header if name not in known]
    if unknown:
        raise BlocklistError(1, f"unknown column(s): {', '.join(unknown)}")
    entries: list[BlockEntry] = []
    for number, row in enumerate(rows[1:], start=2):
        if not row or all(not cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            raise BlocklistError(
                number, f"expected {len(header)} columns ({', '.join(header)}), found {len(row)}"
            )
        cells = dict(zip(header, row, strict=True))
        entries.append(
            BlockEntry(
                domain=_domain(cells["domain"], number),
                severity=_parse_severity(cells.get("severity", ""), number),
                reject_media=_parse_bool(cells.get("reject_media", ""), "reject_media", number),
                reject_reports=_parse_bool(
                    cells.get("reject_reports", ""), "reject_reports", number
                ),
                public_comment=cells.get("public_comment", ""),
                obfuscate=_parse_bool(cells.get("obfuscate", ""), "obfuscate", number),
            )
        )
    return entries


def format_mastodon_csv(entries: list[BlockEntry]) -> str:
    """Mastodon's export: the six columns, booleans as true/false, no private comment."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(MASTODON_CSV_COLUMNS)
    for entry in entries:
        writer.writerow(
            [
                entry.domain,
                entry.severity,
                _bool(entry.reject_media),
                _bool(entry.reject_reports),
                entry.public_comment,
                _bool(entry.obfuscate),
            ]
        )
    return out.getvalue()


def _bool(value: bool) -> str:
    return "true" if value else "false"


def parse_plain(text: str) -> list[BlockEntry]:
    """One domain per line; '#' starts a comment; every entry is a suspension."""
    entries = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if line:
            entries.append(BlockEntry(domain=_domain(line, number)))
    return entries


def format_plain(entries: list[BlockEntry]) -> str:
    return "".join(f"{entry.domain}\n" for entry in entries)


def parse_json(text: str) -> list[BlockEntry]:
    """Mastodon's admin API shape: a list of {domain, severity, reject_media, …}."""
    try:
        data = safe_json.loads(text, max_bytes=len(text))
    except safe_json.JsonInputError as exc:
        raise BlocklistError(None, f"not valid JSON: {exc.reason}") from None
    if not isinstance(data, list):
        raise BlocklistError(None, "the JSON must be a list of domain blocks")
    entries = []
    for index, item in enumerate(data):
        where = f"item {index + 1}"
        if not isinstance(item, dict) or not isinstance(item.get("domain"), str):
            raise BlocklistError(None, f'{where}: each block needs a "domain" string')
        try:
            entries.append(
                BlockEntry(
                    domain=normalise_domain(item["domain"]),
                    severity=_parse_severity(str(item.get("severity") or ""), 0),
                    reject_media=bool(item.get("reject_media", False)),
                    reject_reports=bool(item.get("reject_reports", False)),
                    public_comment=str(item.get("public_comment") or ""),
                    private_comment=str(item.get("private_comment") or ""),
                    obfuscate=bool(item.get("obfuscate", False)),
                )
            )
        except (BlocklistError, DomainNameError) as exc:
            message = str(exc).removeprefix("line 0: ")
            raise BlocklistError(None, f"{where}: {message}") from None
    return entries


def format_json(entries: list[BlockEntry]) -> str:
    return json.dumps([_json_item(entry) for entry in entries], indent=2) + "\n"


def _json_item(entry: BlockEntry) -> dict[str, Any]:
    return asdict(entry)


def detect_format(text: str, filename: str = "") -> str:
    """Guess a file's format from its name and first characters."""
    head = text.lstrip("\ufeff").lstrip()
    if filename.endswith(".json") or head.startswith("["):
        return "json"
    if filename.endswith(".csv") or head.lower().startswith(("#domain", "domain,")):
        return "mastodon-csv"
    return "plain"


def parse_any(text: str, fmt: str) -> list[BlockEntry]:
    parsers = {"mastodon-csv": parse_mastodon_csv, "json": parse_json, "plain": parse_plain}
    return parsers[fmt](text)


def format_any(entries: list[BlockEntry], fmt: str) -> str:
    formatters = {"mastodon-csv": format_mastodon_csv, "json": format_json, "plain": format_plain}
    return formatters[fmt](entries)
