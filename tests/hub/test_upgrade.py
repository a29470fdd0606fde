from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone
from django.utils.module_loading import import_string

from articles.hub.models import Backlink, Link, LinkCheck

LAST_BEFORE_THE_HUB = ("articles", "0011_backlink_domain_index")


def migrate(targets):
    """Migrate to `targets`; return the app registry as of the named nodes."""
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    nodes = [node for node in targets if node[1] is not None]
    return executor.loader.project_state(nodes).apps


@pytest.mark.django_db(transaction=True)
def test_migrate_moves_the_links_to_the_hub_and_keeps_every_row():
    old = migrate([LAST_BEFORE_THE_HUB, ("hub", None)])
    category = old.get_model("articles", "Category").objects.create(
        name="Spine", slug="spine"
    )
    article = old.get_model("articles", "Article").objects.create(
        title="Kyphoplasty", slug="kyphoplasty", category=category
    )
    old.get_model("articles", "Link").objects.create(
        source=article, url="https://journal.example/study", anchor_text="a study"
    )
    old.get_model("articles", "Backlink").objects.create(
        source_url="https://forum.example/thread",
        target_article=article,
        referring_domain="forum.example",
        status="verified",
    )
    old.get_model("articles", "LinkCheck").objects.create(
        url="https://journal.example/study", status="broken"
    )
    old_permission = old.get_model("auth", "Permission").objects.get(
        content_type__app_label="articles", codename="change_backlink"
    )
    helpers = old.get_model("auth", "Group").objects.create(name="Link helpers")
    helpers.permissions.add(old_permission)

    migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())

    link = Link.objects.get()
    assert (link.source.slug, link.url, link.anchor_text) == (
        "kyphoplasty",
        "https://journal.example/study",
        "a study",
    )
    backlink = Backlink.objects.get()
    assert backlink.source_url == "https://forum.example/thread"
    assert backlink.status == Backlink.Status.VERIFIED
    assert LinkCheck.objects.get().status == LinkCheck.Status.BROKEN
    # A group's permission follows the model to its new app.
    granted = Group.objects.get(name="Link helpers").permissions.get()
    assert (granted.content_type.app_label, granted.codename) == (
        "hub",
        "change_backlink",
    )


@pytest.mark.django_db(transaction=True)
def test_migrate_points_queued_tasks_at_their_new_place():
    from django_tasks_db.models import DBTaskResult

    from clinic.tasks import send_email

    before = [
        ("articles", "0013_canonical_bodies"),
        ("django_tasks_database", "0021_conditional_partial_index_ordering"),
    ]
    old = migrate(before)
    old.get_model("django_tasks_database", "DBTaskResult").objects.create(
        task_path="articles.tasks.send_email",
        queue_name="default",
        backend_name="default",
        priority=0,
        args_kwargs={"args": [], "kwargs": {"subject": "Held comment"}},
        status="READY",
        run_after=timezone.now() + timedelta(minutes=8),  # A retry, waiting.
    )

    migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())

    queued = DBTaskResult.objects.get()
    assert queued.task_path == "clinic.tasks.send_email"
    assert import_string(queued.task_path) is send_email


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("articles.tasks.send_email", "clinic.tasks.send_email"),
        ("articles.tasks.publish_scheduled", "articles.services.publish_scheduled"),
        (
            "articles.tasks.verify_backlink_task",
            "articles.hub.services.backlinks.verify_backlink_task",
        ),
        ("comments.tasks.purge_old_comments", "comments.services.purge_old_comments"),
    ],
)
def test_a_task_queued_under_its_old_path_still_runs(old, new):
    # A server of the previous release may queue it during an upgrade.
    assert import_string(old) is import_string(new)
