"""Checks of instance settings that a type and a list of choices cannot express; used
for the config file, the environment and the admin settings page alike."""

from __future__ import annotations

import ipaddress
import re
import typing
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from instance.config import Config


class ConfigError(Exception):
    """A setting is missing, unknown or malformed; the message names it."""


def coerce(value: Any, expected: type, where: str, from_env: bool) -> Any:
    """Check a TOML value's type (or parse an environment string) for one key."""
    if from_env and expected is not str:
        value = parse_env_string(value, expected, where)
    if expected is bool:
        if not isinstance(value, bool):
            raise ConfigError(f"{where} must be true or false, not {value!r}")
    elif expected is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConfigError(f"{where} must be a whole number, not {value!r}")
    elif expected is float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ConfigError(f"{where} must be a number, not {value!r}")
        value = float(value)
    elif expected is list:
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ConfigError(f"{where} must be a list of strings, not {value!r}")
    elif not isinstance(value, str):
        raise ConfigError(f"{where} must be a string, not {value!r}")
    return value


def parse_env_string(raw: str, expected: type, where: str) -> Any:
    text = raw.strip()
    if expected is bool:
        lowered = text.lower()
        if lowered in ("1", "true", "yes", "on"):
            return True
        if lowered in ("0", "false", "no", "off"):
            return False
        raise ConfigError(f"{where} must be true or false, not {raw!r}")
    if expected is list:
        return [part.strip() for part in text.split(",") if part.strip()]
    try:
        return int(text) if expected is int else float(text)
    except ValueError:
        kind = "a whole number" if expected is int else "a number"
        raise ConfigError(f"{where} must be {kind}, not {raw!r}") from None


def email_problem(value: str) -> str | None:
    if value and (len(value) > 254 or not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", value)):
        return f"{value!r} is not an email address (name@host.example), or leave it empty"
    return None


def lines_problem(most: int, chars: int, what: str) -> typing.Callable[[list], str | None]:
    def problem(lines: list) -> str | None:
        if len(lines) > most:
            return f"at most {most} {what}, not {len(lines)}"
        long = next((line for line in lines if len(line) > chars), None)
        return f"each of the {what} must be at most {chars} characters" if long else None
    return problem


def licence_problem(value: str) -> str | None:
    from federation import licences

    if value and licences.find(value) is None:
        return "must be one of " + ", ".join(sorted(c for c in licences.CODES if c)) + ", or empty"
    return None


def name_problem(value: str) -> str | None:
    return None if 0 < len(value.strip()) <= 100 else "must be 1 to 100 characters"


def endpoints_problem(entries: list[str]) -> str | None:
    from federation.guard import parse_endpoint

    for entry in entries:
        try:
            parse_endpoint(entry)
        except ValueError as exc:
            return f"{exc}; a list of host:port entries (true/false is no longer accepted)"
    return None


def proxies_problem(entries: list[str]) -> str | None:
    """Trusted proxies are addresses or networks; "*" would let anyone claim any address."""
    for entry in entries:
        try:
            ipaddress.ip_network(str(entry), strict=False)
        except ValueError:
            return f"{entry!r} is not an IP address or network (e.g. 127.0.0.1 or 10.0.0.0/24)"
    return None


def check_consistency(config: Config) -> None:
    url = config.database.url
    if not url.startswith(("sqlite://", "postgres://", "postgresql://", "asyncpg://")):
        raise ConfigError(
            f"{config.source}: [database] url must start with sqlite:// or postgres://, not {url!r}"
        )
    if ":" not in config.server.bind:
        raise ConfigError(
            f"{config.source}: [server] bind must be HOST:PORT, not {config.server.bind!r}"
        )
