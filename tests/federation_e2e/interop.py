"""Where the third-party peers live: they pin libraries Impasto cannot share (Quart
0.19, tortoise-orm 0.21), so they run from their own virtualenv, found through
IMPASTO_INTEROP_PYTHON or REPO/.venv-interop/bin/python."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT

INSTALL_HINT = (
    "python3 -m venv .venv-interop && .venv-interop/bin/pip install "
    "bovine-herd==0.5.19 fediverse-pasture==0.2.25 http-sf==1.0.7 hypercorn"
)


def interop_python(*modules: str) -> str:
    """The interop Python, or skip with the reason and the command that fixes it."""
    python = os.environ.get("IMPASTO_INTEROP_PYTHON") or str(REPO_ROOT / ".venv-interop/bin/python")
    if not Path(python).exists():
        pytest.skip(f"interop peers not installed ({python} missing); run: {INSTALL_HINT}")
    probe = subprocess.run([python, "-c", "import " + ", ".join(modules)], capture_output=True,
                           text=True, timeout=60)
    if probe.returncode != 0:
        pytest.skip(f"{python} cannot import {', '.join(modules)}; run: {INSTALL_HINT}")
    return python
