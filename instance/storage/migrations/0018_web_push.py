from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from tortoise.fields.base import OnDelete
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0017_periodic_runs')]

    initial = False

    operations = [
        ops.CreateModel(
            name='WebPushSubscription',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('token', fields.OneToOneField('models.OAuthToken', source_field='token_id', db_constraint=True, to_field='id', related_name='push_subscription', on_delete=OnDelete.CASCADE)),
                ('account', fields.ForeignKeyField('models.Account', source_field='account_id', db_constraint=True, to_field='id', related_name='push_subscriptions', on_delete=OnDelete.CASCADE)),
                ('endpoint', fields.TextField(unique=False)),
                ('key_p256dh', fields.CharField(max_length=128)),
                ('key_auth', fields.CharField(max_length=64)),
                ('alerts', fields.JSONField(default=dict, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('policy', fields.CharField(default='all', max_length=16)),
                ('standard', fields.BooleanField(default=False)),
                ('sealed_token', fields.TextField(default='', unique=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'web_push_subscriptions', 'app': 'models', 'pk_attr': 'id', 'table_description': "A push endpoint an app registered for one access token: the receiving P-256 key"},
            bases=['Model'],
        ),
    ]
