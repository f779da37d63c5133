"""Remote avatars and headers are cached like work media instead of hot-linked: the URLs
an actor document gives move to avatar_remote_url / header_remote_url, and avatar_url /
header_url hold only paths of stored files. Existing remote URLs move over (the profile
shows a placeholder until the actor is next fetched and its images cached)."""

from pypika_tortoise import Query, Table
from tortoise import fields, migrations
from tortoise.migrations import operations as ops


async def move_remote_urls(apps, schema_editor):
    client = schema_editor.client
    accounts = Table("accounts")
    for name in ("avatar", "header"):
        column, remote = getattr(accounts, f"{name}_url"), f"{name}_remote_url"
        await client.execute_query(str(
            Query.update(accounts).set(remote, column).set(f"{name}_url", None)
            .where(accounts.domain.notnull()).where(column.like("http%"))))


class Migration(migrations.Migration):
    dependencies = [('models', '0020_conversation_marks')]

    initial = False

    operations = [
        ops.AddField(
            model_name='Account',
            name='avatar_remote_url',
            field=fields.CharField(null=True, max_length=2048),
        ),
        ops.AddField(
            model_name='Account',
            name='header_remote_url',
            field=fields.CharField(null=True, max_length=2048),
        ),
        ops.RunPython(move_remote_urls, ops.RunPython.noop),
    ]
