"""What every page template can use: the logged-in user, the CSRF token, the instance's
name, media URLs, a licence's name and deed (`licence(value)`), and the opt-out meta
tags (robots noai, TDMRep)."""

from __future__ import annotations

from typing import Any

import nh3
from markupsafe import Markup
from quart import Quart, render_template
from tortoise.query_utils import Prefetch

from federation import licences
from federation.relme import field_url
from federation.remote_urls import http_url
from federation.vocab import media_kind
from instance.actions.notifications import count_unread
from instance.errors import Refused
from instance.services import Services
from instance.storage.models import MediaAttachment, MediaState
from instance.web.csrf import csrf_token
from instance.web.session import current_user
from media.cloak.levels import MEASURED


def ordered_media() -> Prefetch:
    """A work's served media (templates sort them by position: Tortoise does not keep a
    prefetch queryset's ordering)."""
    return Prefetch("media", queryset=MediaAttachment.filter(state=MediaState.READY))


def media_url(media: Any, size: str = "display", fmt: str = "webp") -> str | None:
    """URL of a served variant (never the original); None while it is not ready."""
    variants = getattr(media, "variants", None) or {}
    chosen = variants.get(size) or {}
    key = chosen.get(fmt) or chosen.get("jpeg") or chosen.get("webp")
    return f"/media/{key}" if key else None


ALLOWED_TAGS = {
    "p",
    "br",
    "a",
    "span",
    "em",
    "strong",
    "i",
    "b",
    "u",
    "del",
    "s",
    "blockquote",
    "code",
    "pre",
    "ul",
    "ol",
    "li",
    "h1",
    "h2",
    "h3",
    "h4",
}


def safe_html(html: str | None) -> Markup:
    """Sanitise stored HTML again as it is rendered (defence in depth: remote content is
    cleaned on arrival too). No scripts, no event handlers, no styles, links get
    rel=nofollow noopener."""
    return Markup(
        nh3.clean(
            html or "",
            tags=ALLOWED_TAGS,
            attributes={"a": {"href", "title"}, "span": {"class"}},
            url_schemes={"http", "https", "mailto"},
            link_rel="nofollow noopener noreferrer",
        )
    )


async def refused_page(exc: Refused) -> tuple[str, int]:
    """The web's one rendering of a refusal: a message page with its status."""
    return await render_template("message.html", title=exc.title, message=exc.message), exc.status


def install(app: Quart, services: Services) -> None:
    """Register the template globals once, at app creation."""

    @app.context_processor
    async def page_context() -> dict[str, Any]:
        config = services.config  # read per page: an admin may have changed a setting
        me = await current_user()
        return {
            "me": me,
            "unread_notifications": await count_unread(me) if me else 0,
            "instance_name": config.instance.name,
            "instance_description": config.instance.description,
            "registration_mode": config.registration.mode,
            "optout": config.optout,
            "base_url": config.base_url,
        }

    app.jinja_env.globals.update(csrf_token=csrf_token, media_url=media_url, media_kind=media_kind,
                                  cloak_measured=MEASURED, field_url=field_url,
                                  licence=licences.describe)
    app.jinja_env.filters["safe_html"] = safe_html
    app.jinja_env.filters["http_url"] = http_url  # a remote document's URL, checked again
    app.jinja_env.autoescape = True
