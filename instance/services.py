"""The composition root's product: one object holding the shared services, built once by
`build_services()` and passed explicitly (no global service lookups deep inside logic)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from quart import current_app

from federation.client import FederationClient
from instance.config import S3_SECRET_ENV, Config, ConfigError
from instance.image_pool import MediaRuntime
from instance.jobs import JobQueue
from instance.push import trigger as push_trigger
from instance.site_settings import SiteState
from instance.urls import LocalUrls
from media.storage import LocalMediaStore, MediaStore


@dataclass
class Services:
    config: Config
    jobs: JobQueue
    urls: LocalUrls
    media_store: MediaStore
    http: FederationClient  # the one shared, SSRF-guarded client for remote fetches/posts
    media: MediaRuntime  # the image-work process pool (created on first use)
    # the config as loaded from file and environment; `config` is it with the settings
    # stored by admins laid over it (instance.site_settings.refresh keeps it current)
    file_config: Config = None  # type: ignore[assignment]
    site: SiteState = field(default_factory=SiteState)

    def __post_init__(self) -> None:
        if self.file_config is None:
            self.file_config = self.config


def current_services() -> Services:
    """The services of the app serving this request. Views call it; everything below
    the views takes `services` as an argument."""
    services: Services = current_app.extensions["impasto"]
    return services


def build_services(config: Config) -> Services:
    push_trigger.install()  # every process that writes notifications queues their pushes
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
        media_store=build_media_store(config),
        http=http,
        media=MediaRuntime(config),
    )


def build_media_store(config: Config) -> MediaStore:
    """The store `[media] backend` names: the local folder, or an S3-compatible store."""
    if config.media.backend != "s3":
        return LocalMediaStore(config.resolve_path(config.media.path))
    from media.s3store import S3Location, S3MediaStore, make_client

    s3 = config.s3
    location = S3Location(endpoint=s3.endpoint, region=s3.region, bucket=s3.bucket,
                          private_bucket=s3.private_bucket, path_style=s3.path_style)
    client = make_client(location, s3.access_key_id, s3_secret(config), timeout=s3.timeout)
    return S3MediaStore(client, location)


def s3_secret(config: Config) -> str:
    """The secret access key: from IMPASTO_S3_SECRET_ACCESS_KEY or the file the config
    names (kept out of the settings so that no dump of them can show it)."""
    if os.environ.get(S3_SECRET_ENV):
        return os.environ[S3_SECRET_ENV]
    if config.s3.secret_access_key_file:
        path = config.resolve_path(config.s3.secret_access_key_file)
        try:
            return path.read_text().strip()
        except OSError as exc:
            raise ConfigError(f"[s3] secret_access_key_file: cannot read {path}: {exc.strerror}") from None
    return ""


async def close_services(services: Services) -> None:
    """Release what the services hold open (the HTTP connection pools, the image pool)."""
    await services.http.aclose()
    await services.media.aclose()
