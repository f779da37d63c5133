"""How far one image is through the pipeline, told across processes through a small file.

The pipeline runs in a pool process that shares no memory with the worker waiting on it,
so it writes its stage and overall fraction to a file the worker reads (`read_progress`)
and puts on the media record, where the upload page finds it. Writes are atomic (a
temporary file renamed over the old one) and best effort: progress is never worth
failing an upload for."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

# The stages, in order, and the share of the whole each starts at.
STAGES: dict[str, float] = {
    "checking provenance": 0.0,
    "cleaning": 0.1,
    "cloaking": 0.2,
    "making variants": 0.9,
}


@dataclass(frozen=True, slots=True)
class ProgressFile:
    """A picklable reporter: `report(stage, fraction_of_the_whole)`."""

    path: str

    def __call__(self, stage: str, fraction: float) -> None:
        target = Path(self.path)
        temporary = target.with_name(target.name + ".tmp")
        try:
            temporary.write_text(json.dumps({"stage": stage, "fraction": round(fraction, 3)}))
            os.replace(temporary, target)
        except OSError:
            pass


def read_progress(path: str | Path) -> tuple[str, float] | None:
    """The last (stage, fraction) written to `path`, or None when there is none yet."""
    try:
        data = json.loads(Path(path).read_text())
        return str(data["stage"]), min(1.0, max(0.0, float(data["fraction"])))
    except (OSError, ValueError, KeyError, TypeError):
        return None
