"""Localisation of the web pages: Babel catalogues (instance/locale/<lang>/LC_MESSAGES/
messages.po, read once at startup, nothing compiled or downloaded), the request's locale
(the account's setting, else the Accept-Language header, else English) and the gettext
functions Jinja's i18n extension and the views share."""

from __future__ import annotations

from io import BytesIO
from pathlib import Path
from typing import Any

from babel import negotiate_locale
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations
from quart import Quart, g, has_request_context, request

from instance.web.session import current_user

LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"
DEFAULT = "en"
# The languages a person can choose, with their own names (the settings page's select).
LANGUAGES: dict[str, str] = {"en": "English", "fr": "Français"}
_catalogues: dict[str, Translations] = {}
NO_LOCALE_PREFIXES = ("/api/", "/static/", "/media/", "/oauth/token", "/.well-known/")


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


def negotiate(header: str | None) -> str:
    """The best supported language of an Accept-Language header (q-values honoured)."""
    wanted: list[tuple[float, str]] = []
    for part in (header or "").split(",")[:20]:
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                continue
        if tag and quality > 0:
            wanted.append((quality, tag.strip().replace("_", "-")))
    wanted.sort(key=lambda pair: -pair[0])  # stable: equal q keeps the header's order
    chosen = negotiate_locale([tag for _, tag in wanted], list(LANGUAGES), sep="-")
    return chosen or DEFAULT


def current_locale() -> str:
    """This request's language code (English outside a request)."""
    if not has_request_context():
        return DEFAULT
    if "locale" not in g:
        g.locale = negotiate(request.headers.get("Accept-Language"))
    return str(g.locale)


def set_locale(code: str | None) -> None:
    """Switch this request's language (after the account's choice changed)."""
    g.locale = code if code in LANGUAGES else negotiate(request.headers.get("Accept-Language"))


def _translations() -> Translations | None:
    return _catalogues.get(current_locale())


def _plain_gettext(message: str) -> str:
    """The translation alone (Jinja's newstyle wrapper fills in the variables)."""
    translations = _translations()
    return translations.gettext(message) if translations else message


def _plain_ngettext(singular: str, plural: str, n: int) -> str:
    translations = _translations()
    if translations:
        return translations.ngettext(singular, plural, n)
    return singular if n == 1 else plural


def gettext(message: str, **variables: Any) -> str:
    """The message in the request's language, with %(name)s variables filled in."""
    text = _plain_gettext(message)
    return text % variables if variables else text


def ngettext(singular: str, plural: str, n: int, **variables: Any) -> str:
    variables.setdefault("num", n)
    return _plain_ngettext(singular, plural, n) % variables


_ = gettext


def format_number(value: float) -> str:
    from babel.numbers import format_decimal

    return format_decimal(value, locale=current_locale())


def format_date(value: Any, style: str = "medium") -> str:
    from babel.dates import format_date as babel_format_date

    return babel_format_date(value, format=style, locale=current_locale()) if value else ""


def install(app: Quart) -> None:
    """Load the catalogues, add Jinja's i18n extension and choose each request's locale."""
    _catalogues.clear()
    _catalogues.update(load_catalogues())
    app.jinja_env.add_extension("jinja2.ext.i18n")
    app.jinja_env.policies["ext.i18n.trimmed"] = True  # {% trans %} text joined on one line
    app.jinja_env.install_gettext_callables(_plain_gettext, _plain_ngettext, newstyle=True)  # type: ignore[attr-defined]
    app.jinja_env.globals.update(current_locale=current_locale, format_number=format_number)
    app.jinja_env.filters["date"] = format_date

    @app.before_request
    async def choose_locale() -> None:
        if request.path.startswith(NO_LOCALE_PREFIXES):
            return
        user = await current_user()
        chosen = ((user.settings or {}).get("locale") if user else None) or ""
        set_locale(chosen)


__all__ = ["LANGUAGES", "current_locale", "gettext", "ngettext", "install", "_"]
