from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0005_notification_detail')]

    initial = False

    operations = [
        ops.CreateModel(
            name='ArtistAvailability',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('account', fields.OneToOneField('models.Account', source_field='account_id', db_constraint=True, to_field='id', related_name='availability', on_delete=OnDelete.CASCADE)),
                ('status', fields.CharField(default='unavailable', db_index=True, max_length=16)),
                ('kinds', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('price_min', fields.BigIntField(null=True)),
                ('price_max', fields.BigIntField(null=True)),
                ('currency', fields.CharField(default='', max_length=3)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'artist_availability', 'app': 'models', 'pk_attr': 'id', 'table_description': 'Whether an artist takes work now, which kinds, and a price range in whole units.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='JobListing',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('ap_id', fields.CharField(null=True, unique=True, max_length=2048)),
                ('url', fields.CharField(null=True, max_length=2048)),
                ('local', fields.BooleanField(default=True, db_index=True)),
                ('poster', fields.ForeignKeyField('models.Account', source_field='poster_id', db_constraint=True, to_field='id', related_name='job_listings', on_delete=OnDelete.CASCADE)),
                ('title', fields.CharField(max_length=200)),
                ('organisation_name', fields.CharField(default='', max_length=200)),
                ('organisation_url', fields.CharField(default='', max_length=2048)),
                ('description', fields.TextField(default='', unique=False)),
                ('description_source', fields.TextField(default='', unique=False)),
                ('kind', fields.CharField(default='freelance', max_length=16)),
                ('location_mode', fields.CharField(default='remote', max_length=16)),
                ('city', fields.CharField(default='', max_length=120)),
                ('country', fields.CharField(default='', max_length=120)),
                ('time_zones', fields.CharField(default='', max_length=200)),
                ('pay_min', fields.BigIntField(null=True)),
                ('pay_max', fields.BigIntField(null=True)),
                ('pay_currency', fields.CharField(default='', max_length=3)),
                ('pay_period', fields.CharField(default='', max_length=16)),
                ('pay_on_request', fields.BooleanField(default=False)),
                ('skills', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('mediums', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('tags_index', fields.TextField(default='', unique=False)),
                ('deadline', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('apply_via', fields.CharField(default='impasto', max_length=16)),
                ('apply_target', fields.CharField(default='', max_length=2048)),
                ('no_ai_work', fields.BooleanField(default=False)),
                ('no_ai_training', fields.BooleanField(default=False)),
                ('state', fields.CharField(default='draft', db_index=True, max_length=16)),
                ('state_reason', fields.TextField(default='', unique=False)),
                ('held', fields.BooleanField(default=False)),
                ('applications_count', fields.IntField(default=0)),
                ('published_at', fields.DatetimeField(null=True, db_index=True, auto_now=False, auto_now_add=False)),
                ('edited_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('closed_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'job_listings', 'app': 'models', 'indexes': [Index(fields=['state', 'published_at']), Index(fields=['poster_id', 'state'])], 'pk_attr': 'id', 'table_description': 'A paid piece of work offered on the board. Pay is whole units of `pay_currency`'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='JobApplication',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('ap_id', fields.CharField(null=True, unique=True, max_length=2048)),
                ('listing', fields.ForeignKeyField('models.JobListing', source_field='listing_id', db_constraint=True, to_field='id', related_name='applications', on_delete=OnDelete.CASCADE)),
                ('applicant', fields.ForeignKeyField('models.Account', source_field='applicant_id', db_constraint=True, to_field='id', related_name='job_applications', on_delete=OnDelete.CASCADE)),
                ('message', fields.TextField(default='', unique=False)),
                ('work_ids', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('links', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('contact', fields.CharField(default='', max_length=320)),
                ('state', fields.CharField(default='new', max_length=16)),
                ('reply', fields.TextField(default='', unique=False)),
                ('replied_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'job_applications', 'app': 'models', 'unique_together': (('listing', 'applicant'),), 'indexes': [Index(fields=['applicant_id', 'created_at'])], 'pk_attr': 'id', 'table_description': "An artist's application to a listing: a message, up to a few chosen works (ids of"},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='SavedListing',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('account', fields.ForeignKeyField('models.Account', source_field='account_id', db_constraint=True, to_field='id', related_name='saved_listings', on_delete=OnDelete.CASCADE)),
                ('listing', fields.ForeignKeyField('models.JobListing', source_field='listing_id', db_constraint=True, to_field='id', related_name='saved_by', on_delete=OnDelete.CASCADE)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'saved_listings', 'app': 'models', 'unique_together': (('account', 'listing'),), 'pk_attr': 'id', 'table_description': 'A listing an artist keeps for later.'},
            bases=['Model'],
        ),
    ]
