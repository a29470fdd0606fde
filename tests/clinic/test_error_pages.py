"""Refusals and missing pages say what happened, in the admin's or the site's look."""

import pytest
from pytest_django.asserts import assertContains, assertTemplateUsed

from tests.factories import ArticleFactory

pytestmark = pytest.mark.django_db


def test_a_refused_admin_page_is_an_admin_page(moderator_client):
    response = moderator_client.get("/admin/articles/article/add/")
    assert response.status_code == 403
    assertTemplateUsed(response, "admin/403.html")
    assertContains(response, "Your role does not allow this", status_code=403)
    assertContains(response, "Your roles:", status_code=403)
    assertContains(response, "Moderators.", status_code=403)
    assertContains(response, 'href="/admin/"', status_code=403)


def test_a_missing_admin_object_is_an_admin_page(editor_client):
    response = editor_client.get("/admin/articles/article/999999/history/")
    assert response.status_code == 404
    assertTemplateUsed(response, "admin/404.html")
    assertContains(response, "Back to the admin home", status_code=404)


def test_public_pages_keep_the_sites_look(client):
    ArticleFactory(published=True)
    missing = client.get("/articles/no-such-article/")
    assert missing.status_code == 404
    assertTemplateUsed(missing, "404.html")


def test_a_public_refusal_is_the_sites_page(client, rf):
    from django.core.exceptions import PermissionDenied

    from clinic.views import permission_denied

    response = permission_denied(rf.get("/articles/x/"), PermissionDenied())
    assert response.status_code == 403
    assert "This is not open to you" in response.content.decode()
