"""Instance settings an admin edits in the browser, stored in the database and laid over
the config file's values in every process (web and workers) without a restart.

`config.toml` keeps deployment (domain, database, storage, bind, secrets); the keys in
`OVERRIDABLE` may also be set here, and a stored value wins over the file and the
environment. Each process keeps the stored values in `services.site` and, before each
request or job claim, reads one row (`_version`, bumped by every save) to notice a change
made elsewhere; the values themselves are read again only when it moved, or after
`RELOAD_SECONDS` as a safety net.

The same read fetches the other version stamps in `STAMP_KEYS` (e.g. the domain policies'
stamp, bumped by every policy change): process-wide caches compare `seen_stamp(key)` with
the stamp they loaded under, so a change made in one process reaches every other at its
next request or job claim, for no extra query.
"""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from instance.config import SECTIONS, Config, ConfigError, check_setting
from instance.storage.models import Account, AuditEntry, InstanceSetting

if TYPE_CHECKING:
    from instance.services import Services

VERSION_KEY = "_version"
POLICY_STAMP = "_version.domain_policies"  # bumped by every domain policy change
STAMP_KEYS = (VERSION_KEY, POLICY_STAMP)
RELOAD_SECONDS = 30.0
_seen: dict[str, int] = {}  # process-wide: the stamps the last refresh() read

# (section, key): the settings an admin may set from the admin pages, in page order.
OVERRIDABLE: tuple[tuple[str, str], ...] = (
    ("instance", "name"), ("instance", "description"), ("instance", "rules"),
    ("instance", "contact_email"), ("instance", "default_licence"),
    ("registration", "mode"), ("registration", "questions"),
    ("cloak", "default_level"),
    ("ai", "declared_policy"), ("ai", "local_ai_verdict"), ("ai", "local_needs_review"),
    ("ai", "remote_ai_verdict"), ("ai", "defederate_declared_ai"), ("ai", "propose_by_ai_rate"),
    ("ai", "propose_ai_rate_percent"), ("ai", "propose_min_works"),
    ("jobboard", "posting"),
)
KEYS = frozenset(f"{section}.{key}" for section, key in OVERRIDABLE)


@dataclass
class SiteState:
    """What one process last read: the version row's value and the stored settings."""

    version: int | None = None
    values: dict[str, Any] = field(default_factory=dict)
    loaded_at: float = 0.0
    read_at: float = -1e9  # when the stamps were last read


@dataclass(frozen=True)
class SettingView:
    """One row of the settings page: the value in force and where it comes from."""

    section: str
    key: str
    value: Any
    type: type
    choices: tuple[str, ...] | None
    help: str
    origin: str  # default, config file, environment, or set here
    overridden: str | None  # the file/environment value a stored value hides, if any

    @property
    def name(self) -> str:
        return f"{self.section}.{self.key}"


def effective(config: Config, stored: dict[str, Any]) -> Config:
    """The file config with the stored values laid over it, one section at a time."""
    changes: dict[str, Any] = {}
    for section in {name.split(".", 1)[0] for name in stored}:
        values = {name.split(".", 1)[1]: value for name, value in stored.items()
                  if name.startswith(section + ".")}
        changes[section] = dataclasses.replace(getattr(config, section), **values)
    return dataclasses.replace(config, **changes) if changes else config


async def _read_stamps() -> dict[str, int]:
    """Every stamp in `STAMP_KEYS` (0 when never bumped), in one query."""
    rows = await InstanceSetting.filter(key__in=STAMP_KEYS).values_list("key", "value")
    found = {key: _unwrap(value) for key, value in rows}
    return {key: found[key] if isinstance(found.get(key), int) else 0 for key in STAMP_KEYS}


def seen_stamp(key: str) -> int | None:
    """The stamp `key` as this process last read it (None before any refresh)."""
    return _seen.get(key)


def _unwrap(stored: Any) -> Any:
    """Values are stored as {"value": X} (a bare JSON string would be parsed as JSON)."""
    return stored.get("value") if isinstance(stored, dict) else None


async def _read_values() -> dict[str, Any]:
    """The stored values still valid (a key dropped or a choice removed by an upgrade
    is left out rather than breaking every page)."""
    values: dict[str, Any] = {}
    for key, value in await InstanceSetting.exclude(key=VERSION_KEY).values_list("key", "value"):
        if key not in KEYS:
            continue
        section, name = key.split(".", 1)
        try:
            values[key] = check_setting(section, name, _unwrap(value), "stored setting")
        except ConfigError:
            continue
    return values


async def refresh(services: Services, max_age: float = 0.0) -> Config:
    """Bring `services.config` up to date with the stored settings: one small read when
    nothing changed. Called before each request and each job claim; with `max_age`, no
    read at all when the stamps were read less than `max_age` seconds ago (the inbox's
    POSTs: a policy or setting changed elsewhere reaches them within that time)."""
    state: SiteState = services.site
    now = time.monotonic()
    if max_age and now - state.read_at < max_age:
        return services.config
    stamps = await _read_stamps()
    _seen.update(stamps)
    state.read_at = now
    version = stamps[VERSION_KEY]
    if version != state.version or now - state.loaded_at > RELOAD_SECONDS:
        state.values = await _read_values()
        state.version, state.loaded_at = version, now
        services.config = effective(services.file_config, state.values)
    return services.config


async def stored_config(config: Config) -> Config:
    """`config` with the stored settings laid over it, for one-off processes (the CLI)."""
    return effective(config, await _read_values())


def views(services: Services) -> list[SettingView]:
    """Every overridable setting with its value in force and its origin."""
    file_config, stored = services.file_config, services.site.values
    rows = []
    for section, key in OVERRIDABLE:
        name = f"{section}.{key}"
        spec = next(f for f in dataclasses.fields(SECTIONS[section]) if f.name == key)
        file_value = getattr(getattr(file_config, section), key)
        file_origin = file_config.origins.get(name, "default")
        if name in stored:
            value, origin = stored[name], "set here"
            overridden = file_origin if stored[name] != file_value and file_origin != "default" else None
        else:
            value, origin, overridden = file_value, file_origin, None
        rows.append(SettingView(section, key, value, _field_type(section, key),
                                spec.metadata.get("choices"), spec.metadata["help"], origin,
                                overridden))
    return rows


def _field_type(section: str, key: str) -> type:
    import typing

    return typing.get_type_hints(SECTIONS[section])[key]


class SettingsRefused(ConfigError):
    """One or more submitted settings are invalid; `problems` maps each key to why."""

    def __init__(self, problems: dict[str, str]) -> None:
        super().__init__("; ".join(problems.values()))
        self.problems = problems


def parse_submission(form: dict[str, Any]) -> dict[str, Any]:
    """Check every submitted setting (strings as a form sends them: lists one per line,
    booleans as present/absent); raise `SettingsRefused` naming each bad one."""
    values: dict[str, Any] = {}
    problems: dict[str, str] = {}
    for section, key in OVERRIDABLE:
        name = f"{section}.{key}"
        kind = _field_type(section, key)
        raw = form.get(name)
        if kind is bool:
            raw = raw is not None and raw not in ("", "0", "false", "off")
        elif raw is None:
            problems[name] = f"[{section}] {key}: missing from the form"
            continue
        elif kind is list:
            raw = [line.strip() for line in str(raw).splitlines() if line.strip()]
        else:
            raw = str(raw).strip()
        try:
            values[name] = check_setting(section, key, raw, "the settings page")
        except ConfigError as exc:
            problems[name] = str(exc)
    if problems:
        raise SettingsRefused(problems)
    return values


async def save(services: Services, values: dict[str, Any], by: Account | None) -> list[str]:
    """Store the checked values that differ from what is in force, all in one transaction
    with the version bump and an audit entry. Returns the keys changed."""
    current = {row.name: row.value for row in views(services)}
    changed = sorted(name for name, value in values.items() if current.get(name) != value)
    if not changed:
        return []
    async with in_transaction() as connection:
        for name in changed:
            row = await InstanceSetting.filter(key=name).using_db(connection).first()
            if row is None:
                await InstanceSetting.create(key=name, value={"value": values[name]}, updated_by=by,
                                             using_db=connection)
            else:
                await InstanceSetting.filter(id=row.id).using_db(connection).update(
                    value={"value": values[name]}, updated_by=by, updated_at=datetime.now(UTC))
        await bump_stamp(connection, VERSION_KEY, by)
        await AuditEntry.create(
            actor=by, action="settings.change", target=", ".join(changed),
            detail={name: {"from": current.get(name), "to": values[name]} for name in changed},
            using_db=connection,
        )
    await refresh(services)
    return changed


async def bump_stamp(connection: BaseDBAsyncClient | None, key: str,
                     by: Account | None = None) -> None:
    """Count a change in the stamp row `key` (locked, so two saves never read one number);
    every process notices at its next refresh."""
    row = await InstanceSetting.filter(key=key).using_db(connection) \
        .select_for_update().first()
    if row is None:
        await InstanceSetting.create(key=key, value={"value": 1}, updated_by=by,
                                     using_db=connection)
        return
    number = _unwrap(row.value)
    who: dict[str, Any] = {"updated_by": by} if by is not None else {}
    await InstanceSetting.filter(id=row.id).using_db(connection).update(
        value={"value": (number if isinstance(number, int) else 0) + 1},
        updated_at=datetime.now(UTC), **who)
