"""Where media bytes live. Originals are private (never served: they keep the
uploader's metadata and uncloaked pixels); variants are public. The interface is
small so an S3-compatible store (media/s3store.py) can stand in for the local one.

Keys are relative, slash-separated names ("ab/cd/0193….webp"). Every segment must
start with a letter or digit, so "..", hidden files and absolute paths cannot be
expressed, and the resolved path is checked to stay under its root as well.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import shutil
import tempfile
from collections.abc import Callable, Iterator
from enum import StrEnum
from pathlib import Path
from typing import BinaryIO, Protocol, runtime_checkable

_SEGMENT = r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}"
_KEY_RE = re.compile(rf"^{_SEGMENT}(?:/{_SEGMENT}){{0,7}}$")


class Area(StrEnum):
    ORIGINALS = "originals"  # private: never served over HTTP
    VARIANTS = "variants"  # public: served as-is


class InvalidKey(ValueError):
    """A key that is malformed or would leave the store's root."""


class StoreUnavailable(OSError):
    """The store cannot take or give bytes now (down, full, read-only): try again later."""


def check_key(key: str) -> str:
    """Return `key` if it is a safe relative key (see the module docstring), else raise."""
    if not isinstance(key, str) or not _KEY_RE.fullmatch(key):
        raise InvalidKey(f"invalid media key: {key!r}")
    return key


def sharded_key(name: str, *, depth: int = 2) -> str:
    """Spread files over folders by the name's first characters: 'abcd.webp' → 'ab/cd/abcd.webp'."""
    check_key(name)
    stem = name.split(".", 1)[0]
    parts = [stem[i * 2 : i * 2 + 2] for i in range(depth) if len(stem) >= i * 2 + 2]
    return check_key("/".join([*parts, name]))


@runtime_checkable
class MediaStore(Protocol):
    """Byte storage by (area, key)."""

    def put(self, area: Area, key: str, data: bytes) -> None: ...
    def get(self, area: Area, key: str) -> bytes: ...
    def delete(self, area: Area, key: str) -> bool: ...
    def exists(self, area: Area, key: str) -> bool: ...
    def path_for_serving(self, key: str) -> Path | None:
        """Filesystem path of a public variant for the web server, or None if the store
        has no files (then the web reads the bytes with `get`)."""
        ...

    def md5(self, area: Area, key: str) -> str | None:
        """Hex MD5 of the stored bytes ("" if the store cannot tell), None if absent."""
        ...

    def iter_keys(self, area: Area) -> Iterator[str]:
        """Every key stored in the area (for moving between stores)."""
        ...

    def open(self, area: Area, key: str) -> BinaryIO:
        """The stored bytes as a file to read in pieces (close it), without loading them
        whole; FileNotFoundError if absent."""
        ...

    def put_file(self, area: Area, key: str, path: Path) -> None:
        """Store the file at `path` under `key`, copied in pieces (for files too large
        to hold in memory, such as an archive)."""
        ...


class LocalMediaStore:
    """Files under `root/private/originals/…` and `root/public/…`.

    Point the web server (or a reverse proxy) at `public_dir` only. Writes go to a
    temporary file in the destination folder, are fsynced, then renamed into place,
    so readers never see half a file.
    """

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root).resolve()
        self.private_dir = self.root / "private" / Area.ORIGINALS.value
        self.public_dir = self.root / "public"
        self.private_dir.mkdir(parents=True, exist_ok=True)
        self.public_dir.mkdir(parents=True, exist_ok=True)

    def _base(self, area: Area) -> Path:
        area = Area(area)
        return self.private_dir if area is Area.ORIGINALS else self.public_dir

    def _path(self, area: Area, key: str) -> Path:
        base = self._base(area)
        path = base / check_key(key)
        # Refuse symlinked folders that would lead outside the area.
        if not path.parent.resolve().is_relative_to(base.resolve()):
            raise InvalidKey(f"media key escapes the store: {key!r}")
        return path

    def put(self, area: Area, key: str, data: bytes) -> None:
        self._write(area, key, lambda fh: fh.write(data))

    def _write(self, area: Area, key: str, fill: Callable[[BinaryIO], object]) -> None:
        """Write atomically: a temporary file beside the target, fsynced, then renamed over
        it (and the folder fsynced), so a crash leaves the old file or none."""
        path = self._path(area, key)
        path.parent.mkdir(parents=True, exist_ok=True)
        path = self._path(area, key)  # re-check now that folders exist
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as fh:
                fill(fh)
                fh.flush()
                os.fsync(fh.fileno())
            os.chmod(tmp, 0o644 if Area(area) is Area.VARIANTS else 0o600)
            os.replace(tmp, path)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
            raise
        _fsync_dir(path.parent)

    def get(self, area: Area, key: str) -> bytes:
        path = self._path(area, key)
        if path.is_symlink():
            raise FileNotFoundError(key)
        return path.read_bytes()

    def delete(self, area: Area, key: str) -> bool:
        try:
            self._path(area, key).unlink()
        except FileNotFoundError:
            return False
        return True

    def exists(self, area: Area, key: str) -> bool:
        path = self._path(area, key)
        return path.is_file() and not path.is_symlink()

    def path_for_serving(self, key: str) -> Path | None:
        path = self._path(Area.VARIANTS, key)
        return path if path.is_file() and not path.is_symlink() else None

    def md5(self, area: Area, key: str) -> str | None:
        if not self.exists(area, key):
            return None
        return hashlib.md5(self.get(area, key), usedforsecurity=False).hexdigest()

    def open(self, area: Area, key: str) -> BinaryIO:
        path = self._path(area, key)
        if path.is_symlink():
            raise FileNotFoundError(key)
        return path.open("rb")

    def put_file(self, area: Area, key: str, path: Path) -> None:
        with open(path, "rb") as source:
            self._write(area, key, lambda fh: shutil.copyfileobj(source, fh, 1 << 20))

    def iter_keys(self, area: Area) -> Iterator[str]:
        base = self._base(area)
        for path in sorted(base.rglob("*")):
            if path.is_file() and not path.is_symlink() and not path.name.startswith("."):
                key = path.relative_to(base).as_posix()
                if _KEY_RE.fullmatch(key):
                    yield key


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
