from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
import functools
from json import dumps, loads
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0009_portfolio_layout')]

    initial = False

    operations = [
        ops.CreateModel(
            name='InstanceSetting',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('key', fields.CharField(unique=True, max_length=128)),
                ('value', fields.JSONField(null=True, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
                ('updated_by', fields.ForeignKeyField('models.Account', source_field='updated_by_id', null=True, db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.SET_NULL)),
            ],
            options={'table': 'instance_settings', 'app': 'models', 'pk_attr': 'id', 'table_description': 'One instance setting an admin changed in the admin pages (it wins over the config'},
            bases=['Model'],
        ),
        ops.AddField(
            model_name='Invite',
            name='note',
            field=fields.CharField(default='', max_length=200),
        ),
        ops.AddField(
            model_name='Invite',
            name='revoked_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
    ]
