from django.db import migrations

from articles.roles import sync_roles_migration


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0006_backlinks"),
    ]

    operations = [
        migrations.RunPython(sync_roles_migration, migrations.RunPython.noop),
    ]
