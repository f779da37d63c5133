"""The composition root's product: one object holding the shared services, built once by
`build_services()` and passed explicitly (no global service lookups deep inside logic)."""

from __future__ import annotations

from dataclasses import dataclass

from quart import current_app

from federation.client import FederationClient
from instance.config import Config
from instance.image_pool import MediaRuntime
from instance.jobs import JobQueue
from instance.urls import LocalUrls
from media.storage import LocalMediaStore


@dataclass
class Services:
    config: Config
    jobs: JobQueue
    urls: LocalUrls
    media_store: LocalMediaStore
    http: FederationClient  # the one shared, SSRF-guarded client for remote fetches/posts
    media: MediaRuntime  # the image-work process pool (created on first use)


def current_services() -> Services:
    """The services of the app serving this request. Views call it; everything below
    the views takes `services` as an argument."""
    services: Services = current_app.extensions["impasto"]
    return services


def build_services(config: Config) -> Services:
    queue = JobQueue(
        default_max_attempts=config.jobs.max_attempts, lock_seconds=config.jobs.lock_seconds
    )
    federation = config.federation
    http = FederationClient(
        config.instance.domain,
        allow_private_addresses=federation.allow_private_addresses,
        max_response_bytes=federation.max_fetch_bytes,
        timeout=federation.connect_timeout,
        total_timeout=federation.request_timeout,
        max_redirects=federation.max_redirects,
    )
    return Services(
        config=config,
        jobs=queue,
        urls=LocalUrls(config.base_url),
        media_store=LocalMediaStore(config.resolve_path(config.media.path)),
        http=http,
        media=MediaRuntime(config),
    )


async def close_services(services: Services) -> None:
    """Release what the services hold open (the HTTP connection pools, the image pool)."""
    await services.http.aclose()
    await services.media.aclose()
