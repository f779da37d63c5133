from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0022_polls_polls')]

    initial = False

    operations = [
        ops.CreateModel(
            name='FeaturedTag',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('account', fields.ForeignKeyField('models.Account', source_field='account_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('tag', fields.ForeignKeyField('models.Tag', source_field='tag_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'featured_tags', 'app': 'models', 'unique_together': (('account', 'tag'),), 'pk_attr': 'id', 'table_description': "A hashtag shown on a local account's profile, as Mastodon's featured tags."},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='FollowedTag',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('account', fields.ForeignKeyField('models.Account', source_field='account_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('tag', fields.ForeignKeyField('models.Tag', source_field='tag_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'followed_tags', 'app': 'models', 'unique_together': (('account', 'tag'),), 'pk_attr': 'id', 'table_description': "One account following one hashtag, whose public works join its home timeline."},
            bases=['Model'],
        ),
    ]
