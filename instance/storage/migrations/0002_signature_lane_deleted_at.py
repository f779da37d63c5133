from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0001_initial')]

    initial = False

    operations = [
        ops.AddField(
            model_name='Account',
            name='deleted_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name='InboxItem',
            name='signature_digest',
            field=fields.CharField(null=True, max_length=64),
        ),
        ops.AddField(
            model_name='Job',
            name='lane',
            field=fields.CharField(null=True, max_length=255),
        ),
    ]
