"""Shared pytest fixtures."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED_DIR = Path(
    __import__("os").environ.get("IMPASTO_SHARED_DIR", REPO_ROOT.parent / "shared")
)


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """The project's ../shared folder (design notes, fixtures); skip where it is absent."""
    if not (SHARED_DIR / "fixtures").is_dir():
        pytest.skip(f"../shared is absent (looked in {SHARED_DIR}); set IMPASTO_SHARED_DIR")
    return SHARED_DIR
