"""Editors and Publishers edit theme rows again.

Migration 0005 replaced the four theme link tables with one `ThemeLink`, whose
permissions no group had, so the themes inline vanished from their forms. Both
groups get on it what they had on the old link rows (migration 0003): view, add,
change and delete.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

CODENAMES = [f"{action}_themelink" for action in ("view", "add", "change", "delete")]


def grant(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    permissions = Permission.objects.filter(
        content_type__app_label="topics", codename__in=CODENAMES
    )
    for name in ("Editor", "Publisher"):
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.add(*permissions)


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    for group in Group.objects.filter(name__in=["Editor", "Publisher"]):
        group.permissions.remove(*group.permissions.filter(codename__in=CODENAMES))


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("topics", "0006_bodies_and_meetings"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
