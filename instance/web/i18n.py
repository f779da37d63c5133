"""Localisation of the web pages: Babel catalogues (instance/locale/<lang>/LC_MESSAGES/
messages.po, read once at startup, nothing compiled or downloaded), the request's locale
(the account's setting, else the Accept-Language header, else English) and the gettext
functions Jinja's i18n extension and the views share."""

from __future__ import annotations

from babel import negotiate_locale
from quart import Quart, g, has_request_context, request

from instance import translation
from instance.translation import (
    DEFAULT,
    LANGUAGES,
    LOCALE_DIR,
    format_date,
    format_number,
    format_timedelta,
    gettext,
    lazy_gettext,
    load_catalogues,
    ngettext,
    plain_gettext,
    plain_ngettext,
)
from instance.web.labels import label
from instance.web.session import current_user

NO_LOCALE_PREFIXES = ("/api/", "/static/", "/media/", "/oauth/token", "/.well-known/")


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


def request_locale() -> str | None:
    """This request's language code (None outside a request)."""
    if not has_request_context() or request.path.startswith(NO_LOCALE_PREFIXES):
        return None  # the API and ActivityPub stay English whatever the header says
    if "locale" not in g:
        g.locale = negotiate(request.headers.get("Accept-Language"))
    return str(g.locale)


def current_locale() -> str:
    """The language being written now (the request's; English outside one)."""
    return translation.current_locale()


def set_locale(code: str | None) -> None:
    """Switch this request's language (after the account's choice changed)."""
    g.locale = code if code in LANGUAGES else negotiate(request.headers.get("Accept-Language"))


_ = gettext


def install(app: Quart) -> None:
    """Load the catalogues, add Jinja's i18n extension and choose each request's locale."""
    translation.reload()
    translation.set_resolver(request_locale)
    app.jinja_env.add_extension("jinja2.ext.i18n")
    app.jinja_env.policies["ext.i18n.trimmed"] = True  # {% trans %} text joined on one line
    app.jinja_env.install_gettext_callables(plain_gettext, plain_ngettext, newstyle=True)  # type: ignore[attr-defined]
    app.jinja_env.globals.update(current_locale=current_locale, format_number=format_number)
    app.jinja_env.filters["date"] = format_date  # {{ when | date("day") }}: see translation.PATTERNS
    app.jinja_env.filters["duration"] = format_timedelta
    app.jinja_env.filters["label"] = label  # {{ a.state | label("application") }}

    @app.before_request
    async def choose_locale() -> None:
        if request.path.startswith(NO_LOCALE_PREFIXES) or (
                request.method == "POST" and request.path.endswith("/inbox")):
            return  # nothing localised in the answer: no session, no user to read
        user = await current_user()
        chosen = ((user.settings or {}).get("locale") if user else None) or ""
        set_locale(chosen)


__all__ = ["DEFAULT", "LANGUAGES", "LOCALE_DIR", "current_locale", "format_date", "format_number",
           "format_timedelta", "gettext", "install", "lazy_gettext", "load_catalogues", "ngettext", "_"]
