from tortoise import fields, migrations
from tortoise.migrations import operations as ops

class Migration(migrations.Migration):
    dependencies = [('models', '0013_lists_filters')]

    initial = False

    operations = [
        ops.AddField(
            model_name='User',
            name='permissions',
            field=fields.CharField(default='', db_default='', max_length=255),
        ),
    ]
