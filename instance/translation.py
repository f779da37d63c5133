"""Gettext for every layer: the Babel catalogues (instance/locale/<lang>/LC_MESSAGES/
messages.po, read on first use, nothing compiled or downloaded), the current language (a
mail's recipient's while `in_locale` holds, else the web request's, else English), lazy
strings for module-level constants, and dates formatted in that language."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date, datetime, timedelta
from io import BytesIO
from pathlib import Path
from typing import Any

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import LazyProxy, Translations

LOCALE_DIR = Path(__file__).resolve().parent / "locale"
DEFAULT = "en"
# The languages a person can choose, with their own names (the settings page's select).
LANGUAGES: dict[str, str] = {"en": "English", "fr": "Français"}
_catalogues: dict[str, Translations] = {}
_loaded: list[bool] = []
_forced: ContextVar[str | None] = ContextVar("impasto_locale", default=None)
# The web layer installs the request's language here (core does not know requests).
_resolvers: list[Callable[[], str | None]] = []


def load_catalogues(directory: Path = LOCALE_DIR) -> dict[str, Translations]:
    """Read every language's .po file into gettext Translations (English needs none)."""
    found: dict[str, Translations] = {}
    for code in LANGUAGES:
        path = directory / code / "LC_MESSAGES" / "messages.po"
        if code == DEFAULT or not path.exists():
            continue
        with path.open("rb") as handle:
            catalog = read_po(handle, locale=code)
        compiled = BytesIO()
        write_mo(compiled, catalog)  # in memory: fuzzy entries are left out
        compiled.seek(0)
        found[code] = Translations(compiled)
    return found


def reload() -> None:
    """Read the catalogues again (at startup)."""
    _catalogues.clear()
    _catalogues.update(load_catalogues())
    _loaded[:] = [True]


def set_resolver(resolver: Callable[[], str | None]) -> None:
    """Where the language comes from when no `in_locale` holds (the web request's)."""
    _resolvers[:] = [resolver]


def current_locale() -> str:
    """The language of what is being written now (English by default)."""
    forced = _forced.get()
    if forced:
        return forced
    for resolver in _resolvers:
        found = resolver()
        if found:
            return found
    return DEFAULT


def supported(code: object) -> str:
    """`code` when it is a language we have, else the default (a saved setting may be stale)."""
    return code if isinstance(code, str) and code in LANGUAGES else DEFAULT


@contextmanager
def in_locale(code: object) -> Iterator[str]:
    """Write in `code` (a recipient's saved language; the default when unknown) meanwhile."""
    chosen = supported(code)
    token = _forced.set(chosen)
    try:
        yield chosen
    finally:
        _forced.reset(token)


def locale_of(user: Any) -> str:
    """A user's saved language (Settings → Language), else the instance default."""
    settings = getattr(user, "settings", None) or {}
    return supported(settings.get("locale") if isinstance(settings, dict) else None)


def _translations() -> Translations | None:
    if not _loaded:
        reload()
    return _catalogues.get(current_locale())


def plain_gettext(message: str) -> str:
    """The translation alone (Jinja's newstyle wrapper fills in the variables)."""
    translations = _translations()
    return translations.gettext(message) if translations else message


def plain_ngettext(singular: str, plural: str, n: int) -> str:
    translations = _translations()
    if translations:
        return translations.ngettext(singular, plural, n)
    return singular if n == 1 else plural


def gettext(message: str, **variables: Any) -> str:
    """The message in the current language, with %(name)s variables filled in."""
    text = plain_gettext(message)
    return text % variables if variables else text


def ngettext(singular: str, plural: str, n: int, **variables: Any) -> str:
    variables.setdefault("num", n)
    return plain_ngettext(singular, plural, n) % variables


def pgettext(context: str, message: str) -> str:
    """The message as `context` uses it (a state of a listing, of a report: the same English,
    not the same French)."""
    translations = _translations()
    return str(translations.pgettext(context, message)) if translations else message


def lazy_pgettext(context: str, message: str) -> Any:
    return LazyProxy(pgettext, context, message, enable_cache=False)


def lazy_gettext(message: str, **variables: Any) -> Any:
    """A module-level constant translated each time it is shown (str() it to compare)."""
    return LazyProxy(gettext, message, enable_cache=False, **variables)


_ = gettext


def format_number(value: float) -> str:
    from babel.numbers import format_decimal

    return format_decimal(value, locale=current_locale())


# Named date patterns (CLDR syntax). The English they give is what strftime gave before;
# other languages get their own month names.
PATTERNS: dict[str, str] = {
    "day": "dd MMM yyyy",          # 05 Dec 2026
    "day_time": "dd MMM yyyy HH:mm",  # 05 Dec 2026 14:03
    "short_time": "dd MMM HH:mm",  # 05 Dec 14:03
    "month": "LLLL yyyy",          # December 2026
    "stamp": "yyyy-MM-dd HH:mm",   # 2026-12-05 14:03 (admin tables)
    "iso_day": "yyyy-MM-dd",
}


def format_date(value: Any, style: str = "medium") -> str:
    """A date or datetime in the current language: a Babel style (short, medium, long,
    full) or one of PATTERNS; empty for None."""
    from babel.dates import format_date as babel_format_date
    from babel.dates import format_datetime as babel_format_datetime

    if not value:
        return ""
    pattern = PATTERNS.get(style, style)
    if isinstance(value, datetime):
        if style in ("short", "medium", "long", "full"):
            return babel_format_date(value.date(), format=style, locale=current_locale())
        return babel_format_datetime(value, format=pattern, tzinfo=value.tzinfo,
                                     locale=current_locale())
    if isinstance(value, date):
        return babel_format_date(value, format=pattern, locale=current_locale())
    return str(value)


def format_timedelta(delta: timedelta, threshold: float = 0.85) -> str:
    """A duration in words in the current language ("3 days", "3 jours")."""
    from babel.dates import format_timedelta as babel_format_timedelta

    return babel_format_timedelta(delta, threshold=threshold, locale=current_locale())
