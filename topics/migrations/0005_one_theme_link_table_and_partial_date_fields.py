"""One theme link table for every kind of record, and dates that know their precision.

The four identical link tables (topic, exercise, policy and series themes) become
one generic `ThemeLink`. The rows are copied in their order, and the history
follows them: every stored version of an old link row is rewritten as a version
of its new `ThemeLink`, so reverting or recovering a record from before this
migration still brings its themes back. Versions of links deleted earlier get
ids of their own that no new link will take.

The date fields become `PartialDateField`s (no change to the database).
"""

import json

import django.db.models.deletion
from django.db import migrations, models

import topics.partial_dates

# (old link model, its record's field, the record's model)
OLD_LINKS = [
    ("topictheme", "topic", "topic"),
    ("exercisetheme", "exercise", "exercise"),
    ("policytheme", "policy", "policy"),
    ("seriestheme", "series", "exerciseseries"),
]


def copy_links(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    ThemeLink = apps.get_model("topics", "ThemeLink")
    Version = apps.get_model("reversion", "Version")
    db = schema_editor.connection.alias
    link_type, _ = ContentType.objects.using(db).get_or_create(app_label="topics", model="themelink")
    moved = []  # (old content type, record field, record type, {old id: new id})
    for old_name, record_field, record_model in OLD_LINKS:
        Old = apps.get_model("topics", old_name)
        record_type, _ = ContentType.objects.using(db).get_or_create(
            app_label="topics", model=record_model
        )
        new_ids = {}
        for row in Old.objects.using(db).order_by("pk"):
            link = ThemeLink.objects.using(db).create(
                theme_id=row.theme_id,
                content_type=record_type,
                object_id=getattr(row, f"{record_field}_id"),
            )
            new_ids[row.pk] = link.pk
        old_type = ContentType.objects.using(db).filter(app_label="topics", model=old_name).first()
        if old_type is not None:
            moved.append((old_type, record_field, record_type, new_ids))

    # Links deleted before the migration live on only in the history: give each an
    # id past every current one, and move the id sequence past them.
    gone = []
    for old_type, _, _, new_ids in moved:
        for old_id in Version.objects.using(db).filter(content_type=old_type).values_list(
            "object_id", flat=True
        ).distinct():
            if int(old_id) not in new_ids:
                gone.append((new_ids, int(old_id)))
    if gone:
        theme_id = apps.get_model("topics", "Theme").objects.using(db).values_list("pk", flat=True)[0]
        for index, (new_ids, old_id) in enumerate(gone):
            placeholder = ThemeLink.objects.using(db).create(
                theme_id=theme_id, content_type=link_type, object_id=index
            )
            new_ids[old_id] = placeholder.pk
        ThemeLink.objects.using(db).filter(content_type=link_type).delete()

    for old_type, record_field, record_type, new_ids in moved:
        for version in Version.objects.using(db).filter(content_type=old_type):
            new_id = new_ids[int(version.object_id)]
            objects = json.loads(version.serialized_data)
            for obj in objects:
                fields = obj["fields"]
                record_id = fields.pop(record_field)
                obj["model"] = "topics.themelink"
                obj["pk"] = new_id
                obj["fields"] = {
                    "theme": fields["theme"],
                    "content_type": record_type.pk,
                    "object_id": record_id,
                }
            version.serialized_data = json.dumps(objects)
            version.content_type = link_type
            version.object_id = str(new_id)
            version.save(update_fields=["serialized_data", "content_type", "object_id"])


def copy_links_back(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    ThemeLink = apps.get_model("topics", "ThemeLink")
    db = schema_editor.connection.alias
    for old_name, record_field, record_model in OLD_LINKS:
        Old = apps.get_model("topics", old_name)
        record_type = ContentType.objects.using(db).filter(
            app_label="topics", model=record_model
        ).first()
        if record_type is None:
            continue
        for link in ThemeLink.objects.using(db).filter(content_type=record_type).order_by("pk"):
            Old.objects.using(db).create(
                theme_id=link.theme_id, **{f"{record_field}_id": link.object_id}
            )


class Migration(migrations.Migration):

    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("reversion", "0002_add_index_on_version_for_content_type_and_db"),
        ("topics", "0004_revision_note_incoming_links"),
    ]

    operations = [
        migrations.CreateModel(
            name='ThemeLink',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('object_id', models.PositiveBigIntegerField()),
                ('content_type', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, to='contenttypes.contenttype')),
                ('theme', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='links', to='topics.theme')),
            ],
            options={
                'verbose_name': 'theme',
                'ordering': ['id'],
            },
        ),
        migrations.AddIndex(
            model_name='themelink',
            index=models.Index(fields=['content_type', 'object_id'], name='topics_them_content_83d548_idx'),
        ),
        migrations.AddConstraint(
            model_name='themelink',
            constraint=models.UniqueConstraint(fields=('content_type', 'object_id', 'theme'), name='theme_link_unique_per_record'),
        ),
        migrations.RunPython(copy_links, copy_links_back),
        migrations.DeleteModel(
            name='ExerciseTheme',
        ),
        migrations.DeleteModel(
            name='PolicyTheme',
        ),
        migrations.DeleteModel(
            name='SeriesTheme',
        ),
        migrations.DeleteModel(
            name='TopicTheme',
        ),
        migrations.AlterField(
            model_name='exercise',
            name='end_date',
            field=topics.partial_dates.PartialDateField(blank=True, end=True, null=True, precision_field='end_precision'),
        ),
        migrations.AlterField(
            model_name='exercise',
            name='end_precision',
            field=topics.partial_dates.PrecisionField(choices=[('day', 'Day'), ('month', 'Month'), ('year', 'Year')], default='day', max_length=5),
        ),
        migrations.AlterField(
            model_name='exercise',
            name='start_date',
            field=topics.partial_dates.PartialDateField(help_text='For a month or year only, pick any day in it and set the precision.', precision_field='start_precision'),
        ),
        migrations.AlterField(
            model_name='exercise',
            name='start_precision',
            field=topics.partial_dates.PrecisionField(choices=[('day', 'Day'), ('month', 'Month'), ('year', 'Year')], default='day', help_text='How precisely the start is known; shown as e.g. “August 2007”.', max_length=5),
        ),
        migrations.AlterField(
            model_name='membership',
            name='end_date',
            field=topics.partial_dates.PartialDateField(blank=True, end=True, help_text='Leave empty while the status is current.', null=True, precision_field='end_precision'),
        ),
        migrations.AlterField(
            model_name='membership',
            name='end_precision',
            field=topics.partial_dates.PrecisionField(choices=[('day', 'Day'), ('month', 'Month'), ('year', 'Year')], default='day', max_length=5),
        ),
        migrations.AlterField(
            model_name='membership',
            name='start_date',
            field=topics.partial_dates.PartialDateField(precision_field='start_precision'),
        ),
        migrations.AlterField(
            model_name='membership',
            name='start_precision',
            field=topics.partial_dates.PrecisionField(choices=[('day', 'Day'), ('month', 'Month'), ('year', 'Year')], default='day', max_length=5),
        ),
        migrations.AlterField(
            model_name='policy',
            name='in_force_date',
            field=topics.partial_dates.PartialDateField(blank=True, end=True, help_text='Leave empty if not in force or not known.', null=True, precision_field='in_force_precision'),
        ),
        migrations.AlterField(
            model_name='policy',
            name='in_force_precision',
            field=topics.partial_dates.PrecisionField(choices=[('day', 'Day'), ('month', 'Month'), ('year', 'Year')], default='day', max_length=5),
        ),
        migrations.AlterField(
            model_name='policy',
            name='signed_date',
            field=topics.partial_dates.PartialDateField(precision_field='signed_precision'),
        ),
        migrations.AlterField(
            model_name='policy',
            name='signed_precision',
            field=topics.partial_dates.PrecisionField(choices=[('day', 'Day'), ('month', 'Month'), ('year', 'Year')], default='day', max_length=5),
        ),
        migrations.AlterField(
            model_name='source',
            name='published_date',
            field=topics.partial_dates.PartialDateField(blank=True, null=True, precision_field='published_precision'),
        ),
        migrations.AlterField(
            model_name='source',
            name='published_precision',
            field=topics.partial_dates.PrecisionField(choices=[('day', 'Day'), ('month', 'Month'), ('year', 'Year')], default='day', max_length=5),
        ),
        migrations.AlterField(
            model_name='source',
            name='updated_at',
            field=models.DateTimeField(auto_now=True, db_index=True),
        ),
    ]
