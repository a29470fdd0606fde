from django.db import migrations


class Migration(migrations.Migration):
    """
    Link, Backlink and LinkCheck moved to the Backlinks Hub app (label
    "hub"). Only Django's record of the models moves: the tables keep their
    names and rows (see hub's first migration).
    """

    dependencies = [
        ("articles", "0011_backlink_domain_index"),
        ("hub", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.RemoveField(
                    model_name='backlink',
                    name='target_article',
                ),
                migrations.RemoveField(
                    model_name='link',
                    name='source',
                ),
                migrations.RemoveField(
                    model_name='link',
                    name='target_article',
                ),
                migrations.DeleteModel(
                    name='LinkCheck',
                ),
                migrations.DeleteModel(
                    name='Backlink',
                ),
                migrations.DeleteModel(
                    name='Link',
                ),
            ],
        ),
    ]
