from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0007_profile_image_paths')]

    initial = False

    operations = [
        ops.AlterModelOptions(
            name='Notification',
            options={'table': 'notifications', 'app': 'models', 'indexes': [Index(fields=['recipient_id', 'id'])], 'pk_attr': 'id', 'table_description': "Mastodon's notification types (follow, follow_request, favourite, reblog, mention,"},
        ),
        ops.AddField(
            model_name='Notification',
            name='detail',
            field=fields.JSONField(null=True, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads),
        ),
        ops.AddField(
            model_name='Notification',
            name='media',
            field=fields.ForeignKeyField('models.MediaAttachment', source_field='media_id', null=True, db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.SET_NULL),
        ),
        ops.AddField(
            model_name='Notification',
            name='read_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
    ]
