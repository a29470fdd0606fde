from datetime import timedelta

import pytest
import time_machine
from django.core import signing
from django.utils import timezone
from pytest_django.asserts import assertContains, assertNotContains, assertRedirects

from articles.views import preview_url
from tests.factories import ArticleFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_readers_get_404_for_a_draft(client):
    article = ArticleFactory(title="Unreviewed draft")
    assert client.get(article.get_absolute_url()).status_code == 404


def test_staff_preview_shows_any_state(editor_client):
    article = ArticleFactory(title="Unreviewed draft")
    response = editor_client.get(f"/preview/{article.pk}/")
    assertContains(response, "Unreviewed draft")
    assertContains(response, "Preview: this article is Draft")
    assert "no-cache" in response["Cache-Control"]


def test_preview_needs_a_login_and_the_permission(client):
    article = ArticleFactory()
    response = client.get(f"/preview/{article.pk}/")
    assertRedirects(
        response,
        f"/admin/login/?next=/preview/{article.pk}/",
        fetch_redirect_response=False,
    )
    client.force_login(UserFactory(is_staff=False))
    assert client.get(f"/preview/{article.pk}/").status_code == 403


def test_signed_link_opens_without_an_account(client):
    article = ArticleFactory(title="For the outside reviewer")
    response = client.get(preview_url(article))
    assertContains(response, "For the outside reviewer")
    assert response["X-Robots-Tag"] == "noindex"
    assertContains(response, '<meta name="robots" content="noindex">')


def test_signed_link_is_for_one_article_only(client):
    article = ArticleFactory(title="The shared draft")
    other = ArticleFactory(title="Someone else's draft")
    assertNotContains(client.get(preview_url(article)), "Someone else's draft")
    # A payload naming another article, signed without the preview salt.
    forged = signing.dumps({"article": other.pk})
    response = client.get(f"/preview/shared/{forged}/")
    assert response.status_code == 404
    assertNotContains(response, "Someone else's draft", status_code=404)


def test_signed_link_expires_after_seven_days(client):
    article = ArticleFactory()
    url = preview_url(article)
    with time_machine.travel(timezone.now() + timedelta(days=6, hours=23)):
        assert client.get(url).status_code == 200
    with time_machine.travel(timezone.now() + timedelta(days=7, hours=1)):
        response = client.get(url)
    assert response.status_code == 410
    assertContains(response, "expired", status_code=410)


def test_an_editor_revokes_the_outside_reviewers_links(client, editor_client):
    article = ArticleFactory(title="A draft shared too widely")
    url = preview_url(article)
    assertContains(client.get(url), "A draft shared too widely")
    editor_client.post(
        "/admin/articles/article/",
        {"action": "revoke_preview_links", "_selected_action": [article.pk]},
    )
    response = client.get(url)
    assert response.status_code == 410
    assertNotContains(response, "A draft shared too widely", status_code=410)
    article.refresh_from_db()
    assertContains(client.get(preview_url(article)), "A draft shared too widely")


def test_view_only_staff_get_no_outside_preview_link(moderator_client):
    article = ArticleFactory()
    response = moderator_client.get(f"/admin/articles/article/{article.pk}/change/")
    assert response.status_code == 200
    assertNotContains(response, "/preview/shared/")
