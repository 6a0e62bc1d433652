"""Create the fixed list of exercise domains and the least-privilege Editors group.

Editors can view, add and change every content record, and delete only the
rows that inlines manage (citations, participants, links, status periods);
deleting a topic, exercise, policy, country, theme, series or source is left
to superusers.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

DOMAINS = [("Land", "land"), ("Air", "air"), ("Naval", "naval"), ("Cyber", "cyber")]
RECORDS = ["topic", "exercise", "policy", "country", "theme", "exerciseseries", "source"]
INLINE_ROWS = [
    "citation", "participation", "policyparty", "policyrelation", "membership",
    "topictheme", "exercisetheme", "policytheme", "seriestheme", "topiccountry",
]  # fmt: skip


def forwards(apps, schema_editor):
    Domain = apps.get_model("topics", "Domain")
    for name, slug in DOMAINS:
        Domain.objects.get_or_create(slug=slug, defaults={"name": name})

    # Permissions are normally created after migrate; make sure they exist now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    editors, _ = Group.objects.get_or_create(name="Editors")
    codenames = [f"{action}_{model}" for model in RECORDS for action in ("view", "add", "change")]
    codenames += [
        f"{action}_{model}" for model in INLINE_ROWS for action in ("view", "add", "change", "delete")
    ]
    codenames += ["view_domain"]
    editors.permissions.set(
        Permission.objects.filter(content_type__app_label="topics", codename__in=codenames)
    )


def backwards(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name="Editors").delete()
    apps.get_model("topics", "Domain").objects.filter(slug__in=[s for _, s in DOMAINS]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("topics", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
