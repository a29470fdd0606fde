from django.db import migrations

#: Background tasks that moved next to the services they run.
MOVED = {
    "articles.tasks.send_email": "clinic.tasks.send_email",
    "articles.tasks.publish_scheduled": "articles.services.publish_scheduled",
    "articles.tasks.verify_backlink_task": (
        "articles.hub.services.backlinks.verify_backlink_task"
    ),
    "articles.tasks.verify_all_backlinks": (
        "articles.hub.services.backlinks.verify_all_backlinks"
    ),
    "articles.tasks.check_outbound_links_task": (
        "articles.hub.services.link_checks.check_outbound_links_task"
    ),
    "comments.tasks.purge_old_comments": "comments.services.purge_old_comments",
}


def _repoint(apps, schema_editor, moves):
    DBTaskResult = apps.get_model("django_tasks_database", "DBTaskResult")
    rows = DBTaskResult.objects.using(schema_editor.connection.alias)
    for old, new in moves.items():
        rows.filter(task_path=old).update(task_path=new)


def follow(apps, schema_editor):
    """Point queued tasks (and past ones) at where their functions live."""
    _repoint(apps, schema_editor, MOVED)


def follow_back(apps, schema_editor):
    _repoint(apps, schema_editor, {new: old for old, new in MOVED.items()})


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0013_canonical_bodies"),
        ("django_tasks_database", "0021_conditional_partial_index_ordering"),
    ]

    operations = [migrations.RunPython(follow, follow_back)]
