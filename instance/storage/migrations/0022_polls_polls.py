from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from tortoise.fields.base import OnDelete
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0021_remote_profile_images')]

    initial = False

    operations = [
        ops.CreateModel(
            name='Poll',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('work', fields.OneToOneField('models.Work', source_field='work_id', db_constraint=True, to_field='id', related_name='poll', on_delete=OnDelete.CASCADE)),
                ('options', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('tallies', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('multiple', fields.BooleanField(default=False)),
                ('hide_totals', fields.BooleanField(default=False)),
                ('voters_count', fields.IntField(default=0)),
                ('expires_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('closed_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('update_queued', fields.BooleanField(default=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'polls', 'app': 'models', 'pk_attr': 'id', 'table_description': 'The poll of one work: option titles and their tallies (same order), kept as lists'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='PollVote',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('poll', fields.ForeignKeyField('models.Poll', source_field='poll_id', db_constraint=True, to_field='id', related_name='votes', on_delete=OnDelete.CASCADE)),
                ('account', fields.ForeignKeyField('models.Account', source_field='account_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('choice', fields.IntField()),
                ('ap_id', fields.CharField(null=True, max_length=2048)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'poll_votes', 'app': 'models', 'unique_together': (('poll', 'account', 'choice'),), 'pk_attr': 'id', 'table_description': "One account's choice of one option of a poll (a multiple-choice vote is several"},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='ScheduledStatus',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('account', fields.ForeignKeyField('models.Account', source_field='account_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('scheduled_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('params', fields.JSONField(default=dict, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'scheduled_statuses', 'app': 'models', 'pk_attr': 'id', 'table_description': "A status to be published later (Mastodon's ScheduledStatus): the create_work"},
            bases=['Model'],
        ),
    ]
