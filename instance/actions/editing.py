"""Editing a work: the one function the web form and the client API (PUT a status) both
call. Every check comes before the first write, so a refused edit changes nothing. A
published work sends ONE Update (to followers, mentions and everyone who got it) in the
same transaction as the change; images are processed again only where that changes
what is served: a new image (at the work's level), or every image when the level
changes (re-rendered in place, still shown meanwhile). A title or alt-text change
processes nothing. Images an edit adds go out in a later Update once processed
(`publishing.update_if_grown`)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from tortoise.transactions import in_transaction

from federation import licences
from instance.actions.publishing import federate, now, publish_if_ready
from instance.actions.works import MAX_IMAGES, WorkError, mention_urls, mentions_in, own_work, set_tags
from instance.attachments.policy import effective_cloak_level
from instance.attachments.processing import delete_media, sync_work_cloak
from instance.attachments.uploads import MAX_DESCRIPTION
from instance.services import Services
from instance.storage.models import Account, MediaAttachment, User, Work, WorkState
from instance.storage.models.works import AI_DECLARATIONS, VISIBILITIES
from instance.text import render
from instance.translation import gettext as _
from media.cloak import LEVELS

# The columns an edit writes: a whole-row save would put back counters (likes, boosts)
# that moved since the work was read.
EDITABLE = ("content", "content_source", "mentions", "title", "summary", "sensitive",
            "visibility", "licence", "medium", "tools", "ai_declaration", "language",
            "cloak_level", "edited_at")


@dataclass(frozen=True, slots=True)
class ImageEdit:
    """One image of the edited work, in its new place: an attached image or an upload of
    the artist's not yet attached. None leaves the alt text or focal point as it is."""

    id: int
    description: str | None = None
    focus: tuple[float, float] | None = None  # Mastodon's (x, y), each in [-1, 1]


def _check_images(images: Sequence[ImageEdit], current: list[MediaAttachment]) -> None:
    ids = [image.id for image in images]
    if len(ids) != len(set(ids)):
        raise WorkError(_("an image is listed twice"))
    if len(ids) > MAX_IMAGES:
        raise WorkError(_("a work has at most %(max_images)s images; remove some first",
                          max_images=MAX_IMAGES))
    if current and not ids:
        raise WorkError(_("a work keeps at least one image; delete the work to remove them all"))
    for image in images:
        if image.description is not None and len(image.description) > MAX_DESCRIPTION:
            raise WorkError(_("alt text is at most %(max_description)s characters",
                              max_description=MAX_DESCRIPTION))
        if image.focus is not None and not all(-1 <= v <= 1 for v in image.focus):
            raise WorkError(_("a focal point is two numbers from -1 to 1"))


async def _new_uploads(account: Account, images: Sequence[ImageEdit],
                       current: list[MediaAttachment]) -> list[int]:
    held = {m.id for m in current}
    new = [image.id for image in images if image.id not in held]
    if new:
        found = await MediaAttachment.filter(id__in=new, account_id=account.id, work_id=None,
                                             remote_url=None).count()
        if found != len(new):
            raise WorkError(_("new images must be your own uploads, not attached to another work"))
    return new


def _check_fields(work: Work, *, visibility: str | None, ai_declaration: str | None,
                  licence: str | None, cloak_level: str | None) -> None:
    if ai_declaration is not None and ai_declaration not in AI_DECLARATIONS:
        raise WorkError(_("ai_declaration must be one of %(choices)s", choices=', '.join(AI_DECLARATIONS)))
    if visibility is not None:
        if visibility not in VISIBILITIES:
            raise WorkError(_("visibility must be one of %(choices)s", choices=', '.join(VISIBILITIES)))
        if "direct" in (visibility, work.visibility) and visibility != work.visibility:
            raise WorkError(_("a direct message stays direct, and a work cannot become one"))
    if licence is not None and licences.find(licence) is None \
            and not licence.startswith(("http://", "https://")):
        names = ", ".join(code for code in sorted(licences.CODES) if code)
        raise WorkError(_("licence must be one of %(names)s, empty, or the web address of a licence",
                          names=names))
    if cloak_level is not None and cloak_level not in ("", *LEVELS):
        raise WorkError(_("cloak_level must be one of %(choices)s (or empty for your default)",
                          choices=', '.join(LEVELS)))


async def edit_work(
    services: Services,
    account: Account,
    work_id: int,
    *,
    title: str | None = None,
    content_source: str | None = None,
    summary: str | None = None,
    sensitive: bool | None = None,
    visibility: str | None = None,
    licence: str | None = None,
    medium: str | None = None,
    tools: Iterable[str] | None = None,
    tags: Iterable[str] | None = None,
    ai_declaration: str | None = None,
    language: str | None = None,
    cloak_level: str | None = None,
    images: Sequence[ImageEdit] | None = None,
) -> Work:
    """Change a work (None leaves a field as it is; `images` is the whole new ordered
    list; `cloak_level` "" means the artist's default); a published one sends an Update."""
    work = await own_work(account, work_id)
    _check_fields(work, visibility=visibility, ai_declaration=ai_declaration, licence=licence,
                  cloak_level=cloak_level)
    current = await MediaAttachment.filter(work_id=work.id).order_by("position", "id")
    new_ids: list[int] = []
    if images is not None:
        _check_images(images, current)
        new_ids = await _new_uploads(account, images, current)
    has_images = bool(images) if images is not None else bool(current)
    if title is not None:
        title = title.strip()
        if not title and has_images:
            raise WorkError(_("a work needs a title"))
    user = await User.get_or_none(account_id=account.id)
    level_before = effective_cloak_level(services.config, work, user)

    old_tags = set(render(work.content_source, services.config.base_url, {}).tags)
    rendered = None
    if content_source is not None:
        mentioned = await mentions_in(services, content_source, None)
        rendered = render(content_source, services.config.base_url,
                          mention_urls(mentioned, services.config.instance.domain))
        work.content, work.content_source = rendered.html, content_source
        keep = [m for m in (work.mentions or []) if m not in {a.ap_id for a in mentioned}]
        work.mentions = keep + [a.ap_id for a in mentioned]
    for name, value in (("title", title), ("summary", summary), ("sensitive", sensitive),
                        ("visibility", visibility), ("licence", licence), ("medium", medium),
                        ("ai_declaration", ai_declaration), ("language", language)):
        if value is not None:
            setattr(work, name, value)
    if tools is not None:
        work.tools = [str(t)[:100] for t in tools][:20]
    if cloak_level is not None:
        work.cloak_level = cloak_level or None
    published = work.state == WorkState.READY
    if published:
        work.edited_at = now()

    removed: list[MediaAttachment] = []
    async with in_transaction() as connection:
        await work.save(using_db=connection, update_fields=EDITABLE)  # never the counters
        if rendered is not None or tags is not None:
            current_names = await work.tags.all().using_db(connection).values_list("name", flat=True)
            chosen = list(tags) if tags is not None else [n for n in current_names if n not in old_tags]
            from_text = rendered.tags if rendered is not None else list(old_tags)
            await set_tags(work, [*from_text, *chosen], connection)
        if images is not None:
            wanted = {image.id for image in images}
            removed = [m for m in current if m.id not in wanted]
            await MediaAttachment.filter(id__in=[m.id for m in removed]).using_db(connection).update(
                work_id=None)
            for position, image in enumerate(images):
                changes: dict = {"work_id": work.id, "position": position}
                if image.description is not None:
                    changes["description"] = image.description
                if image.focus is not None:
                    changes["focus_x"], changes["focus_y"] = image.focus
                await MediaAttachment.filter(id=image.id).using_db(connection).update(**changes)
        if new_ids:  # rendered at the artist's default: at the work's level if it differs
            await sync_work_cloak(services, work.id, media_ids=new_ids, using_db=connection)
        if effective_cloak_level(services.config, work, user) != level_before:
            await sync_work_cloak(services, work.id, using_db=connection, in_place=published)
        if published:
            await federate(services, work, "Update", connection)
    for media in removed:  # the record, then its files (after the commit)
        await delete_media(services, media)
    if work.state == WorkState.PROCESSING:
        await publish_if_ready(services, work.id)  # e.g. the image it waited for was removed
    return work
