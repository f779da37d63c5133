"""A portfolio full of published works, for the browser tests and bench/portfolio.py.

Each work gets real served variants (display and thumb, WebP and JPEG, built by
`media.variants.make_variants` from painted test art in many aspect ratios) stored under
the media path a server started with the same settings serves, and the rows a published
work has. A dozen distinct paintings are encoded once and their bytes written under fresh
keys for every work, so a browser really downloads each work's own files (no cache hits)
while seeding 200 works takes seconds, not the pipeline's minutes."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import cv2
import numpy as np

from instance.attachments.processing import store_variants
from instance.storage import db
from instance.storage.models import Account, MediaAttachment, Work
from media.blurhash import blurhash_of
from media.storage import LocalMediaStore
from media.variants import Variants, make_variants
from tests.rig.art import flat_illustration
from tests.rig.databases import migrate_for
from tests.rig.processes import impasto_env, run_cli

# (width, height) of the sources: landscape, portrait, square, panorama, tall
SHAPES = [(2000, 1500), (1500, 2000), (1800, 1800), (2400, 1000), (1200, 2000), (2000, 1400),
          (1400, 2000), (2400, 1350), (1600, 1600), (1000, 1800), (2200, 1650), (1700, 2100)]


@dataclass(frozen=True)
class Painting:
    variants: Variants
    blurhash: str
    width: int
    height: int


def artist_site(folder: Path, username: str, password: str, database_url: str | None = None,
                **settings: str) -> tuple[str, dict[str, str]]:
    """A migrated site (SQLite in `folder` unless a database URL is given) with one local
    artist; returns its database URL and the environment an `impasto` process needs."""
    url = database_url or f"sqlite://{folder / 'impasto.sqlite3'}"
    env = impasto_env(url, folder, **settings)
    migrate_for(env)
    created = run_cli(["user", "create", username, "--password-stdin"], env, stdin=password + "\n")
    assert created.returncode == 0, created.stderr
    return url, env


@functools.cache
def paintings(count: int = len(SHAPES)) -> list[Painting]:
    """Textured illustrations (flat shapes under texture at several scales, so every
    size, the thumbnail too, weighs what painted art weighs), encoded as the pipeline
    would serve them."""
    out = []
    for index, (width, height) in enumerate(SHAPES[:count]):
        rgb = flat_illustration(height, width, seed=index + 1).astype(np.float32)
        rng = np.random.default_rng(index)
        for scale, strength in ((64, 20), (16, 10), (4, 6), (1, 4)):  # brush work at every scale
            shape = (height // scale + 1, width // scale + 1)
            tone = rng.normal(0, strength, (*shape, 1))  # mostly light and dark, a little hue
            small = (tone + rng.normal(0, strength / 3, (*shape, 3))).astype(np.float32)
            rgb += cv2.resize(small, (width, height), interpolation=cv2.INTER_CUBIC)
        rgb = np.clip(rgb, 0, 255).astype(np.uint8)
        variants = make_variants(rgb)
        out.append(Painting(variants, blurhash_of(variants.thumbnail_rgb), width, height))
    return out


async def seed_gallery(database_url: str, media_path: Path, username: str, count: int, *,
                       pinned: int = 0, images_per_work: int = 1, first: int = 0,
                       art: list[Painting] | None = None) -> list[int]:
    """Publish `count` works by the local account `username` (oldest first), numbered
    from `first`, the newest `pinned` of them pinned; returns the work ids, oldest first."""
    art = art or paintings()
    store = LocalMediaStore(media_path)
    await db.connect(database_url)
    try:
        account = await Account.get(username=username, domain=None)
        start = datetime.now(UTC) - timedelta(days=1000)
        ids = []
        for index in range(first, first + count):
            when = start + timedelta(days=index)
            work = await Work.create(
                ap_id=f"{account.ap_id}/works/seed-{index}", account=account,
                title=f"Study {index + 1}", content=f"<p>Study number {index + 1}.</p>",
                content_source=f"Study number {index + 1}.", medium="gouache on paper",
                licence="CC-BY-NC-4.0", state="ready", published_at=when,
                pinned_at=when if index >= first + count - pinned else None,
            )
            for position in range(images_per_work):
                painting = art[(index + position) % len(art)]
                await MediaAttachment.create(
                    account=account, work=work, position=position, state="ready",
                    variants=store_variants(store, painting.variants),
                    width=painting.variants.display.width, height=painting.variants.display.height,
                    blurhash=painting.blurhash, description=f"Study {index + 1}, image {position + 1}",
                    provenance_verdict="none", original_type="image/jpeg",
                    focus_x=0.5, focus_y=-0.5,  # the lower right: what a grid crop keeps
                )
            ids.append(work.id)
        account.works_count = await Work.filter(account=account, deleted_at=None).count()
        await account.save(update_fields=["works_count"])
        return ids
    finally:
        await db.disconnect()


async def give_profile_images(database_url: str, media_path: Path, username: str) -> None:
    """An avatar (a square painting's thumbnail) and a header (a panorama's medium size)."""
    art = paintings()
    store = LocalMediaStore(media_path)
    avatar = store_variants(store, art[2].variants)["thumb"]["webp"]
    header = store_variants(store, art[3].variants)["medium"]["webp"]
    await db.connect(database_url)
    try:
        await Account.filter(username=username, domain=None).update(
            avatar_url=f"/media/{avatar}", header_url=f"/media/{header}", display_name="Mira Okafor",
            note="<p>Gouache studies of harbours and light.</p>")
    finally:
        await db.disconnect()
