"""Storage: Tortoise models, database set-up and migrations. ORM calls live here and in
job/view code, never in `federation/` or `media/`."""
