from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0010_rate_counters')]

    initial = False

    operations = [
        ops.AddField(
            model_name='InstanceInfo',
            name='breaker_failures',
            field=fields.IntField(default=0),
        ),
        ops.AddField(
            model_name='InstanceInfo',
            name='breaker_opened_at',
            field=fields.FloatField(null=True),
        ),
        ops.AddField(
            model_name='InstanceInfo',
            name='cavage_only',
            field=fields.BooleanField(default=False),
        ),
    ]
