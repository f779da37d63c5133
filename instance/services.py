"""The composition root's product: one object holding the shared services, built once and
passed explicitly (no global service lookups deep inside logic)."""

from __future__ import annotations

from dataclasses import dataclass

from instance.config import Config
from instance.jobs import JobQueue


@dataclass
class Services:
    config: Config
    jobs: JobQueue


def build_services(config: Config) -> Services:
    queue = JobQueue(
        default_max_attempts=config.jobs.max_attempts, lock_seconds=config.jobs.lock_seconds
    )
    return Services(config=config, jobs=queue)
