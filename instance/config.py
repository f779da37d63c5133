"""Configuration: one TOML file, overridable by `IMPASTO_<SECTION>_<KEY>` variables.

Every setting is declared once here, with its default and a one-line description;
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

from instance.config_checks import ConfigError as ConfigError
from instance.config_checks import (
    check_consistency,
    coerce,
    email_problem,
    endpoints_problem,
    licence_problem,
    lines_problem,
    name_problem,
    proxies_problem,
)

ENV_PREFIX = "IMPASTO_"
S3_SECRET_ENV = "IMPASTO_S3_SECRET_ACCESS_KEY"


def _opt(default: Any, help: str, choices: tuple[str, ...] | None = None,
         check: typing.Callable[[Any], str | None] | None = None) -> Any:
    """A setting: its default, one line of help, and optionally its allowed values or a
    `check` that returns what is wrong with a value (None when it is fine)."""
    meta = {"help": help, "choices": choices, "check": check}
    if isinstance(default, list):
        return field(default_factory=lambda: list(default), metadata=meta)
    return field(default=default, metadata=meta)


@dataclass(frozen=True)
class InstanceSettings:
    name: str = _opt("Impasto", "Instance name shown in the web UI, NodeInfo and the client API.",
                     check=name_problem)
    domain: str = _opt(
        "127.0.0.1:8080",
        "Public host name (with port if not 80/443); part of every ActivityPub id, so never change it once federating.",
    )
    scheme: str = _opt(
        "http", "https in production; http only for local use and tests.", ("http", "https")
    )
    description: str = _opt(
        "An art collective on the fediverse.", "Short description for the about page and NodeInfo."
    )
    contact_email: str = _opt("", "Where people reach the admins.", check=email_problem)
    rules: list = _opt(
        [], "The server's rules, one string each, shown on /about and the sign-up page.",
        check=lines_problem(20, 500, "rules"),
    )
    default_licence: str = _opt(
        "", "Licence new uploads start with (a code such as cc-by-nc-4.0, or empty: all rights reserved).",
        check=licence_problem,
    )


@dataclass(frozen=True)
class ServerSettings:
    bind: str = _opt("127.0.0.1:8080", "Address and port the web server listens on.")
    run_worker: bool = _opt(
        True,
        "Run the job worker inside the server process (the embedded default); false when `impasto worker` runs separately.",
    )
    log_level: str = _opt(
        "warning",
        "Log level: one JSON line per event at or above it.",
        ("debug", "info", "warning", "error"),
    )
    secret_key_file: str = _opt(
        "data/secret_key",
        "File holding the session-signing secret; created with a random key when missing.",
    )
    trusted_proxies: list = _opt(
        [], "Addresses or networks of the reverse proxies in front, e.g. [\"127.0.0.1\"]: from "
        "them a visitor's address is read from X-Forwarded-For (and the scheme from "
        "X-Forwarded-Proto), so per-address limits count each visitor, not the proxy. Empty: "
        "the connection's own address.", check=proxies_problem)


@dataclass(frozen=True)
class DatabaseSettings:
    url: str = _opt(
        "sqlite://data/impasto.sqlite3",
        "sqlite://PATH (relative paths are relative to this file) or postgres://USER:PASSWORD@HOST:PORT/DB.",
    )
    pool_size: int = _opt(10, "Maximum PostgreSQL connections per process.")


@dataclass(frozen=True)
class MediaSettings:
    backend: str = _opt(
        "local", "Where media bytes live: this machine's disk, or an S3-compatible store ([s3]).",
        ("local", "s3"),
    )
    path: str = _opt(
        "data/media", "Where media files live; originals in a private folder that is never served."
    )
    max_upload_bytes: int = _opt(40 * 1024 * 1024, "Largest accepted upload, in bytes.")
    max_pixels: int = _opt(
        100_000_000,
        "Largest accepted image in pixels (width × height); refuses decompression bombs.",
    )
    max_dimension: int = _opt(16384, "Largest accepted width or height, in pixels.")
    process_workers: int = _opt(
        1, "Processes in the image pipeline's pool (CPU work never runs in the event loop)."
    )
    remote_cache_days: int = _opt(
        30,
        "Days to keep cached variants of remote media before `impasto media prune` may drop them.",
    )


@dataclass(frozen=True)
class S3Settings:
    endpoint: str = _opt("", "The S3 API's URL (e.g. https://s3.eu-west-1.amazonaws.com, or your SeaweedFS/MinIO); empty for AWS's default.")
    region: str = _opt("us-east-1", "The store's region name.")
    bucket: str = _opt("impasto-media", "Bucket for the public variants (and the originals, under originals/, unless private_bucket is set).")
    private_bucket: str = _opt("", "Separate bucket for originals; never made public. Empty: the originals/ prefix of `bucket`.")
    access_key_id: str = _opt("", "Access key id (or IMPASTO_S3_ACCESS_KEY_ID).")
    secret_access_key_file: str = _opt("", "File holding the secret access key (or set IMPASTO_S3_SECRET_ACCESS_KEY); never logged.")
    path_style: bool = _opt(True, "Address buckets as endpoint/bucket (SeaweedFS, MinIO) rather than bucket.endpoint.")
    public_url: str = _opt("", "Public base URL of the variants (a CDN, or the bucket's endpoint + /bucket/variants); /media/KEY redirects there. Empty: the server reads and serves them.")
    timeout: float = _opt(10.0, "Seconds for one request to the store.")


@dataclass(frozen=True)
class RegistrationSettings:
    mode: str = _opt("approval", "Who may sign up.", ("closed", "approval", "invite", "open"))
    questions: list = _opt(
        [], "Questions the sign-up form asks (answers go to the admins with the application).",
        check=lines_problem(5, 300, "questions"),
    )


@dataclass(frozen=True)
class MailSettings:
    host: str = _opt(
        "",
        "SMTP server that sends password-reset and sign-up confirmation mail; empty: no mail (the admin resets passwords with `impasto user reset-link`).",
    )
    port: int = _opt(587, "SMTP port: 587 for starttls, 465 for tls, 25 for a local relay.")
    security: str = _opt(
        "starttls",
        "starttls (upgrade a plain connection), tls (TLS from the first byte) or none (a relay on this machine only).",
        ("starttls", "tls", "none"),
    )
    username: str = _opt("", "SMTP login; empty: send without logging in.")
    password: str = _opt("", "SMTP password (prefer password_file, which keeps it out of this file).")
    password_file: str = _opt("", "File holding the SMTP password, read when password is empty.")
    from_address: str = _opt(
        "", "Sender of every mail, e.g. \"Impasto <noreply@art.example>\"; empty: noreply@ the instance's host."
    )
    timeout: float = _opt(20.0, "Seconds to wait for the SMTP server at each step.")

    @property
    def enabled(self) -> bool:
        return bool(self.host)


@dataclass(frozen=True)
class ApiSettings:
    password_grant: bool = _opt(
        False,
        "Allow OAuth's password grant (old clients' log_in(username, password)); Mastodon 4.4 removed it, prefer the code grant.",
    )
    rate_limit: int = _opt(300, "Client API requests per token (or per address without one) in each window.")
    rate_limit_window: int = _opt(300, "Length of the client API rate-limit window, in seconds.")
    media_rate_limit: int = _opt(30, "Media uploads per token in each 30-minute window.")
    streaming_wakeups: str = _opt(
        "notify",
        "How streaming connections learn of new posts: notify (LISTEN/NOTIFY on PostgreSQL, one listening connection per process; SQLite always polls) or poll (every stream queries each second).",
        ("notify", "poll"),
    )


@dataclass(frozen=True)
class FederationSettings:
    enabled: bool = _opt(True, "Talk to other servers at all.")
    authorized_fetch: bool = _opt(
        True,
        "Require signed GETs for ActivityPub JSON (keeps anonymous scrapers off artists' data).",
    )
    allow_private_addresses: list = _opt(
        [],
        "Loopback/private host:port entries that federation may reach, exactly, e.g. "
        '["127.0.0.1:8101", "192.168.1.20:443"] (tests, LAN peers); every other private '
        "address stays refused (the SSRF guard).",
        check=endpoints_problem,
    )
    connect_timeout: float = _opt(
        5.0, "Seconds to wait for a remote server to accept a connection."
    )
    request_timeout: float = _opt(15.0, "Seconds for a whole remote request.")
    max_fetch_bytes: int = _opt(
        2 * 1024 * 1024, "Largest ActivityPub document fetched from elsewhere, in bytes."
    )
    max_inbox_bytes: int = _opt(1024 * 1024, "Largest activity accepted at an inbox, in bytes.")
    max_remote_media_bytes: int = _opt(40 * 1024 * 1024, "Largest remote image fetched, in bytes.")
    max_redirects: int = _opt(3, "Redirects followed per fetch; each target is checked again.")
    backfill_works: int = _opt(
        20,
        "Works fetched from a remote artist's outbox (and as many from their featured collection) "
        "when someone here follows them, so their portfolio is not empty until their next post. 0: none.",
    )
    signature_scheme: str = _opt(
        "draft-cavage",
        "How deliveries are signed: draft-cavage (every peer accepts it), or rfc9421 first and, "
        "if a server answers 400/401, draft-cavage again at once (double-knocking, as Fedify does; "
        "each worker remembers such servers).",
        ("draft-cavage", "rfc9421"),
    )


@dataclass(frozen=True)
class AISettings:
    declared_policy: str = _opt(
        "prohibited",
        "What this instance declares in NodeInfo about AI-generated content.",
        ("prohibited", "labelled", "allowed"),
    )
    local_ai_verdict: str = _opt(
        "reject",
        "A local upload with a declared-AI signal is rejected (naming the signal), held for a moderator, or published with an AI label.",
        ("reject", "hold", "label"),
    )
    local_needs_review: str = _opt(
        "publish",
        "A local upload with only medium signals is published and queued for review, or held until reviewed.",
        ("publish", "hold"),
    )
    remote_ai_verdict: str = _opt(
        "hide",
        "Remote works with declared-AI media are dropped, kept out of timelines, or shown with a label.",
        ("drop", "hide", "label"),
    )
    defederate_declared_ai: str = _opt(
        "off",
        "Automatically apply this severity to domains whose NodeInfo declares AI allowed.",
        ("off", "silence", "suspend"),
    )
    propose_by_ai_rate: bool = _opt(
        False, "Propose domains for review (never block them) when their AI rate is high, per the next two settings."
    )
    propose_ai_rate_percent: int = _opt(
        50, "Propose a domain for review when its AI rate exceeds this percentage…"
    )
    propose_min_works: int = _opt(20, "…over at least this many works seen.")


@dataclass(frozen=True)
class ModerationSettings:
    allowlist_mode: bool = _opt(False, "Federate only with domains on the allowlist (`impasto domain allow`); everyone else is treated as suspended.")
    blocklist_refresh_hours: float = _opt(24.0, "How often subscribed blocklists are fetched again; their changes wait for review.")


@dataclass(frozen=True)
class CloakSettings:
    enabled: bool = _opt(
        True,
        "Cloak every served and federated copy of local images (defence in depth, not a guarantee).",
    )
    default_level: str = _opt(
        "medium",
        "Instance default; artists and works may override it.",
        ("off", "low", "medium", "high"),
    )


@dataclass(frozen=True)
class OptOutSettings:
    xmp: bool = _opt(
        True, "Embed opt-out XMP (PLUS DataMining, creator, licence) in every served image."
    )
    data_mining: str = _opt(
        "DMI-PROHIBITED-AIMLTRAINING",
        "PLUS DataMining value written into served images.",
        (
            "DMI-PROHIBITED-AIMLTRAINING",
            "DMI-PROHIBITED-GENAIMLTRAINING",
            "DMI-PROHIBITED",
            "DMI-PROHIBITED-EXCEPTSEARCHENGINEINDEXING",
            "DMI-UNSPECIFIED",
        ),
    )
    robots: bool = _opt(
        True, "Serve robots.txt and X-Robots-Tag/meta refusing AI-training crawlers."
    )
    tdmrep: bool = _opt(
        True, "Serve TDMRep reservation headers, meta and /.well-known/tdmrep.json."
    )


@dataclass(frozen=True)
class JobSettings:
    concurrency: int = _opt(8, "Jobs one worker runs at once.")
    lock_seconds: int = _opt(
        300, "A claimed job whose worker stops renewing its lock for this long is taken over."
    )
    max_attempts: int = _opt(
        8, "Attempts before a failing job is given up (delivery jobs use Mastodon's 17)."
    )
    poll_seconds: float = _opt(1.0, "How often an idle worker looks for new jobs.")
    plugins: list = _opt(
        [], "Extra Python modules whose job kinds the worker registers (extension point)."
    )


@dataclass(frozen=True)
class JobBoardSettings:
    posting: str = _opt(
        "everyone",
        "Who may post listings on the job board: every local account, accounts an admin "
        "approved as posters (`impasto jobs-board approve`), or moderators and admins only.",
        ("everyone", "approved", "staff"),
    )
    listings_per_day: int = _opt(10, "Listings one account may open in 24 hours.")
    applications_per_day: int = _opt(20, "Applications one artist may send in 24 hours.")
    works_per_application: int = _opt(6, "Works an artist may pick for one application.")
    description_chars: int = _opt(20000, "The longest listing description, in characters.")
    remote_listings: str = _opt(
        "followed",
        "Listings from other servers on the board's \"other servers\" tab: none, those of "
        "accounts someone here follows (a poster, or a server's @jobs actor), or all that "
        "arrive. Suspended domains' listings are never stored, silenced ones never shown.",
        ("off", "followed", "all"),
    )
    hold_remote_listings: bool = _opt(
        False, "Hold each listing from another server until a moderator approves it.")


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
    # "section.key" -> "config file" or "environment", for keys not left at their default
    origins: dict = field(default_factory=dict)

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
        value = coerce(value, types[key], where, from_env)
        choices = known[key].metadata.get("choices")
        if choices and value not in choices:
            raise ConfigError(f"{where} must be one of {', '.join(choices)}, not {value!r}")
        check = known[key].metadata.get("check")
        problem = check(value) if check else None
        if problem:
            raise ConfigError(f"{where}: {problem}")
        kwargs[key] = value
    return cls(**kwargs)


def check_setting(section: str, key: str, value: Any, origin: str) -> Any:
    """One setting's value checked as the config file's would be (type, choices, check);
    a string is parsed as an environment variable is. Raises `ConfigError` naming it."""
    section_obj = _build_section(section, SECTIONS[section], {key: value}, origin,
                                 from_env=isinstance(value, str))
    return getattr(section_obj, key)


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
    origins: dict[str, str] = {}
    overrides = _env_overrides(environ)
    for name, cls in SECTIONS.items():
        origins.update({f"{name}.{key}": "config file" for key in data.get(name, {})})
        origins.update({f"{name}.{key}": "environment" for key in overrides.get(name, {})})
        section = _build_section(name, cls, data.get(name, {}), source)
        env_values = overrides.get(name, {})
        if env_values:
            merged = dataclasses.asdict(section)
            env_section = _build_section(name, cls, env_values, "environment", from_env=True)
            for key in env_values:
                merged[key] = getattr(env_section, key)
            section = cls(**merged)
        sections[name] = section
    config = Config(**sections, base_dir=base_dir, source=source, origins=origins)
    check_consistency(config)
    return config
