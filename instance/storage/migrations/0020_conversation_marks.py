from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0018_web_push')]

    initial = False

    operations = [
        ops.CreateModel(
            name='ConversationMark',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('account', fields.ForeignKeyField('models.Account', source_field='account_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('conversation_id', fields.BigIntField()),
                ('read_up_to', fields.BigIntField(default=0)),
                ('removed_up_to', fields.BigIntField(default=0)),
            ],
            options={'table': 'conversation_marks', 'app': 'models', 'unique_together': (('account', 'conversation_id'),), 'pk_attr': 'id', 'table_description': 'How far one account has read, and up to where it removed, one direct-message'},
            bases=['Model'],
        ),
    ]
