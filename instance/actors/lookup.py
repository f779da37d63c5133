"""Asking another server about one of its accounts (WebFinger), with every failure told
in a sentence a visitor understands — never `[Errno -2]` or a status line. The domain
gate is asked first: a suspended server is not contacted at all."""

from __future__ import annotations

from typing import Any

from federation.client import FetchError
from federation.discovery import SUBSCRIBE_REL
from instance.errors import Refused
from instance.moderation.gate import is_suspended
from instance.services import Services
from instance.translation import gettext as _
from instance.translation import lazy_gettext


class LookupRefused(Refused):
    """Another server could not tell us about an account; the message says why."""

    status = 502
    title = lazy_gettext("Could not look that up")


def words_for(exc: FetchError, server: str, who: str) -> LookupRefused:
    """A fetch failure as a sentence about `server` and the account `who` (@name@server)."""
    if exc.kind == "unknown-host":
        return LookupRefused(f"There is no server called {server}: the name does not exist. "
                             f"Check the spelling of {who}.", status=404)
    if exc.kind == "timeout":
        return LookupRefused(f"{server} took too long to answer. Try again later.", status=504)
    if exc.kind == "unreachable":
        return LookupRefused(f"{server} did not answer: it may be down. Try again later.")
    if exc.kind == "forbidden-address":
        return LookupRefused(f"{server} points at a private network address, "
                             "which this server does not contact.", status=422)
    if exc.status in (404, 410):
        return LookupRefused(f"{server} has no account {who}. Check the spelling.", status=404)
    if exc.status is not None:
        return LookupRefused(f"{server} could not answer about {who} (it replied with "
                             f"an error, {exc.status}). Try again later.")
    return LookupRefused(f"{server} did not answer like a fediverse server about {who}.")


async def refuse_if_suspended(services: Services, server: str) -> None:
    """A suspended (or, in allowlist mode, unlisted) server is never contacted."""
    if await is_suspended(server, allowlist_mode=services.config.moderation.allowlist_mode):
        raise LookupRefused(_("This server does not exchange with %(server)s.", server=server), status=403)


async def webfinger(services: Services, username: str, server: str) -> dict[str, Any]:
    """The JRD for @username@server, fetched through the guarded client."""
    who = f"@{username}@{server}"
    await refuse_if_suspended(services, server)
    url = (f"{services.config.remote_scheme}://{server}/.well-known/webfinger"
           f"?resource=acct:{username}@{server}")
    try:
        jrd = await services.http.fetch_json(url, accept="application/jrd+json",
                                             activitypub=False)
    except FetchError as exc:
        raise words_for(exc, server, who) from exc
    if not isinstance(jrd, dict):
        raise LookupRefused(_("%(server)s did not answer like a fediverse server about %(who)s.",
                              server=server, who=who))
    return jrd


def subscribe_template(jrd: dict[str, Any]) -> str | None:
    """The OStatus subscribe template (`…?uri={uri}`) a JRD offers, if any (http(s) only)."""
    for link in jrd.get("links") or []:
        if not isinstance(link, dict) or link.get("rel") != SUBSCRIBE_REL:
            continue
        template = link.get("template")
        if isinstance(template, str) and template.startswith(("https://", "http://")) \
                and "{uri}" in template:
            return template
    return None
