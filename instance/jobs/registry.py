"""Which handler runs which job kind. The built-in table is `instance/job_handlers.py`
(direct references); plugins named in `[jobs] plugins` register theirs with
`@register("kind")` into `plugin_handlers` when they are imported."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
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
    def __init__(self, handlers: Mapping[str, Handler] | None = None) -> None:
        self._handlers: dict[str, Handler] = {}
        for kind, func in (handlers or {}).items():
            self.add(kind, func)

    def add(self, kind: str, func: Handler) -> None:
        if self._handlers.get(kind, func) is not func:
            raise ValueError(f"job kind {kind!r} is registered twice")
        self._handlers[kind] = func

    def register(self, kind: str) -> Callable[[Handler], Handler]:
        def decorate(func: Handler) -> Handler:
            self.add(kind, func)
            return func

        return decorate

    def get(self, kind: str) -> Handler | None:
        return self._handlers.get(kind)

    def items(self) -> list[tuple[str, Handler]]:
        return sorted(self._handlers.items())

    @property
    def kinds(self) -> list[str]:
        return sorted(self._handlers)


plugin_handlers = JobRegistry()


def register(kind: str) -> Callable[[Handler], Handler]:
    """Decorator for plugins: `@register("kind")` on an async handler."""
    return plugin_handlers.register(kind)
