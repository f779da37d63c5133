"""Configuration: one TOML file, overridable by `IMPASTO_<SECTION>_<KEY>` variables.

Every setting is declared once, in `instance/config_sections.py`, with its default and a
one-line description;
`config.example.toml` mirrors this (a test keeps them in step). Problems are raised as
`ConfigError` with a message that names the file, section and key, never a traceback.
"""

from __future__ import annotations

import dataclasses
import os
import tomllib
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from instance.config_sections import (
    AISettings,
    ApiSettings,
    CloakSettings,
    DatabaseSettings,
    FederationSettings,
    InstanceSettings,
    JobBoardSettings,
    JobSettings,
    MailSettings,
    MediaSettings,
    ModerationSettings,
    OptOutSettings,
    RegistrationSettings,
    S3Settings,
    ServerSettings,
)

ENV_PREFIX = "IMPASTO_"
S3_SECRET_ENV = "IMPASTO_S3_SECRET_ACCESS_KEY"


class ConfigError(Exception):
    """A setting is missing, unknown or malformed; the message names it."""


@dataclass(frozen=True)
class Config:
    """All settings, plus where they came from (for resolving relative paths)."""

    instance: InstanceSettings = field(default_factory=InstanceSettings)
    server: ServerSettings = field(default_factory=ServerSettings)
    database: DatabaseSettings = field(default_factory=DatabaseSettings)
    media: MediaSettings = field(default_factory=MediaSettings)
    s3: S3Settings = field(default_factory=S3Settings)
    registration: RegistrationSettings = field(default_factory=RegistrationSettings)
    mail: MailSettings = field(default_factory=MailSettings)
    api: ApiSettings = field(default_factory=ApiSettings)
    federation: FederationSettings = field(default_factory=FederationSettings)
    ai: AISettings = field(default_factory=AISettings)
    moderation: ModerationSettings = field(default_factory=ModerationSettings)
    cloak: CloakSettings = field(default_factory=CloakSettings)
    optout: OptOutSettings = field(default_factory=OptOutSettings)
    jobs: JobSettings = field(default_factory=JobSettings)
    jobboard: JobBoardSettings = field(default_factory=JobBoardSettings)
    base_dir: Path = field(default_factory=Path.cwd)
    source: str = "defaults"

    @property
    def base_url(self) -> str:
        return f"{self.instance.scheme}://{self.instance.domain}"

    @property
    def remote_scheme(self) -> str:
        """The scheme for discovering other servers: https, except on test setups that
        allow private addresses (loopback peers speak plain http there)."""
        return self.instance.scheme if self.federation.allow_private_addresses else "https"

    def resolve_path(self, value: str) -> Path:
        """Relative paths in the config are relative to the config file's folder."""
        path = Path(value).expanduser()
        return path if path.is_absolute() else (self.base_dir / path)

    @property
    def database_url(self) -> str:
        """The database URL with a relative SQLite path made absolute."""
        url = self.database.url
        if url.startswith("sqlite://") and url != "sqlite://:memory:":
            return "sqlite://" + str(self.resolve_path(url[len("sqlite://") :]))
        return url


SECTIONS: dict[str, type] = {
    name: cls
    for name, cls in typing.get_type_hints(Config).items()
    if isinstance(cls, type) and dataclasses.is_dataclass(cls)
}


def _field_types(section_cls: type) -> dict[str, type]:
    return typing.get_type_hints(section_cls)


def _coerce(value: Any, expected: type, where: str, from_env: bool) -> Any:
    """Check a TOML value's type (or parse an environment string) for one key."""
    if from_env and expected is not str:
        value = _parse_env_string(value, expected, where)
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


def _parse_env_string(raw: str, expected: type, where: str) -> Any:
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


def _build_section(
    name: str, cls: type, values: dict[str, Any], origin: str, from_env: bool = False
) -> Any:
    types = _field_types(cls)
    known = {f.name: f for f in dataclasses.fields(cls)}
    kwargs: dict[str, Any] = {}
    for key, value in values.items():
        where = f"{origin}: [{name}] {key}"
        if key not in known:
            hint = ", ".join(sorted(known))
            raise ConfigError(f"{where}: unknown setting (known in [{name}]: {hint})")
        value = _coerce(value, types[key], where, from_env)
        choices = known[key].metadata.get("choices")
        if choices and value not in choices:
            raise ConfigError(f"{where} must be one of {', '.join(choices)}, not {value!r}")
        check = known[key].metadata.get("check")
        problem = check(value) if check else None
        if problem:
            raise ConfigError(f"{where}: {problem}")
        kwargs[key] = value
    return cls(**kwargs)


def _env_overrides(environ: typing.Mapping[str, str]) -> dict[str, dict[str, str]]:
    """Collect `IMPASTO_<SECTION>_<KEY>` variables; unknown sections are errors."""
    found: dict[str, dict[str, str]] = {}
    for var, value in environ.items():
        if not var.startswith(ENV_PREFIX) or var in ("IMPASTO_CONFIG",):
            continue
        rest = var[len(ENV_PREFIX) :].lower()
        if rest.startswith("test_") or rest == "shared_dir":
            continue  # the test suite's own variables
        if rest == S3_SECRET_ENV[len(ENV_PREFIX):].lower():
            continue  # a secret, read where it is used (instance/services.py), never a setting
        for section in SECTIONS:
            if rest.startswith(section + "_"):
                found.setdefault(section, {})[rest[len(section) + 1 :]] = value
                break
        else:
            raise ConfigError(f"environment variable {var}: no such config section")
    return found


def load_config(
    path: str | os.PathLike[str] | None = None,
    environ: typing.Mapping[str, str] | None = None,
) -> Config:
    """Read the config file (from `path`, else `IMPASTO_CONFIG`, else defaults) and the
    environment overrides, validating every key."""
    environ = os.environ if environ is None else environ
    path = path or environ.get("IMPASTO_CONFIG") or None
    data: dict[str, Any] = {}
    base_dir = Path.cwd()
    source = "defaults"
    if path is not None:
        file = Path(path)
        source = str(file)
        try:
            data = tomllib.loads(file.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ConfigError(f"{file}: config file not found") from None
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{file}: not valid TOML: {exc}") from None
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(f"{file}: cannot read config file: {exc}") from None
        base_dir = file.resolve().parent
    for name, value in data.items():
        if name not in SECTIONS:
            raise ConfigError(f"{source}: unknown section [{name}] (known: {', '.join(SECTIONS)})")
        if not isinstance(value, dict):
            raise ConfigError(f"{source}: {name} must be a [{name}] table")
    sections: dict[str, Any] = {}
    overrides = _env_overrides(environ)
    for name, cls in SECTIONS.items():
        section = _build_section(name, cls, data.get(name, {}), source)
        env_values = overrides.get(name, {})
        if env_values:
            merged = dataclasses.asdict(section)
            env_section = _build_section(name, cls, env_values, "environment", from_env=True)
            for key in env_values:
                merged[key] = getattr(env_section, key)
            section = cls(**merged)
        sections[name] = section
    config = Config(**sections, base_dir=base_dir, source=source)
    _check_consistency(config)
    return config


def _check_consistency(config: Config) -> None:
    url = config.database.url
    if not url.startswith(("sqlite://", "postgres://", "postgresql://", "asyncpg://")):
        raise ConfigError(
            f"{config.source}: [database] url must start with sqlite:// or postgres://, not {url!r}"
        )
    if ":" not in config.server.bind:
        raise ConfigError(
            f"{config.source}: [server] bind must be HOST:PORT, not {config.server.bind!r}"
        )


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'


def render_example() -> str:
    """The text of config.example.toml: every setting, its default and what it does."""
    lines = [
        "# Impasto configuration. Every setting is shown with its default.",
        "# Choose the file with `impasto --config PATH` or IMPASTO_CONFIG; override any key",
        "# with an environment variable IMPASTO_<SECTION>_<KEY>, e.g. IMPASTO_DATABASE_URL.",
    ]
    for name, cls in SECTIONS.items():
        lines += ["", f"[{name}]"]
        for f in dataclasses.fields(cls):
            if f.default is not dataclasses.MISSING:
                default = f.default
            elif f.default_factory is not dataclasses.MISSING:
                default = f.default_factory()
            else:  # no default at all: a TypeError, as calling MISSING raised before
                raise TypeError(f"[{name}] {f.name} has no default")
            comment = f.metadata["help"]
            if f.metadata.get("choices"):
                comment += " One of: " + ", ".join(f.metadata["choices"]) + "."
            lines.append(f"# {comment}")
            lines.append(f"{f.name} = {_toml_value(default)}")
    return "\n".join(lines) + "\n"
