from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("topics", "0007_theme_link_permissions"),
    ]

    operations = [
        migrations.AddField(
            model_name="contentversion",
            name="changed_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
    ]
