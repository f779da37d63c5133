from tortoise import migrations
from tortoise.migrations import operations as ops

class Migration(migrations.Migration):
    dependencies = [('models', '0012_instance_settings')]

    initial = False

    operations = [
        ops.AlterModelOptions(
            name='Invite',
            options={'table': 'invites', 'app': 'models', 'pk_attr': 'id', 'table_description': 'A sign-up link (/invite/CODE), usable in every registration mode, skipping approval.'},
        ),
    ]
