"""Importing the CSV files Mastodon's Settings → Import takes (follows, blocked and muted
accounts, bookmarks, lists): `files` checks a file and turns its rows into work or into
report entries, `kinds` says per kind what a row is and what applying it does, `run`
queues the job and applies the rows. Every row that fails says why in the import's
report; `overwrite` also undoes what the file leaves out, as Mastodon does. (Nothing is
imported here, so `files` stays cheap to load for the command line.)"""
