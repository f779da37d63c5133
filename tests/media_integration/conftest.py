"""Fixtures for the media integration tests: a migrated database, services whose media
live under tmp_path, one shared image-work pool, a local artist, test images."""

from __future__ import annotations

import io
import multiprocessing
from collections.abc import AsyncIterator, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from instance.services import Services, close_services
from instance.storage.models import Account, User
from tests.rig.jobs import run_jobs_until_idle
from tests.rig.services import make_services


@pytest.fixture(scope="session")
def image_pool() -> Iterator[ProcessPoolExecutor]:
    """One spawned worker for the whole session (each spawn imports numpy, OpenCV,
    SciPy and c2pa, about a second)."""
    pool = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"))
    yield pool
    pool.shutdown(wait=True, cancel_futures=True)


@dataclass
class MediaEnv:
    services: Services
    artist: Account
    database_url: str
    tmp_path: Path

    async def run_jobs(self) -> int:
        return await run_jobs_until_idle(self.services)

    def rebuild(self, loopback: bool = True, **settings: str) -> None:
        """Same database and media folder, other settings (e.g. AI_LOCAL_AI_VERDICT);
        `loopback=False`: the loopback test servers are refused like any private address."""
        old = self.services
        self.services = make_services(self.tmp_path, old.media._pool, loopback=loopback, **settings)
        self._old.append(old)

    _old: list[Services]


@pytest.fixture
async def media_env(connected, tmp_path, image_pool) -> AsyncIterator[MediaEnv]:
    services = make_services(tmp_path, image_pool)
    env = MediaEnv(services, await local_account(services, "painter", "Pat Painter"),
                   connected, tmp_path, [])
    try:
        yield env
    finally:
        for s in [*env._old, env.services]:
            await close_services(s)


async def local_account(services: Services, username: str, display_name: str = "",
                        role: str = "artist") -> Account:
    """A local account with a login row, without the RSA key and argon2 hash that
    create_local_user spends a second on (media tests never sign or log in)."""
    account = await Account.create(ap_id=services.urls.actor(username), username=username,
                                   display_name=display_name,
                                   url=services.urls.profile(username))
    await User.create(account=account, password_hash="-", role=role)
    return account


def textured_rgb(width: int = 640, height: int = 480, seed: int = 1) -> np.ndarray:
    """Brush-like texture with flat areas and edges: something the cloak can work on."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    base = np.stack([128 + 90 * np.sin(x / 37 + c) * np.cos(y / 53 - c) for c in range(3)], -1)
    noise = rng.normal(0, 12, size=(height, width, 3))
    img = base + noise
    img[height // 3: height // 2, :] = (200, 180, 90)  # a flat band
    return np.clip(img, 0, 255).astype(np.uint8)


def encode(rgb: np.ndarray, fmt: str = "PNG", **kwargs) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(rgb).save(buf, fmt, **kwargs)
    return buf.getvalue()


def fixture_file(shared_dir: Path, name: str) -> bytes:
    path = shared_dir / "fixtures" / "provenance" / name
    if not path.exists():
        pytest.skip(f"{path} is absent")
    return path.read_bytes()
