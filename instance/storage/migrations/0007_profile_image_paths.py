"""Local avatars and headers were stored as absolute URLs (scheme://domain/media/KEY), so a
change of `[instance] domain` or of the port left them pointing at the old host. They are
stored as paths (/media/KEY) now and made absolute where they are rendered: this turns the
existing absolute local ones into paths. Remote accounts keep their remote URLs."""

import re

from pypika_tortoise import Query, Table
from tortoise import migrations
from tortoise.migrations import operations as ops

LOCAL_MEDIA = re.compile(r"^https?://[^/]+(/media/.+)$")


def as_path(url):
    """/media/KEY for an absolute URL of one of our media files, else None."""
    found = LOCAL_MEDIA.match(url or "")
    return found.group(1) if found else None


async def to_paths(apps, schema_editor):
    client = schema_editor.client
    accounts = Table("accounts")
    rows = await client.execute_query_dict(
        str(Query.from_(accounts).select("id", "avatar_url", "header_url")
            .where(accounts.domain.isnull()))
    )
    for row in rows:
        changes = {name: as_path(row[name]) for name in ("avatar_url", "header_url")}
        changes = {name: path for name, path in changes.items() if path}
        if changes:
            update = Query.update(accounts).where(accounts.id == row["id"])
            for name, path in changes.items():
                update = update.set(name, path)
            await client.execute_query(str(update))


class Migration(migrations.Migration):
    dependencies = [('models', '0006_mail')]

    initial = False

    operations = [
        ops.RunPython(to_paths, ops.RunPython.noop),
    ]
