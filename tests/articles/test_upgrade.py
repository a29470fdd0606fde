import hashlib

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from articles.models import Article

BEFORE = ("articles", "0012_links_move_to_hub")
OLD_BODY = "<p>Rest for a day,\nthen walk.</p>\n<ul>\n<li>Ice</li>\n</ul>"


def old_fingerprint(title, summary, body):
    return hashlib.sha256("\x1f".join((title, summary, body)).encode()).hexdigest()


@pytest.mark.django_db(transaction=True)
def test_upgrade_stores_canonical_bodies_and_keeps_current_sign_offs():
    executor = MigrationExecutor(connection)
    executor.migrate([BEFORE])
    old = executor.loader.project_state([BEFORE]).apps
    category = old.get_model("articles", "Category").objects.create(
        name="Spine", slug="spine"
    )
    reviewer = old.get_model("articles", "Person").objects.create(
        name="Dr. Rosa Quinn", slug="rosa-quinn"
    )
    OldArticle = old.get_model("articles", "Article")
    signed = OldArticle.objects.create(
        title="Back strain",
        slug="back-strain",
        summary="Short.",
        body=OLD_BODY,
        category=category,
        reviewed_by=reviewer,
        review_fingerprint=old_fingerprint("Back strain", "Short.", OLD_BODY),
    )
    stale = OldArticle.objects.create(
        title="Neck strain",
        slug="neck-strain",
        summary="Short.",
        body=OLD_BODY,
        category=category,
        reviewed_by=reviewer,
        review_fingerprint="0" * 64,  # Signed off an older text.
    )

    MigrationExecutor(connection).migrate(
        MigrationExecutor(connection).loader.graph.leaf_nodes()
    )

    signed, stale = (Article.objects.get(pk=a.pk) for a in (signed, stale))
    assert signed.body == "<p>Rest for a day, then walk.</p><ul><li>Ice</li></ul>"
    assert signed.has_current_sign_off
    assert stale.review_fingerprint == "0" * 64
    assert not stale.has_current_sign_off
