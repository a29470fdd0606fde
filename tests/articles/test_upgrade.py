import hashlib

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from articles.models import Article

BEFORE = ("articles", "0012_links_move_to_hub")
OLD_BODY = "<p>Rest for a day,\nthen walk.</p>\n<ul>\n<li>Ice</li>\n</ul>"


def old_fingerprint(title, summary, body):
    return hashlib.sha256("\x1f".join((title, summary, body)).encode()).hexdigest()


def apps_before(migration):
    """Migrate the database back to `migration`; return its models then."""
    executor = MigrationExecutor(connection)
    executor.migrate([migration])
    return executor.loader.project_state([migration]).apps


def upgrade():
    """Migrate the database to the latest migrations."""
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True)
def test_upgrade_stores_canonical_bodies_and_keeps_current_sign_offs():
    old = apps_before(BEFORE)
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

    upgrade()

    signed, stale = (Article.objects.get(pk=a.pk) for a in (signed, stale))
    assert signed.body == "<p>Rest for a day, then walk.</p><ul><li>Ice</li></ul>"
    assert signed.has_current_sign_off
    assert stale.review_fingerprint == "0" * 64
    assert not stale.has_current_sign_off


def signed_content_fingerprint(article, body):
    import json

    content = {
        "title": article.title,
        "summary": article.summary,
        "body": body,
        "seo_title": article.seo_title,
        "meta_description": article.meta_description,
        "featured_image": article.featured_image_id,
        "featured_image_alt": article.featured_image_alt,
        "featured_image_is_decorative": article.featured_image_is_decorative,
        "references": [],
    }
    encoded = json.dumps(content, sort_keys=True, default=str).encode()
    return hashlib.sha256(encoded).hexdigest()


@pytest.mark.django_db(transaction=True)
def test_upgrade_gives_quotations_paragraphs_and_keeps_current_sign_offs():
    before = ("articles", "0018_preview_key")
    old = apps_before(before)
    category = old.get_model("articles", "Category").objects.create(
        name="Spine", slug="spine"
    )
    reviewer = old.get_model("articles", "Person").objects.create(
        name="Dr. Rosa Quinn", slug="rosa-quinn"
    )
    body = "<p>She said:</p><blockquote>Walk every day.</blockquote>"
    article = old.get_model("articles", "Article").objects.create(
        title="Walking",
        slug="walking",
        summary="Short.",
        body=body,
        category=category,
        reviewed_by=reviewer,
    )
    type(article).objects.filter(pk=article.pk).update(
        review_fingerprint=signed_content_fingerprint(article, body)
    )

    upgrade()

    article = Article.objects.get(pk=article.pk)
    assert article.body == (
        "<p>She said:</p><blockquote><p>Walk every day.</p></blockquote>"
    )
    assert article.has_current_sign_off


@pytest.mark.django_db(transaction=True)
def test_upgrade_measures_the_versions_saved_before_reading_figures():
    from articles import readability

    before = ("articles", "0026_search_synonyms")
    old = apps_before(before)
    body = "<p>" + "Walk a little every day. " * 30 + "</p>"
    article = old.get_model("articles", "Article").objects.create(
        title="Walking",
        slug="walking",
        body=body,
        category=old.get_model("articles", "Category").objects.create(
            name="Spine", slug="spine"
        ),
    )

    upgrade()

    upgraded = Article.objects.get(pk=article.pk)
    assert upgraded.reading == readability.measure(body).as_dict()
    assert upgraded.reading_grade == readability.measure(body).grade
