import pytest
from django.contrib.messages import constants
from pytest_django.asserts import assertContains, assertNotContains

from articles import services
from articles.models import Article
from tests.factories import ArticleFactory

pytestmark = pytest.mark.django_db


def test_anonymous_pages_are_served_from_the_cache(client, django_assert_num_queries):
    article = ArticleFactory(published=True, title="Cached piece")
    first = client.get(article.get_absolute_url())
    assert first["X-Page-Cache"] == "miss"
    with django_assert_num_queries(0):
        second = client.get(article.get_absolute_url())
    assert second["X-Page-Cache"] == "hit"
    assert second.content == first.content
    assert not second.cookies


def test_publishing_empties_the_cache(
    client, editor, reviewer, django_capture_on_commit_callbacks
):
    assertNotContains(client.get("/"), "Fresh news")
    article = ArticleFactory(status=Article.Status.IN_REVIEW, title="Fresh news")
    with django_capture_on_commit_callbacks(execute=True):
        services.sign_off_article(article=article, user=reviewer)
        services.publish_article(article=article, user=editor)
    assertContains(client.get("/"), "Fresh news")


def test_unpublishing_empties_the_cache(
    client, editor, django_capture_on_commit_callbacks
):
    article = ArticleFactory(published=True, title="Soon gone")
    assert client.get(article.get_absolute_url()).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        services.unpublish_article(article=article, user=editor)
    assert client.get(article.get_absolute_url()).status_code == 404


def test_admin_edit_empties_the_cache(
    client, editor, django_capture_on_commit_callbacks
):
    from tests.articles.test_admin import form_data

    article = ArticleFactory(published=True, title="Old headline")
    assertContains(client.get("/"), "Old headline")
    client.force_login(editor)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            f"/admin/articles/article/{article.pk}/change/",
            form_data(article, is_featured="on"),
        )
    client.logout()
    client.cookies.clear()
    response = client.get("/")
    assert response["X-Page-Cache"] == "miss"


def test_logged_in_staff_always_get_fresh_pages(editor_client):
    article = ArticleFactory(published=True)
    editor_client.get(article.get_absolute_url())
    response = editor_client.get(article.get_absolute_url())
    assert "X-Page-Cache" not in response


def test_pages_with_messages_are_not_cached_or_served_from_cache(client):
    article = ArticleFactory(published=True)
    client.get(article.get_absolute_url())
    from django.contrib.messages.storage.cookie import CookieStorage
    from django.http import HttpResponse
    from django.test import RequestFactory

    request = RequestFactory().get("/")
    storage = CookieStorage(request)
    storage.add(constants.SUCCESS, "Thanks for your comment")
    response = HttpResponse()
    storage.update(response)
    client.cookies["messages"] = response.cookies["messages"].value
    page = client.get(article.get_absolute_url())
    assert "X-Page-Cache" not in page
    assertContains(page, "Thanks for your comment")


def test_cache_can_be_turned_off(client, settings):
    settings.CLINIC_PAGE_CACHE_SECONDS = 0
    article = ArticleFactory(published=True)
    client.get(article.get_absolute_url())
    assert "X-Page-Cache" not in client.get(article.get_absolute_url())


def test_pages_still_serve_when_the_cache_is_down(client, settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
        }
    }
    article = ArticleFactory(published=True, title="Still readable")
    assertContains(client.get(article.get_absolute_url()), "Still readable")


def test_a_page_that_used_a_csrf_token_is_not_cached(rf, settings):
    from django.http import HttpResponse
    from django.middleware.csrf import get_token

    from articles.pagecache import public_page

    @public_page
    def view(request):
        return HttpResponse(f"token {get_token(request)}")

    def reader_with_csrf_cookie():
        request = rf.get("/form/")
        request.COOKIES[settings.CSRF_COOKIE_NAME] = "x" * 32
        request.META["CSRF_COOKIE"] = "x" * 32
        return request

    assert view(reader_with_csrf_cookie())["X-Page-Cache"] == "miss"
    assert view(reader_with_csrf_cookie())["X-Page-Cache"] == "miss"
