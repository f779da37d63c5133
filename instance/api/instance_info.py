"""Instance metadata (v1 and v2, with and without the trailing slash clients use),
preferences and custom emojis. Clients pick endpoints by the version text before the
first space, so it reads like Mastodon 4.3 with Impasto named after it."""

from __future__ import annotations

import time
from typing import Any

from quart import Blueprint, jsonify

from instance import __version__
from instance.actions.polls import MAX_EXPIRATION, MAX_OPTION_CHARS, MAX_OPTIONS, MIN_EXPIRATION
from instance.actions.works import MAX_IMAGES
from instance.api.auth import current_user, scoped
from instance.config import Config
from instance.emoji import store as emoji_store
from instance.push.keys import vapid_keys
from instance.services import current_services
from instance.storage.models import Account, Work, WorkState

blueprint = Blueprint("api_instance", __name__)

MASTODON_VERSION = "4.3.0"
VERSION = f"{MASTODON_VERSION} (compatible; Impasto {__version__})"
MAX_CHARACTERS = 5000
MAX_MEDIA = MAX_IMAGES
IMAGE_TYPES = ["image/jpeg", "image/png", "image/webp", "image/gif", "image/avif", "image/heic"]
_stats: dict[str, Any] = {}


async def _counts() -> dict[str, int]:
    """Counts change slowly; computed at most once a minute per process."""
    if _stats.get("at", 0) > time.monotonic() - 60:
        return _stats["counts"]
    counts = {
        "user_count": await Account.filter(domain=None, suspended=False).count(),
        "status_count": await Work.filter(local=True, state=WorkState.READY, deleted_at=None).count(),
        "domain_count": len(
            await Account.filter(domain__not_isnull=True).distinct().values_list("domain", flat=True)
        ),
    }
    _stats.update(at=time.monotonic(), counts=counts)
    return counts


def _configuration(config: Config) -> dict[str, Any]:
    media = config.media
    return {
        "accounts": {"max_featured_tags": 10, "max_pinned_statuses": 10},
        "statuses": {
            "max_characters": MAX_CHARACTERS,
            "max_media_attachments": MAX_MEDIA,
            "characters_reserved_per_url": 23,
        },
        "media_attachments": {
            "supported_mime_types": IMAGE_TYPES,
            "image_size_limit": media.max_upload_bytes,
            "image_matrix_limit": media.max_pixels,
            "video_size_limit": 0,
            "video_frame_rate_limit": 0,
            "video_matrix_limit": 0,
            "description_limit": 1500,
        },
        "polls": {"max_options": MAX_OPTIONS, "max_characters_per_option": MAX_OPTION_CHARS,
                  "min_expiration": MIN_EXPIRATION, "max_expiration": MAX_EXPIRATION},
    }


def _streaming(config: Config) -> str:
    return ("wss" if config.instance.scheme == "https" else "ws") + "://" + config.instance.domain


@blueprint.get("/api/v1/instance")
@blueprint.get("/api/v1/instance/")
@scoped(public=True)
async def instance_v1():
    config = current_services().config
    inst, mode = config.instance, config.registration.mode
    return jsonify(
        {
            "uri": inst.domain,
            "title": inst.name,
            "short_description": inst.description,
            "description": inst.description,
            "email": inst.contact_email,
            "version": VERSION,
            "urls": {"streaming_api": _streaming(config)},
            "stats": await _counts(),
            "thumbnail": current_services().urls.static("favicon.svg"),
            "languages": ["en"],
            "registrations": mode != "closed",
            "approval_required": mode == "approval",
            "invites_enabled": mode == "invite",
            "configuration": _configuration(config),
            "contact_account": None,
            "rules": _rules(config),
        }
    )


@blueprint.get("/api/v2/instance")
@blueprint.get("/api/v2/instance/")
@scoped(public=True)
async def instance_v2():
    config = current_services().config
    inst, mode = config.instance, config.registration.mode
    counts = await _counts()
    configuration = _configuration(config)
    configuration.update(
        urls={"streaming": _streaming(config)}, vapid={"public_key": (await vapid_keys()).server_key},
        translation={"enabled": False},
    )
    return jsonify(
        {
            "domain": inst.domain,
            "title": inst.name,
            "version": VERSION,
            "source_url": "https://codeberg.org/impasto/impasto",
            "description": inst.description,
            "usage": {"users": {"active_month": counts["user_count"]}},
            "thumbnail": {"url": current_services().urls.static("favicon.svg"), "blurhash": None,
                          "versions": {}},
            "icon": [],
            "languages": ["en"],
            "configuration": configuration,
            "registrations": {
                "enabled": mode != "closed",
                "approval_required": mode == "approval",
                "message": None,
                "url": None,
            },
            "api_versions": {"mastodon": 2},
            "contact": {"email": inst.contact_email, "account": None},
            "rules": _rules(config),
            "impasto": {
                "version": __version__,
                "ai_policy": config.ai.declared_policy,
                "cloak": config.cloak.enabled,
            },
        }
    )


def _rules(config: Config) -> list[dict[str, str]]:
    return [{"id": str(n), "text": text, "hint": ""} for n, text in enumerate(config.instance.rules, 1)]


@blueprint.get("/api/v1/instance/rules")
@scoped(public=True)
async def rules():
    return jsonify(_rules(current_services().config))


@blueprint.get("/api/v1/instance/domain_blocks")
@scoped(public=True)
async def domain_blocks():
    """The moderated servers with their public reasons, as on /about (Mastodon's shape)."""
    from instance.moderation.about import moderated_servers

    return jsonify(await moderated_servers())


@blueprint.get("/api/v1/instance/peers")
@scoped(public=True)
async def peers():
    return jsonify(
        sorted(await Account.filter(domain__not_isnull=True).distinct().values_list("domain", flat=True))
    )


@blueprint.get("/api/v1/custom_emojis")
@scoped(public=True)
async def custom_emojis():
    base = current_services().config.base_url
    return jsonify([emoji_store.entity(row, base)
                    for row in await emoji_store.local_list(include_disabled=False)])


@blueprint.get("/api/v1/preferences")
@scoped("read:accounts")
async def preferences():
    user = current_user()
    settings = user.settings or {}
    return jsonify(
        {
            "posting:default:visibility": settings.get("default_visibility", "public"),
            "posting:default:sensitive": bool(settings.get("default_sensitive", False)),
            "posting:default:language": settings.get("default_language"),
            "reading:expand:media": "default",
            "reading:expand:spoilers": False,
            "reading:autoplay:gifs": False,
        }
    )
