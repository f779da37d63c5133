from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0027_host_slots')]

    initial = False

    operations = [
        ops.AddField(
            model_name='Collection',
            name='cover',
            field=fields.ForeignKeyField('models.Work', source_field='cover_id', null=True, db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.SET_NULL),
        ),
    ]
