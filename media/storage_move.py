"""Copy every file of one media store into another, verified, resumable.

Each file is written whole (the local store renames into place, an S3 PUT is atomic), so a
copy killed midway leaves every target file either absent or complete. Running again skips
the files whose checksum already matches, which is what makes it resumable; a file that
differs is copied again. Nothing is deleted from the source: the switch-over is the
operator's, once the copy reports complete.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field

from media.storage import Area, MediaStore


@dataclass
class MoveReport:
    total: int = 0
    copied: int = 0
    skipped: int = 0  # already in the target with the same checksum
    mismatched: list[str] = field(default_factory=list)  # verification failed after copying

    @property
    def complete(self) -> bool:
        return not self.mismatched and self.copied + self.skipped == self.total


def plan(source: MediaStore) -> list[tuple[Area, str]]:
    """Every (area, key) the source holds, originals first."""
    return [(area, key) for area in (Area.ORIGINALS, Area.VARIANTS) for key in source.iter_keys(area)]


def copy_all(
    source: MediaStore, target: MediaStore, files: list[tuple[Area, str]],
    advance: Callable[[], None] = lambda: None,
) -> MoveReport:
    report = MoveReport(total=len(files))
    for area, key in files:
        data = source.get(area, key)
        digest = hashlib.md5(data, usedforsecurity=False).hexdigest()
        if target.md5(area, key) == digest:
            report.skipped += 1
        else:
            target.put(area, key, data)
            if _verified(target, area, key, data, digest):
                report.copied += 1
            else:
                report.mismatched.append(f"{area.value}/{key}")
        advance()
    return report


def _verified(target: MediaStore, area: Area, key: str, data: bytes, digest: str) -> bool:
    stored = target.md5(area, key)
    if stored == "":  # the store cannot tell (a multipart ETag): read the bytes back
        return target.get(area, key) == data
    return stored == digest
