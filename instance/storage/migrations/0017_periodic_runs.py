from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0016_staff_permissions')]

    initial = False

    operations = [
        ops.CreateModel(
            name='PeriodicRun',
            fields=[
                ('name', fields.CharField(primary_key=True, unique=True, db_index=True, max_length=64)),
                ('period_start', fields.BigIntField()),
                ('claimed_by', fields.CharField(default='', max_length=255)),
                ('claimed_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'periodic_runs', 'app': 'models', 'pk_attr': 'name', 'table_description': 'The last period each periodic job was claimed for (period_start: epoch seconds).'},
            bases=['Model'],
        ),
    ]
