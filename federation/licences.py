"""The licences an artist can choose for a work: one table (code, name, deed URL) for the
upload and edit forms, the settings default, the work page, the served images' XMP and
the federated Note. A work stores the code; a remote work stores what its server sent
(a deed URL from another Impasto or anything else), so `find` accepts both."""

from __future__ import annotations

import html
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Licence:
    code: str  # stored on the work ("" = all rights reserved)
    name: str  # what people read
    url: str | None  # the Creative Commons deed; None when there is none


ALL_RIGHTS_RESERVED = Licence("", "All rights reserved", None)
LICENCES: tuple[Licence, ...] = (
    ALL_RIGHTS_RESERVED,
    Licence("CC-BY-4.0", "CC BY 4.0", "https://creativecommons.org/licenses/by/4.0/"),
    Licence("CC-BY-SA-4.0", "CC BY-SA 4.0", "https://creativecommons.org/licenses/by-sa/4.0/"),
    Licence("CC-BY-NC-4.0", "CC BY-NC 4.0", "https://creativecommons.org/licenses/by-nc/4.0/"),
    Licence("CC-BY-NC-SA-4.0", "CC BY-NC-SA 4.0",
            "https://creativecommons.org/licenses/by-nc-sa/4.0/"),
    Licence("CC-BY-ND-4.0", "CC BY-ND 4.0", "https://creativecommons.org/licenses/by-nd/4.0/"),
    Licence("CC-BY-NC-ND-4.0", "CC BY-NC-ND 4.0",
            "https://creativecommons.org/licenses/by-nc-nd/4.0/"),
    Licence("CC0-1.0", "CC0 1.0 (public domain dedication)",
            "https://creativecommons.org/publicdomain/zero/1.0/"),
)
CODES = frozenset(licence.code for licence in LICENCES)


def _plain_url(url: str) -> str:
    """Deed URLs as people paste them: http or https, with or without the trailing
    slash or a `deed.xx` language page."""
    url = url.strip().split("#", 1)[0].split("?", 1)[0]
    url = url.removeprefix("http://").removeprefix("https://")
    head, _, last = url.rstrip("/").rpartition("/")
    return (head if last.startswith("deed") or last == "legalcode" else url.rstrip("/")).lower()


_BY_CODE = {licence.code.lower(): licence for licence in LICENCES}
_BY_URL = {_plain_url(licence.url): licence for licence in LICENCES if licence.url}


def find(value: str | None) -> Licence | None:
    """The known licence for a stored value (a code or a deed URL); None when unknown."""
    value = (value or "").strip()
    if value.lower() in _BY_CODE:
        return _BY_CODE[value.lower()]
    if value.startswith(("http://", "https://")):
        return _BY_URL.get(_plain_url(value))
    return None


def url_of(value: str | None) -> str | None:
    """The IRI to federate for a stored value: the deed of a known licence, or the
    value itself when it is already a web address; None otherwise."""
    known = find(value)
    if known is not None:
        return known.url
    value = (value or "").strip()
    return value if value.startswith(("http://", "https://")) else None


def content_line(value: str | None) -> str:
    """The readable line a Note's content ends with, so people on servers that ignore
    the `licence` property (Mastodon) still see it; "" for all rights reserved or an
    unknown value. Receivers that know it (Impasto) strip it again (`strip_line`)."""
    known = find(value)
    if known is None or known.url is None:
        return ""
    return (f'<p>Licence: <a href="{html.escape(known.url)}" rel="license">'
            f"{html.escape(known.name)}</a></p>")


def strip_line(content: str, value: str | None) -> str:
    """`content` without the trailing licence line that `content_line` added."""
    line = content_line(value)
    return content.removesuffix(line) if line else content


def describe(value: str | None) -> Licence | None:
    """What a page shows for a stored value: the known licence, a link to an unknown
    web address, plain text otherwise; None when nothing was stated."""
    value = (value or "").strip()
    if not value:
        return None
    known = find(value)
    if known is not None:
        return known
    web = value.startswith(("http://", "https://"))
    return Licence(value, value, value if web else None)
