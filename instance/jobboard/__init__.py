"""The job board's rules: listings (post, edit, open, close, fill, expire, remove),
applications (apply with works, the poster's marks and replies), the board's filters and
saved listings, and artists' availability. "Jobs" elsewhere in the code is the background
queue (instance.jobs); pages and texts here say "job board" or "listing"."""
