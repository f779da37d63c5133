from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from tortoise.fields.base import OnDelete
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0015_invite_description')]

    initial = False

    operations = [
        ops.CreateModel(
            name='AccountList',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('owner', fields.ForeignKeyField('models.Account', source_field='owner_id', db_constraint=True, to_field='id', related_name='lists', on_delete=OnDelete.CASCADE)),
                ('title', fields.CharField(max_length=200)),
                ('replies_policy', fields.CharField(default='list', max_length=16)),
                ('exclusive', fields.BooleanField(default=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'lists', 'app': 'models', 'pk_attr': 'id', 'table_description': 'A named list of accounts its owner follows, read as its own timeline.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='ContentFilter',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('owner', fields.ForeignKeyField('models.Account', source_field='owner_id', db_constraint=True, to_field='id', related_name='filters', on_delete=OnDelete.CASCADE)),
                ('title', fields.CharField(max_length=200)),
                ('contexts', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('action', fields.CharField(default='warn', max_length=8)),
                ('expires_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'filters', 'app': 'models', 'pk_attr': 'id', 'table_description': 'A v2 filter: contexts it applies in (a JSON list), its action and optional expiry.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='FilterKeyword',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('content_filter', fields.ForeignKeyField('models.ContentFilter', source_field='content_filter_id', db_constraint=True, to_field='id', related_name='keywords', on_delete=OnDelete.CASCADE)),
                ('keyword', fields.CharField(max_length=200)),
                ('whole_word', fields.BooleanField(default=True)),
            ],
            options={'table': 'filter_keywords', 'app': 'models', 'pk_attr': 'id', 'table_description': 'A keyword of a filter, matched as a whole word or anywhere in the text.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='FilterStatus',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('content_filter', fields.ForeignKeyField('models.ContentFilter', source_field='content_filter_id', db_constraint=True, to_field='id', related_name='statuses', on_delete=OnDelete.CASCADE)),
                ('work', fields.ForeignKeyField('models.Work', source_field='work_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
            ],
            options={'table': 'filter_statuses', 'app': 'models', 'unique_together': (('content_filter', 'work'),), 'pk_attr': 'id', 'table_description': 'A status a filter matches by id.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='ListMember',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('account_list', fields.ForeignKeyField('models.AccountList', source_field='account_list_id', db_constraint=True, to_field='id', related_name='members', on_delete=OnDelete.CASCADE)),
                ('account', fields.ForeignKeyField('models.Account', source_field='account_id', db_constraint=True, to_field='id', related_name='in_lists', on_delete=OnDelete.CASCADE)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'list_members', 'app': 'models', 'unique_together': (('account_list', 'account'),), 'pk_attr': 'id', 'table_description': "One account in one list (only accounts the list's owner follows are added)."},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='ImportRun',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('account', fields.ForeignKeyField('models.Account', source_field='account_id', db_constraint=True, to_field='id', related_name='imports', on_delete=OnDelete.CASCADE)),
                ('kind', fields.CharField(max_length=32)),
                ('mode', fields.CharField(max_length=16)),
                ('state', fields.CharField(default='queued', max_length=16)),
                ('rows', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('report', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('total', fields.IntField(default=0)),
                ('processed', fields.IntField(default=0)),
                ('applied', fields.IntField(default=0)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('finished_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'imports', 'app': 'models', 'pk_attr': 'id', 'table_description': 'One uploaded file, its parsed rows to apply and its per-row failure report.'},
            bases=['Model'],
        ),
    ]
