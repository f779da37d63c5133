"""Which handler runs which job kind; modules register their handlers at import."""

from __future__ import annotations

import importlib
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from instance.services import Services


@dataclass(frozen=True)
class JobContext:
    """What a handler gets besides its payload."""

    services: Services
    job_id: int
    attempt: int
    max_attempts: int


Handler = Callable[[JobContext, dict], Awaitable[None]]


class JobRegistry:
    def __init__(self) -> None:
        self._handlers: dict[str, Handler] = {}

    def register(self, kind: str) -> Callable[[Handler], Handler]:
        def decorate(func: Handler) -> Handler:
            if self._handlers.get(kind, func) is not func:
                raise ValueError(f"job kind {kind!r} is registered twice")
            self._handlers[kind] = func
            return func

        return decorate

    def get(self, kind: str) -> Handler | None:
        return self._handlers.get(kind)

    @property
    def kinds(self) -> list[str]:
        return sorted(self._handlers)


registry = JobRegistry()

# Modules whose handlers every worker registers; features add theirs here.
BUILTIN_HANDLER_MODULES: tuple[str, ...] = (
    "instance.jobs.maintenance",
    "instance.moderation.suspension",
    "instance.moderation.instances",
    "instance.moderation.subscriptions",
    "instance.actions.profile_images",
    "instance.attachments.processing",
    "instance.attachments.remote",
    "instance.actions.publishing",
    "outbox.delivery",
    "inbox.process",
)


def load_handlers(extra_modules: Iterable[str] = ()) -> JobRegistry:
    """Import the built-in handler modules and any configured plugins."""
    for name in (*BUILTIN_HANDLER_MODULES, *extra_modules):
        importlib.import_module(name)
    return registry


def register(kind: str) -> Callable[[Handler], Handler]:
    """Decorator: `@register("kind")` on an async handler."""
    return registry.register(kind)
