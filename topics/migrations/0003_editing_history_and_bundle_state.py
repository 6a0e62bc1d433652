"""Editing history and the content loader's memory.

- Move the loader's per-record bookkeeping (loaded_at, content_hash) into
  BundleState rows, which outlive a deleted record, so a deletion is remembered.
- Re-store month- and year-precision entry-into-force dates as the last day of
  their period (see Policy.save).
- Create the Editor and Publisher groups (renaming the old Editors group): Editors
  add and change content; Publishers also publish, unpublish, delete and restore.
- Create the single ContentVersion row that reader pages are cached under.
"""

import calendar
import datetime

from django.contrib.auth.management import create_permissions
from django.db import migrations, models
import django.db.models.deletion

RECORDS = ["topic", "exercise", "policy", "country", "theme", "exerciseseries", "source"]
PUBLISHABLE = ["topic", "exercise", "policy", "country", "theme", "exerciseseries"]
INLINE_ROWS = [
    "citation", "participation", "policyparty", "policyrelation", "membership",
    "topictheme", "exercisetheme", "policytheme", "seriestheme", "topiccountry",
]  # fmt: skip
# (bundle kind, model, natural key field)
KINDS = [
    ("themes", "Theme", "slug"),
    ("sources", "Source", "key"),
    ("countries", "Country", "iso_code"),
    ("series", "ExerciseSeries", "slug"),
    ("exercises", "Exercise", "slug"),
    ("policies", "Policy", "slug"),
    ("topics", "Topic", "slug"),
]
# A legacy record not edited since it was loaded: the loader adopts its current
# export as `loaded_hash` the next time it runs.
UNEDITED, EDITED = "legacy-unedited", "legacy-edited"


def editor_codenames():
    codenames = [f"{action}_{model}" for model in RECORDS for action in ("view", "add", "change")]
    codenames += [
        f"{action}_{model}" for model in INLINE_ROWS for action in ("view", "add", "change", "delete")
    ]
    return codenames + ["view_domain"]


def forwards(apps, schema_editor):
    BundleState = apps.get_model("topics", "BundleState")
    for kind, model_name, key_field in KINDS:
        model = apps.get_model("topics", model_name)
        BundleState.objects.bulk_create(
            BundleState(
                kind=kind,
                key=getattr(record, key_field),
                bundle_hash=record.content_hash,
                loaded_hash=UNEDITED if record.updated_at <= record.loaded_at else EDITED,
            )
            for record in model.objects.exclude(loaded_at=None)
        )

    Policy = apps.get_model("topics", "Policy")
    for policy in Policy.objects.exclude(in_force_date=None).exclude(in_force_precision="day"):
        value = policy.in_force_date
        if policy.in_force_precision == "year":
            end = datetime.date(value.year, 12, 31)
        else:
            end = value.replace(day=calendar.monthrange(value.year, value.month)[1])
        Policy.objects.filter(pk=policy.pk).update(in_force_date=end)

    apps.get_model("topics", "ContentVersion").objects.get_or_create(pk=1)

    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    Group.objects.filter(name="Editors").update(name="Editor")
    editor, _ = Group.objects.get_or_create(name="Editor")
    publisher, _ = Group.objects.get_or_create(name="Publisher")
    topics_permissions = Permission.objects.filter(content_type__app_label="topics")
    editor.permissions.set(topics_permissions.filter(codename__in=editor_codenames()))
    publisher_codenames = editor_codenames()
    publisher_codenames += [f"publish_{model}" for model in PUBLISHABLE]
    publisher_codenames += [f"delete_{model}" for model in RECORDS]
    publisher.permissions.set(topics_permissions.filter(codename__in=publisher_codenames))


def backwards(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Group.objects.filter(name="Publisher").delete()
    Group.objects.filter(name="Editor").update(name="Editors")


class Migration(migrations.Migration):

    dependencies = [
        ('reversion', '0002_add_index_on_version_for_content_type_and_db'),
        ('topics', '0002_domains_and_editor_group'),
    ]

    operations = [
        migrations.CreateModel(
            name='ContentVersion',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('number', models.PositiveBigIntegerField(default=0)),
            ],
        ),
        migrations.CreateModel(
            name='LinkCheck',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('url', models.URLField(max_length=600, unique=True, verbose_name='URL')),
                ('ok', models.BooleanField(default=False)),
                ('status_code', models.PositiveSmallIntegerField(blank=True, null=True)),
                ('error', models.CharField(blank=True, max_length=300)),
                ('checked_at', models.DateTimeField()),
            ],
            options={
                'ordering': ['url'],
            },
        ),
        migrations.CreateModel(
            name='BundleState',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(max_length=20)),
                ('key', models.CharField(max_length=200)),
                ('bundle_hash', models.CharField(max_length=64)),
                ('loaded_hash', models.CharField(max_length=64)),
                ('updated_at', models.DateTimeField(auto_now=True)),
            ],
            options={
                'constraints': [models.UniqueConstraint(fields=('kind', 'key'), name='bundle_state_unique')],
            },
        ),
        migrations.CreateModel(
            name='RevisionNote',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(choices=[('edit', 'Edited in the admin'), ('bulk', 'Bulk action'), ('load', 'Content load'), ('import', 'Import'), ('revert', 'Reverted'), ('recover', 'Recovered'), ('delete', 'Deleted')], default='edit', max_length=10)),
                ('reason', models.CharField(blank=True, help_text="Why the change was made, in a few words. Shown in the record's public change log.", max_length=300)),
                ('batch', models.CharField(blank=True, db_index=True, max_length=64)),
                ('revision', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='note', to='reversion.revision')),
            ],
        ),
        migrations.AlterModelOptions(
            name='country',
            options={'default_permissions': ('add', 'change', 'delete', 'view', 'publish'), 'ordering': ['name'], 'verbose_name_plural': 'countries'},
        ),
        migrations.AlterModelOptions(
            name='exercise',
            options={'default_permissions': ('add', 'change', 'delete', 'view', 'publish'), 'ordering': ['-start_date', 'name']},
        ),
        migrations.AlterModelOptions(
            name='exerciseseries',
            options={'default_permissions': ('add', 'change', 'delete', 'view', 'publish'), 'ordering': ['name'], 'verbose_name': 'exercise series', 'verbose_name_plural': 'exercise series'},
        ),
        migrations.AlterModelOptions(
            name='policy',
            options={'default_permissions': ('add', 'change', 'delete', 'view', 'publish'), 'ordering': ['-signed_date', 'short_name'], 'verbose_name_plural': 'policies'},
        ),
        migrations.AlterModelOptions(
            name='theme',
            options={'default_permissions': ('add', 'change', 'delete', 'view', 'publish'), 'ordering': ['name']},
        ),
        migrations.AlterModelOptions(
            name='topic',
            options={'default_permissions': ('add', 'change', 'delete', 'view', 'publish'), 'ordering': ['title']},
        ),
        migrations.RunPython(forwards, backwards),
        migrations.RemoveField(
            model_name='country',
            name='content_hash',
        ),
        migrations.RemoveField(
            model_name='country',
            name='loaded_at',
        ),
        migrations.RemoveField(
            model_name='exercise',
            name='content_hash',
        ),
        migrations.RemoveField(
            model_name='exercise',
            name='loaded_at',
        ),
        migrations.RemoveField(
            model_name='exerciseseries',
            name='content_hash',
        ),
        migrations.RemoveField(
            model_name='exerciseseries',
            name='loaded_at',
        ),
        migrations.RemoveField(
            model_name='policy',
            name='content_hash',
        ),
        migrations.RemoveField(
            model_name='policy',
            name='loaded_at',
        ),
        migrations.RemoveField(
            model_name='source',
            name='content_hash',
        ),
        migrations.RemoveField(
            model_name='source',
            name='loaded_at',
        ),
        migrations.RemoveField(
            model_name='theme',
            name='content_hash',
        ),
        migrations.RemoveField(
            model_name='theme',
            name='loaded_at',
        ),
        migrations.RemoveField(
            model_name='topic',
            name='content_hash',
        ),
        migrations.RemoveField(
            model_name='topic',
            name='loaded_at',
        ),
    ]
