from django.db import migrations

from articles.roles import sync_roles_migration


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0008_link_checks"),
    ]

    operations = [
        migrations.RunPython(sync_roles_migration, migrations.RunPython.noop),
    ]
