from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0011_shared_delivery_state')]

    initial = False

    operations = [
        ops.CreateModel(
            name='EmailToken',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('user', fields.ForeignKeyField('models.User', source_field='user_id', db_constraint=True, to_field='id', related_name='email_tokens', on_delete=OnDelete.CASCADE)),
                ('purpose', fields.CharField(max_length=16)),
                ('token_hash', fields.CharField(unique=True, max_length=64)),
                ('expires_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('used_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'email_tokens', 'app': 'models', 'pk_attr': 'id', 'table_description': 'A single-use, expiring link for one user. Only the SHA-256 of the secret is stored,'},
            bases=['Model'],
        ),
        ops.AddField(
            model_name='User',
            name='email_pending',
            field=fields.BooleanField(default=False),
        ),
    ]
