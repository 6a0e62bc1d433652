"""Bodies (the standing councils and ministers' meetings) and their meetings.

The Editor group may view, add and change them; the Publisher group may also
publish, unpublish and delete them (as for the other records, migration 0003).
"""

from django.contrib.auth.management import create_permissions
import django.core.validators
import django.db.models.deletion
import topics.partial_dates
from django.db import migrations, models


MODELS = ["body", "meeting"]


def grant_permissions(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    permissions = Permission.objects.filter(content_type__app_label="topics")
    editing = [f"{action}_{model}" for model in MODELS for action in ("view", "add", "change")]
    publishing = [f"{action}_{model}" for model in MODELS for action in ("publish", "delete")]
    for name, codenames in (("Editor", editing), ("Publisher", editing + publishing)):
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.add(*permissions.filter(codename__in=codenames))


class Migration(migrations.Migration):

    dependencies = [
        ('auth', '0012_alter_user_first_name_max_length'),
        ('topics', '0005_one_theme_link_table_and_partial_date_fields'),
    ]

    operations = [
        migrations.CreateModel(
            name='Body',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('updated_at', models.DateTimeField(auto_now=True, db_index=True)),
                ('status', models.CharField(choices=[('draft', 'Draft'), ('published', 'Published')], db_index=True, default='draft', help_text='Readers only ever see published records; drafts are visible to staff.', max_length=10)),
                ('published_at', models.DateTimeField(blank=True, help_text='Set automatically when first published. A future time schedules it.', null=True)),
                ('name', models.CharField(help_text='Full name in English.', max_length=200, unique=True)),
                ('short_name', models.CharField(help_text='E.g. “RATS Council”; used in lists and meeting titles.', max_length=100)),
                ('slug', models.SlugField(max_length=100, unique=True)),
                ('description', models.TextField(blank=True, help_text='Markdown: what the body is and does. Cite a source with [@key]; it must also be in the sources below.')),
                ('founded_date', topics.partial_dates.PartialDateField(blank=True, help_text='When it first met or was set up; for a month or year only, pick any day in it and set the precision.', null=True, precision_field='founded_precision', verbose_name='founded')),
                ('founded_precision', topics.partial_dates.PrecisionField(choices=[('day', 'Day'), ('month', 'Month'), ('year', 'Year')], default='day', max_length=5)),
                ('seat', models.CharField(blank=True, help_text='Where it sits or meets, e.g. “Tashkent”.', max_length=200)),
            ],
            options={
                'verbose_name_plural': 'bodies',
                'ordering': [models.OrderBy(models.F('founded_date'), nulls_last=True), 'name'],
                'abstract': False,
                'default_permissions': ('add', 'change', 'delete', 'view', 'publish'),
            },
        ),
        migrations.CreateModel(
            name='Meeting',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('updated_at', models.DateTimeField(auto_now=True, db_index=True)),
                ('status', models.CharField(choices=[('draft', 'Draft'), ('published', 'Published')], db_index=True, default='draft', help_text='Readers only ever see published records; drafts are visible to staff.', max_length=10)),
                ('published_at', models.DateTimeField(blank=True, help_text='Set automatically when first published. A future time schedules it.', null=True)),
                ('name', models.CharField(help_text="E.g. “Defence Ministers' Meeting, Beijing 2018”.", max_length=200)),
                ('slug', models.SlugField(max_length=200, unique=True)),
                ('number', models.PositiveSmallIntegerField(blank=True, help_text="The body's own numbering (the 15th meeting), where sources give it.", null=True, validators=[django.core.validators.MinValueValidator(1, 'The first meeting is number 1.')])),
                ('date', topics.partial_dates.PartialDateField(help_text='The (first) day it sat; for a month or year only, pick any day in it and set the precision.', precision_field='date_precision')),
                ('date_precision', topics.partial_dates.PrecisionField(choices=[('day', 'Day'), ('month', 'Month'), ('year', 'Year')], default='day', help_text='How precisely the date is known; shown as e.g. “April 2024”.', max_length=5)),
                ('place', models.CharField(blank=True, help_text='City, or “videoconference”; empty if unknown.', max_length=200)),
                ('outcome', models.TextField(blank=True, help_text='Markdown: what it adopted, signed, decided or ordered.')),
                ('disputed', models.TextField(blank=True, help_text='Markdown: where sources disagree, and what each one says.')),
                ('body', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='meetings', to='topics.body')),
                ('chair', models.ForeignKey(blank=True, help_text='The member state that chaired it, if sources say (often the SCO chair of the year).', null=True, on_delete=django.db.models.deletion.PROTECT, related_name='meetings_chaired', to='topics.country')),
                ('exercises', models.ManyToManyField(blank=True, help_text='Exercises and joint operations it ordered, prepared or reviewed.', related_name='meetings', to='topics.exercise')),
                ('host', models.ForeignKey(blank=True, help_text='The country where it sat.', null=True, on_delete=django.db.models.deletion.PROTECT, related_name='meetings_hosted', to='topics.country')),
                ('policies', models.ManyToManyField(blank=True, help_text='Documents it adopted, signed, prepared or reviewed.', related_name='meetings', to='topics.policy')),
            ],
            options={
                'ordering': ['-date', 'name'],
                'abstract': False,
                'default_permissions': ('add', 'change', 'delete', 'view', 'publish'),
                'constraints': [models.CheckConstraint(condition=models.Q(('number__isnull', True), ('number__gte', 1), _connector='OR'), name='meeting_number_at_least_one'), models.UniqueConstraint(fields=('body', 'number'), name='meeting_number_unique_per_body')],
            },
        ),
        migrations.RunPython(grant_permissions, migrations.RunPython.noop),
    ]
