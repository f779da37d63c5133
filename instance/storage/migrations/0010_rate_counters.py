from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0003_media_progress')]

    initial = False

    operations = [
        ops.CreateModel(
            name='RateCounter',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('key', fields.CharField(max_length=200)),
                ('window_start', fields.BigIntField()),
                ('count', fields.IntField(default=0)),
                ('expires_at', fields.BigIntField(db_index=True)),
            ],
            options={'table': 'rate_counters', 'app': 'models', 'unique_together': (('key', 'window_start'),), 'pk_attr': 'id', 'table_description': 'Hits of one key in one fixed window (window_start: epoch seconds where it began).'},
            bases=['Model'],
        ),
    ]
