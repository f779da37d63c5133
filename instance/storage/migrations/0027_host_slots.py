from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0026_custom_emojis')]

    initial = False

    operations = [
        ops.CreateModel(
            name='HostSlot',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('host', fields.CharField(max_length=255)),
                ('slot', fields.IntField()),
                ('holder', fields.CharField(max_length=128)),
                ('expires_at', fields.BigIntField()),
            ],
            options={'table': 'host_slots', 'app': 'models', 'unique_together': (('host', 'slot'),), 'pk_attr': 'id', 'table_description': 'One of the few delivery slots a failing host gets across every worker process:'},
            bases=['Model'],
        ),
    ]
