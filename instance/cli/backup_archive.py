"""The on-disk form of an `impasto backup`: a folder, or one uncompressed .tar, holding the
database dump, the media files, the config and the secret key, with a manifest.json that
lists every file with its sha256 and size. Restores trust nothing the manifest does not
vouch for: names are checked against the few shapes a backup can hold (no path can leave
the target), and every byte is checked against its sha256 before anything is written."""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import tarfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from instance.cli.support import CliError
from media.storage import Area, InvalidKey, check_key

FORMAT = 1
MANIFEST = "manifest.json"
SQLITE_DUMP = "database.sqlite3"
POSTGRES_DUMP = "database.pgdump"
CONFIG = "config.toml"
SECRET_KEY = "secret_key"
_FIXED = {SQLITE_DUMP, POSTGRES_DUMP, CONFIG, SECRET_KEY}
_MEDIA = re.compile(r"^media/(originals|variants)/(.+)$")
_CHUNK = 1 << 20


def media_name(area: Area, key: str) -> str:
    return f"media/{Area(area).value}/{key}"


def media_entry(name: str) -> tuple[Area, str] | None:
    """(area, key) for a media file's name in the backup, None for the other files."""
    match = _MEDIA.fullmatch(name)
    return (Area(match.group(1)), match.group(2)) if match else None


def check_name(name: Any) -> str:
    """`name` if it is a file a backup may hold, else a CliError (a forged manifest)."""
    if isinstance(name, str) and name in _FIXED:
        return name
    entry = media_entry(name) if isinstance(name, str) else None
    if entry is not None:
        try:
            check_key(entry[1])
            return name
        except InvalidKey:
            pass
    raise CliError(f"the backup's manifest lists a file it may not hold: {name!r}")


class BackupWriter:
    """Adds files to a new backup, recording their checksums; `close` writes the manifest."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.files: list[dict[str, Any]] = []
        self.tar: tarfile.TarFile | None = None
        if path.exists() and not (path.is_dir() and not any(path.iterdir())):
            raise CliError(f"{path} already exists: give a new path (or an empty folder)")
        try:
            if path.suffix == ".tar":  # readable by its owner only: it holds private keys
                self.out = os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600),
                                     "wb")
                self.tar = tarfile.open(fileobj=self.out, mode="w", format=tarfile.PAX_FORMAT)
            else:
                path.mkdir(parents=True, exist_ok=True)
                path.chmod(0o700)  # the dump holds the artists' private keys
        except OSError as exc:
            raise CliError(f"cannot write the backup at {path}: {exc.strerror or exc}") from None

    def add_bytes(self, name: str, data: bytes) -> None:
        self.add_stream(check_name(name), io.BytesIO(data), len(data))

    def add_file(self, name: str, source: Path) -> None:
        with source.open("rb") as fh:
            self.add_stream(check_name(name), fh, source.stat().st_size)

    def add_stream(self, name: str, stream: IO[bytes], size: int) -> None:
        digest = _Hashing(stream)
        if self.tar is not None:
            info = tarfile.TarInfo(name)
            info.size, info.mode, info.mtime = size, 0o600, int(datetime.now(UTC).timestamp())
            self.tar.addfile(info, digest)  # hashes what tarfile reads
        else:
            target = self.path / name
            target.parent.mkdir(parents=True, exist_ok=True)
            with target.open("wb") as out:
                target.chmod(0o600)
                while chunk := digest.read(_CHUNK):
                    out.write(chunk)
        self.files.append({"name": name, "size": digest.size, "sha256": digest.hexdigest()})

    def abort(self) -> None:
        """After a failure: remove a half-written .tar (a folder without its manifest is
        left, and no restore accepts it)."""
        if self.tar is not None:
            self.tar.close()
            self.out.close()
            self.path.unlink(missing_ok=True)

    def close(self, **facts: Any) -> dict[str, Any]:
        manifest = {"format": FORMAT, **facts,
                    "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
                    "files": self.files}
        data = json.dumps(manifest, indent=1).encode()
        if self.tar is not None:
            info = tarfile.TarInfo(MANIFEST)
            info.size, info.mode = len(data), 0o600
            self.tar.addfile(info, io.BytesIO(data))
            self.tar.close()
            self.out.close()
        else:
            (self.path / MANIFEST).write_bytes(data)
            (self.path / MANIFEST).chmod(0o600)
        return manifest


class _Hashing:
    """A reader that hashes what passes through it."""

    def __init__(self, inner: IO[bytes]) -> None:
        self.inner, self.hash, self.size = inner, hashlib.sha256(), 0

    def read(self, n: int | None = -1) -> bytes:
        chunk = self.inner.read(-1 if n is None else n)
        self.hash.update(chunk)
        self.size += len(chunk)
        return chunk

    def hexdigest(self) -> str:
        return self.hash.hexdigest()


class BackupReader:
    """An existing backup: its manifest, and each listed file's bytes (verified with
    `verify` before any are used)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.tar: tarfile.TarFile | None = None
        if not path.exists():
            raise CliError(f"no backup at {path}")
        try:
            if path.is_file():
                self.tar = tarfile.open(path, "r:")
            raw = self._read(MANIFEST)
        except (tarfile.TarError, EOFError) as exc:
            raise CliError(f"{path} is not a readable backup archive ({exc})") from None
        except (FileNotFoundError, KeyError):
            raise CliError(f"{path} is not an Impasto backup: it has no {MANIFEST}") from None
        except OSError as exc:
            raise CliError(f"cannot read {path}: {exc.strerror or exc}") from None
        self.manifest = _parse_manifest(raw, path)

    @property
    def files(self) -> list[dict[str, Any]]:
        return list(self.manifest["files"])

    def _read(self, name: str) -> bytes:
        with self.open(name) as fh:
            return fh.read()

    def open(self, name: str) -> IO[bytes]:
        if self.tar is None:
            return (self.path / name).open("rb")
        member = self.tar.extractfile(name)
        if member is None:
            raise KeyError(name)
        return member

    def read(self, name: str) -> bytes:
        try:
            return self._read(name)
        except (KeyError, OSError, tarfile.TarError) as exc:
            raise CliError(f"cannot read {name} from the backup ({exc})") from None

    def chunks(self, name: str) -> Iterator[bytes]:
        with self.open(name) as fh:
            while chunk := fh.read(_CHUNK):
                yield chunk

    def verify(self, entry: dict[str, Any]) -> None:
        """Refuse, naming the file, if it is missing or its bytes are not the listed ones."""
        name, digest, size = entry["name"], hashlib.sha256(), 0
        try:
            for chunk in self.chunks(name):
                digest.update(chunk)
                size += len(chunk)
        except (FileNotFoundError, KeyError):
            raise CliError(f"the backup is incomplete: {name} is missing") from None
        except (OSError, tarfile.TarError, EOFError) as exc:
            raise CliError(f"cannot read {name} from the backup ({exc})") from None
        if size != entry["size"] or digest.hexdigest() != entry["sha256"]:
            raise CliError(f"{name} in the backup has changed since it was written "
                           "(its sha256 does not match the manifest): refusing to restore")


def _parse_manifest(raw: bytes, path: Path) -> dict[str, Any]:
    try:
        manifest = json.loads(raw)
        if manifest.get("format") != FORMAT:
            raise CliError(f"{path}: backup format {manifest.get('format')!r} is not one "
                           f"this version reads ({FORMAT})")
        files = manifest["files"]
        for entry in files:
            check_name(entry["name"])
            if not (isinstance(entry["size"], int) and isinstance(entry["sha256"], str)):
                raise ValueError(entry)
        if manifest["database"] not in ("sqlite", "postgres"):
            raise ValueError(manifest["database"])
    except CliError:
        raise
    except (ValueError, KeyError, TypeError, AttributeError, RecursionError):
        raise CliError(f"{path}: {MANIFEST} is damaged (not the manifest a backup writes)") from None
    return manifest
