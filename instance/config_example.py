"""The text of config.example.toml, generated from the declarations in instance.config
(a test keeps the file in step)."""

from __future__ import annotations

import dataclasses
from typing import Any

from instance.config import SECTIONS


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
