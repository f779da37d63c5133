"""Narrowing a list of public works for explore and search: a text query (title, medium or
tag), a medium, a tag, the artist's availability (open for commissions / to work, set on
the job board), and the order (recent first, or most liked). Read from the page's
query string, bounded, and shared so explore and search filter the same way."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast

from tortoise.expressions import Q, Subquery
from tortoise.functions import Count
from tortoise.queryset import QuerySet

from instance.storage.models import ArtistAvailability, Tag, Work
from instance.storage.models.jobboard import AvailabilityStatus
from instance.translation import lazy_gettext
from instance.web.render import ordered_media

PAGE_SIZE = 24
MAX_QUERY = 200
# The choices' names are translated when the page shows them.
SORTS = {"recent": lazy_gettext("Most recent"), "liked": lazy_gettext("Most liked")}
AVAILABLE = {AvailabilityStatus.OPEN_FOR_COMMISSIONS.value: lazy_gettext("Open for commissions"),
             AvailabilityStatus.OPEN_TO_WORK.value: lazy_gettext("Open to work")}


def _text(args: Any, name: str) -> str:
    return str(args.get(name, "") or "").strip()[:MAX_QUERY]


def tag_name(text: str) -> str:
    """`#Ink`, ` ink ` → `ink` (tags are stored lower-case, without the #)."""
    return text.strip().lstrip("#").lower()


@dataclass(frozen=True)
class WorkFilters:
    q: str = ""
    medium: str = ""
    tag: str = ""
    available: str = ""  # a key of AVAILABLE: only works by artists who say so
    sort: str = "recent"
    page: int = 1

    @classmethod
    def from_args(cls, args: Any) -> WorkFilters:
        sort = _text(args, "sort")
        raw_page = _text(args, "page")
        available = _text(args, "available")
        return cls(
            q=_text(args, "q"),
            medium=_text(args, "medium"),
            tag=tag_name(_text(args, "tag")),
            available=available if available in AVAILABLE else "",
            sort=sort if sort in SORTS else "recent",
            page=min(int(raw_page), 1000) if raw_page.isdigit() and int(raw_page) > 0 else 1,
        )

    @property
    def active(self) -> bool:
        return bool(self.q or self.medium or self.tag or self.available
                    or self.sort != "recent")

    def apply(self, query: QuerySet[Work]) -> QuerySet[Work]:
        if self.q:
            tagged = Work.filter(tags__name=tag_name(self.q)).values("id")
            query = query.filter(
                Q(title__icontains=self.q) | Q(medium__icontains=self.q) | Q(id__in=Subquery(tagged))
            )
        if self.medium:
            query = query.filter(medium__iexact=self.medium)
        if self.tag:
            query = query.filter(id__in=Subquery(Work.filter(tags__name=self.tag).values("id")))
        if self.available:
            artists = ArtistAvailability.filter(status=self.available).values("account_id")
            query = query.filter(account_id__in=Subquery(artists))
        ordering = ("-likes_count", "-id") if self.sort == "liked" else ("-id",)
        return query.order_by(*ordering)

    def link(self, **changes: Any) -> str:
        """The query string of these filters with `changes` (for paging links)."""
        from urllib.parse import urlencode

        values = {"q": self.q, "medium": self.medium, "tag": self.tag,
                  "available": self.available, "sort": self.sort,
                  "page": self.page, **changes}
        kept = {k: v for k, v in values.items() if v and not (k == "sort" and v == "recent")
                and not (k == "page" and v == 1)}
        return "?" + urlencode(kept)


async def page_of(query: QuerySet[Work], filters: WorkFilters) -> tuple[list[Work], bool]:
    """One page of filtered works (with their media and artist), and whether more follow."""
    window = filters.apply(query).offset((filters.page - 1) * PAGE_SIZE).limit(PAGE_SIZE + 1)
    works = await window.prefetch_related(ordered_media(), "account")
    return works[:PAGE_SIZE], len(works) > PAGE_SIZE


async def medium_choices(query: QuerySet[Work], limit: int = 40) -> list[str]:
    """The media named on these works, for a filter's choices (most used first)."""
    rows = await (query.exclude(medium="").annotate(uses=Count("id")).group_by("medium")
                  .order_by("-uses", "medium").limit(limit).values("medium", "uses"))
    return [str(row["medium"]) for row in rows]


async def tags_matching(text: str, limit: int = 20) -> list[str]:
    """Tag names that start with `text` (without its #)."""
    name = tag_name(text)
    if not name or " " in name:
        return []
    rows = await Tag.filter(name__startswith=name).order_by("name").limit(limit).values_list(
        "name", flat=True)
    return cast(list[str], rows)
