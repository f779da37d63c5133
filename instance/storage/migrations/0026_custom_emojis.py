"""Custom emoji: local uploads and remote servers' emoji, one per shortcode and domain."""

from tortoise import fields, migrations
from tortoise.fields.base import OnDelete
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [('models', '0025_archives_domain_blocks')]

    initial = False

    operations = [
        ops.CreateModel(
            name='CustomEmoji',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('shortcode', fields.CharField(max_length=64)),
                ('domain', fields.CharField(null=True, max_length=255, db_index=True)),
                ('image_key', fields.CharField(null=True, max_length=512)),
                ('image_type', fields.CharField(default='image/webp', max_length=32)),
                ('image_path', fields.CharField(null=True, max_length=1024)),
                ('remote_url', fields.CharField(null=True, max_length=2048)),
                ('uri', fields.CharField(null=True, max_length=2048)),
                ('media', fields.ForeignKeyField('models.MediaAttachment', source_field='media_id', null=True, db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.SET_NULL)),
                ('disabled', fields.BooleanField(default=False)),
                ('visible_in_picker', fields.BooleanField(default=True)),
                ('category', fields.CharField(null=True, max_length=64)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'custom_emojis', 'app': 'models', 'unique_together': (('shortcode', 'domain'),), 'pk_attr': 'id', 'table_description': "A custom emoji: local (domain null) or a remote server's."},
            bases=['Model'],
        ),
    ]
