"""Services for in-process tests, built from IMPASTO_* settings the way the server
builds them, so a test exercises the real wiring."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from instance.services import Services


def settings_environ(settings: Mapping[str, str]) -> dict[str, str]:
    """`{"cloak_default_level": "low"}` -> `{"IMPASTO_CLOAK_DEFAULT_LEVEL": "low"}`."""
    return {f"IMPASTO_{name.upper()}": value for name, value in settings.items()}


def allow_loopback_servers(services: Services) -> Services:
    """Let `services` reach the loopback servers this test process opens
    (tests/rig/loopback.OPEN_ENDPOINTS, a live set): exactly their host:port, so the SSRF
    guard stays on for every other private address, even in tests."""
    from tests.rig.loopback import OPEN_ENDPOINTS

    services.http.guard.linked.append(OPEN_ENDPOINTS)
    return services


def make_services(tmp_path: Path | None = None, pool: ProcessPoolExecutor | None = None,
                  loopback: bool = True, **settings: str) -> Services:
    """Services on the already-connected database, allowed to reach this process's
    loopback servers (exactly their ports: `allow_loopback_servers`); media
    under tmp_path/media when given; image work on `pool` when given (a shared pool
    saves a second per spawn). The caller closes them (`close_services`)."""
    from instance.actors.instance_actor import forget_cache
    from instance.config import load_config
    from instance.image_pool import MediaRuntime
    from instance.services import build_services

    environ = {}
    if tmp_path is not None:
        environ["IMPASTO_MEDIA_PATH"] = str(tmp_path / "media")
    environ.update(settings_environ(settings))
    forget_cache()  # its database_url is the default's: the actor of a previous test's database
    services = build_services(load_config(None, environ=environ))
    if loopback:
        allow_loopback_servers(services)
    if pool is not None:
        services.media = MediaRuntime(services.config, executor=pool)
    return services


async def built_services(database_url: str, tmp_path: Path, **settings: str) -> AsyncIterator[Services]:
    """Services for an instance at art.test on `database_url`, closed when the iteration
    ends (`async for services in built_services(...)`, or from a fixture); `settings` adds
    IMPASTO_* settings (e.g. FEDERATION_ALLOW_PRIVATE_ADDRESSES="127.0.0.1:8101"). Like
    `make_services`, they may reach exactly the loopback servers open in this process."""
    from instance.actors.instance_actor import forget_cache
    from instance.config import load_config
    from instance.services import build_services, close_services

    config = load_config(environ={
        "IMPASTO_INSTANCE_DOMAIN": "art.test", "IMPASTO_DATABASE_URL": database_url,
        "IMPASTO_MEDIA_PATH": str(tmp_path / "media"), **settings_environ(settings),
    })
    forget_cache()  # the instance actor of a previous test's database
    built = allow_loopback_servers(build_services(config))
    try:
        yield built
    finally:
        await close_services(built)
