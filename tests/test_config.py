"""Config loading: defaults, the example file, environment overrides, clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from instance.config import Config, ConfigError, load_config
from instance.config_example import render_example
from tests.conftest import REPO_ROOT


def test_example_file_lists_every_setting_with_its_default():
    example = REPO_ROOT / "config.example.toml"
    assert example.read_text(encoding="utf-8") == render_example(), (
        "config.example.toml is out of date: run `make config-example`"
    )
    loaded = load_config(example, environ={})
    defaults = Config()
    for section in ("instance", "server", "database", "media", "federation", "ai", "cloak", "jobs"):
        assert getattr(loaded, section) == getattr(defaults, section)


def test_defaults_without_a_file(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    config = load_config(None, environ={})
    assert config.database.url.startswith("sqlite://")
    assert config.database_url == f"sqlite://{tmp_path / 'data' / 'impasto.sqlite3'}"
    assert config.registration.mode == "approval"
    assert config.federation.authorized_fetch is True
    assert config.federation.allow_private_addresses == []


def test_relative_paths_follow_the_config_file(tmp_path):
    folder = tmp_path / "site"
    folder.mkdir()
    path = folder / "impasto.toml"
    path.write_text('[media]\npath = "files"\n', encoding="utf-8")
    config = load_config(path, environ={})
    assert config.resolve_path(config.media.path) == folder / "files"


def test_environment_overrides_keys(tmp_path):
    path = tmp_path / "c.toml"
    path.write_text('[instance]\nname = "From file"\n', encoding="utf-8")
    config = load_config(
        path,
        environ={
            "IMPASTO_INSTANCE_NAME": "From env",
            "IMPASTO_FEDERATION_ALLOW_PRIVATE_ADDRESSES": "127.0.0.1:8101, [::1]:8102",
            "IMPASTO_JOBS_CONCURRENCY": "3",
            "IMPASTO_JOBS_PLUGINS": "a.b, c.d",
            "IMPASTO_TEST_POSTGRES_URL": "ignored: the test suite's own",
        },
    )
    assert config.instance.name == "From env"
    assert config.federation.allow_private_addresses == ["127.0.0.1:8101", "[::1]:8102"]
    assert config.jobs.concurrency == 3
    assert config.jobs.plugins == ["a.b", "c.d"]


def test_impasto_config_variable_chooses_the_file(tmp_path):
    path = tmp_path / "chosen.toml"
    path.write_text('[registration]\nmode = "open"\n', encoding="utf-8")
    assert load_config(None, environ={"IMPASTO_CONFIG": str(path)}).registration.mode == "open"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[server]\nbindd = 'x'\n", "[server] bindd: unknown setting"),
        ("[nosuch]\na = 1\n", "unknown section [nosuch]"),
        (
            "[registration]\nmode = 'everyone'\n",
            "[registration] mode must be one of closed, approval, invite, open",
        ),
        ("[jobs]\nconcurrency = 'many'\n", "[jobs] concurrency must be a whole number"),
        ("[cloak]\nenabled = 'yes'\n", "[cloak] enabled must be true or false"),
        ("[instance\nname = 1\n", "not valid TOML"),
        (
            "[database]\nurl = 'mysql://x'\n",
            "[database] url must start with sqlite:// or postgres://",
        ),
        ("server = 3\n", "server must be a [server] table"),
        ("[federation]\nallow_private_addresses = true\n",
         "[federation] allow_private_addresses must be a list of strings"),
        ("[federation]\nallow_private_addresses = ['127.0.0.1']\n",
         "'127.0.0.1' is not host:port (e.g. 127.0.0.1:8101)"),
        ("[federation]\nallow_private_addresses = ['127.0.0.1:99999']\n", "is not host:port"),
    ],
)
def test_bad_files_name_the_problem(tmp_path, text, message):
    path = tmp_path / "bad.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(path, environ={})
    assert message in str(caught.value)
    assert str(path) in str(caught.value)


def test_bad_environment_values_name_the_variable():
    with pytest.raises(
        ConfigError, match=r"environment: \[jobs\] concurrency must be a whole number"
    ):
        load_config(None, environ={"IMPASTO_JOBS_CONCURRENCY": "lots"})
    with pytest.raises(ConfigError, match="IMPASTO_NOPE_X: no such config section"):
        load_config(None, environ={"IMPASTO_NOPE_X": "1"})


def test_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(ConfigError, match="config file not found"):
        load_config(Path(tmp_path / "absent.toml"), environ={})
