"""What every page template can use: the logged-in user, the CSRF token, the instance's
name, media URLs, a licence's name and deed (`licence(value)`), and the opt-out meta
tags (robots noai, TDMRep)."""

from __future__ import annotations

from typing import Any

import nh3
from jinja2 import pass_context
from markupsafe import Markup
from quart import Quart, render_template
from tortoise.query_utils import Prefetch

from federation.relme import field_url
from federation.remote_urls import http_url
from federation.vocab import media_kind
from instance.actions.notifications import count_unread
from instance.emoji.text import emojify
from instance.errors import Refused
from instance.moderation.permissions import permissions_of
from instance.services import Services
from instance.storage.models import MediaAttachment, MediaState
from instance.web.csrf import csrf_token
from instance.web.labels import licence
from instance.web.session import current_user
from media.cloak.levels import MEASURED


def ordered_media() -> Prefetch:
    """A work's served media (templates sort them by position: Tortoise does not keep a
    prefetch queryset's ordering)."""
    return Prefetch("media", queryset=MediaAttachment.filter(state=MediaState.READY))


def media_of(work: Any) -> list[Any]:
    """A work's served media in the artist's order, from the rows `ordered_media()`
    prefetched. Templates must use this, never `work.media | filter`: Quart renders Jinja
    in async mode, where the built-in filters iterate a relation with `async for`, which
    queries the database again, once per work and filter (and ignores the prefetch's
    ready-only condition)."""
    return sorted(work.media, key=lambda media: media.position)


def media_url(media: Any, size: str = "display", fmt: str = "webp") -> str | None:
    """URL of a served variant (never the original); None while it is not ready."""
    variants = getattr(media, "variants", None) or {}
    chosen = variants.get(size) or {}
    key = chosen.get(fmt) or chosen.get("jpeg") or chosen.get("webp")
    return f"/media/{key}" if key else None


def media_srcset(media: Any, fmt: str = "webp") -> str:
    """A `srcset` of every served size with its real width (thumb 400, display ≤ 2560),
    so the browser fetches the smallest that fills the slot."""
    variants = getattr(media, "variants", None) or {}
    sizes = sorted((entry.get("width") or 0, name) for name, entry in variants.items()
                   if isinstance(entry, dict) and entry.get("width"))
    return ", ".join(f"{url} {width}w" for width, name in sizes
                     if (url := media_url(media, name, fmt)))


def aspect(media: Any) -> float:
    """Width / height of an image for layout before it loads (1 when unknown), bounded so
    one extreme panorama cannot make a grid row a sliver."""
    width, height = getattr(media, "width", None), getattr(media, "height", None)
    if not width or not height:
        return 1.0
    return round(min(4.0, max(0.25, width / height)), 4)


def focal_position(media: Any) -> str:
    """CSS `object-position` of the artist's focal point (Mastodon's focus: x, y in
    [-1, 1], y = 1 at the top), so a square crop keeps what matters in view."""
    x = min(1.0, max(-1.0, float(getattr(media, "focus_x", 0.0) or 0.0)))
    y = min(1.0, max(-1.0, float(getattr(media, "focus_y", 0.0) or 0.0)))
    return f"{(x + 1) * 50:.1f}% {(1 - y) * 50:.1f}%"


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


@pass_context
def _emojify(context: Any, value: object, domain: str | None = None) -> Markup:
    """`value | emojify(domain)`: the page's `emoji` map (instance.emoji.store.web_map)
    turns the known `:shortcode:` of that origin into images, after escaping."""
    return emojify(value, context.get("emoji"), domain)


def install(app: Quart, services: Services) -> None:
    """Register the template globals once, at app creation."""

    @app.context_processor
    async def page_context() -> dict[str, Any]:
        config = services.config  # read per page: an admin may have changed a setting
        me = await current_user()
        return {
            "me": me,
            "my_permissions": permissions_of(me),  # what the admin links may show
            "unread_notifications": await count_unread(me) if me else 0,
            "instance_name": config.instance.name,
            "instance_description": config.instance.description,
            "registration_mode": config.registration.mode,
            "optout": config.optout,
            "base_url": config.base_url,
        }

    app.jinja_env.globals.update(csrf_token=csrf_token, media_url=media_url, media_kind=media_kind,
                                  media_srcset=media_srcset, aspect=aspect, media_of=media_of,
                                  focal_position=focal_position, cloak_measured=MEASURED,
                                  field_url=field_url, licence=licence)
    app.jinja_env.filters["safe_html"] = safe_html
    app.jinja_env.filters["emojify"] = _emojify
    app.jinja_env.filters["http_url"] = http_url  # a remote document's URL, checked again
    app.jinja_env.autoescape = True
