from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0023_notif_v2_followed_featured_tags')]

    initial = False

    operations = [
        ops.CreateModel(
            name='AccountDomainBlock',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('account', fields.ForeignKeyField('models.Account', source_field='account_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('domain', fields.CharField(max_length=253)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'account_domain_blocks', 'app': 'models', 'unique_together': (('account', 'domain'),), 'pk_attr': 'id', 'table_description': "A domain one person blocked for themself (Mastodon's per-account domain blocks):"},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='ArchiveExport',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('account', fields.ForeignKeyField('models.Account', source_field='account_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('token', fields.CharField(unique=True, max_length=64)),
                ('state', fields.CharField(default='queued', max_length=16)),
                ('done', fields.IntField(default=0)),
                ('total', fields.IntField(default=0)),
                ('storage_key', fields.CharField(null=True, max_length=512)),
                ('size', fields.BigIntField(default=0)),
                ('error', fields.TextField(default='', unique=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('finished_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('expires_at', fields.DatetimeField(null=True, db_index=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'archive_exports', 'app': 'models', 'pk_attr': 'id', 'table_description': 'One request for the full archive (actor, outbox, originals, likes, bookmarks and'},
            bases=['Model'],
        ),
    ]
