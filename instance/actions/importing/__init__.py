"""Importing the CSV files Mastodon's Settings → Import takes (follows, blocked and muted
accounts, bookmarks, lists): `files` checks a file and turns its rows into work or into
report entries, `kinds` says per kind what a row is and what applying it does, `run`
queues the job and applies the rows. Every row that fails says why in the import's
report; `overwrite` also undoes what the file leaves out, as Mastodon does."""

from instance.actions.importing.files import MAX_BYTES, MODES, ImportRefused
from instance.actions.importing.kinds import KINDS, ImportKind
from instance.actions.importing.run import import_job, start_import

__all__ = ["KINDS", "MAX_BYTES", "MODES", "ImportKind", "ImportRefused", "import_job", "start_import"]
