from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0014_stream_notify')]

    initial = False

    operations = [
        ops.AddField(
            model_name='Account',
            name='portfolio_layout',
            field=fields.CharField(default='grid', db_default='grid', max_length=8),
        ),
    ]
