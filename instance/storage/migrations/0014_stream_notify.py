"""PostgreSQL only: a trigger sends NOTIFY impasto_stream from the transaction that inserts
a notification or inserts a work or changes its state, so streaming connections in every
web process wake when it commits instead of polling (instance/api/stream_wakeup.py).
SQLite keeps polling; nothing to do there."""

from tortoise import migrations
from tortoise.migrations import operations as ops

FUNCTION = """
CREATE OR REPLACE FUNCTION impasto_stream_notify() RETURNS trigger AS $$
BEGIN
    PERFORM pg_notify('impasto_stream', TG_TABLE_NAME);
    RETURN NULL;
END;
$$ LANGUAGE plpgsql
"""
TRIGGERS = (
    "CREATE TRIGGER impasto_stream_works AFTER INSERT OR UPDATE OF state ON works "
    "FOR EACH ROW EXECUTE FUNCTION impasto_stream_notify()",
    "CREATE TRIGGER impasto_stream_notifications AFTER INSERT ON notifications "
    "FOR EACH ROW EXECUTE FUNCTION impasto_stream_notify()",
)


async def create_triggers(apps, schema_editor):
    client = schema_editor.client
    if client.capabilities.dialect != "postgres":
        return
    await client.execute_script(FUNCTION)
    for trigger in TRIGGERS:
        await client.execute_script(trigger)


async def drop_triggers(apps, schema_editor):
    client = schema_editor.client
    if client.capabilities.dialect != "postgres":
        return
    await client.execute_script("DROP TRIGGER IF EXISTS impasto_stream_works ON works")
    await client.execute_script("DROP TRIGGER IF EXISTS impasto_stream_notifications ON notifications")
    await client.execute_script("DROP FUNCTION IF EXISTS impasto_stream_notify()")


class Migration(migrations.Migration):
    dependencies = [('models', '0004_job_board')]

    initial = False

    operations = [
        ops.RunPython(create_triggers, drop_triggers),
    ]
