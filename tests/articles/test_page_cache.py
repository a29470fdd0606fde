import io

import pytest
from django.contrib.messages import constants
from django.core.management import CommandError, call_command
from pytest_django.asserts import assertContains, assertNotContains

from articles import services
from articles.hub.models import Backlink
from articles.models import Article
from clinic.pagecache import invalidate_public_pages
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
    article = ArticleFactory(in_review=True, title="Fresh news")
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
    from tests.helpers import form_data

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


def test_refresh_pages_command_empties_the_cache(client):
    article = ArticleFactory(published=True, title="Built by the old code")
    assertContains(client.get("/"), "Built by the old code")
    # A change that bypasses the models' signals, as a deploy's new templates do.
    Article.objects.filter(pk=article.pk).update(title="Built by the new code")
    assertContains(client.get("/"), "Built by the old code")
    out = io.StringIO()
    call_command("refresh_pages", stdout=out)
    assert "stale" in out.getvalue()
    assertContains(client.get("/"), "Built by the new code")


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


UNREACHABLE_CACHE = {
    "BACKEND": "django_redis.cache.RedisCache",
    # A port nothing listens on.
    "LOCATION": "redis://127.0.0.1:1/0",
    "OPTIONS": {"IGNORE_EXCEPTIONS": True},
}


def test_pages_still_serve_when_the_cache_is_down(client, settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            # A port nothing listens on.
            "LOCATION": "redis://127.0.0.1:1/0",
            "OPTIONS": {"IGNORE_EXCEPTIONS": True},
        },
        "off": settings.CACHES["off"],
    }
    article = ArticleFactory(published=True, title="Still readable")
    assertContains(client.get(article.get_absolute_url()), "Still readable")
    Backlink.objects.create(
        source_url="https://friends.example/post",
        target_article=article,
        status=Backlink.Status.VERIFIED,
        is_approved=True,
    )
    assertContains(client.get("/hub/"), "friends.example")


def test_a_page_that_used_a_csrf_token_is_not_cached(rf, settings):
    from django.http import HttpResponse
    from django.middleware.csrf import get_token

    from clinic.pagecache import public_page

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


@pytest.fixture
def wsgi_get(settings):
    """
    GET a path through the project's WSGI application (the one gunicorn
    runs); return (status, headers as a dict, body).
    """
    from wsgiref.util import setup_testing_defaults

    from django.core.handlers.wsgi import WSGIHandler
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    from clinic.pagecache import CachedPagesApp

    settings.ALLOWED_HOSTS = ["clinic.example"]
    # As Django's test client does: keep the test's transaction open.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)

    def get(path, *, secure=True, cookie="", host="clinic.example", **headers):
        environ = {"PATH_INFO": path, "HTTP_HOST": host}
        environ.update(
            (f"HTTP_{name.upper()}", value) for name, value in headers.items()
        )
        if "?" in path:
            environ["PATH_INFO"], environ["QUERY_STRING"] = path.split("?", 1)
        if secure:
            environ["HTTP_X_FORWARDED_PROTO"] = "https"
        if cookie:
            environ["HTTP_COOKIE"] = cookie
        setup_testing_defaults(environ)
        answer = {}

        def start_response(status, headers, exc_info=None):
            answer["status"], answer["headers"] = status, dict(headers)

        # A new handler each time: middleware reads settings when it starts.
        result = CachedPagesApp(WSGIHandler())(environ, start_response)
        body = b"".join(result)
        if hasattr(result, "close"):
            result.close()
        return answer["status"], answer["headers"], body

    yield get
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def test_served_pages_come_from_the_cache_with_every_header(
    wsgi_get, settings, django_assert_num_queries
):
    settings.SECURE_SSL_REDIRECT = True
    article = ArticleFactory(published=True, title="Served piece")
    status, first_headers, first = wsgi_get(article.get_absolute_url())
    assert status == "200 OK"
    assert first_headers["X-Page-Cache"] == "miss"
    with django_assert_num_queries(0):
        status, headers, body = wsgi_get(article.get_absolute_url())
    assert status == "200 OK"
    assert headers.pop("X-Page-Cache") == "hit"
    first_headers.pop("X-Page-Cache")
    # Each answer names its own request, for the logs.
    assert headers.pop("X-Request-ID") != first_headers.pop("X-Request-ID")
    assert headers == first_headers
    assert "Strict-Transport-Security" in headers
    assert body == first
    assert b"Served piece" in body


def test_a_served_page_is_stored_once(wsgi_get, monkeypatch):
    from django.core.cache import caches

    backend = type(caches["default"])
    stored = []
    real_set = backend.set

    def recording_set(self, key, *args, **kwargs):
        stored.append(key)
        return real_set(self, key, *args, **kwargs)

    monkeypatch.setattr(backend, "set", recording_set)
    article = ArticleFactory(published=True)
    wsgi_get(article.get_absolute_url())
    pages = [key for key in stored if key.startswith("pages:")]
    assert len(pages) == 1
    assert pages[0].startswith("pages:wsgi:")


def test_served_cache_is_bypassed_for_sessions_http_and_stale_pages(wsgi_get, settings):
    settings.SECURE_SSL_REDIRECT = True
    article = ArticleFactory(published=True, title="Bypassed piece")
    url = article.get_absolute_url()
    wsgi_get(url)
    _, headers, _ = wsgi_get(url, cookie="sessionid=abc; theme=dark")
    assert "X-Page-Cache" not in headers
    status, headers, _ = wsgi_get(url, secure=False)
    assert status.startswith("301")
    assert headers["Location"].startswith("https://")
    invalidate_public_pages()
    _, headers, _ = wsgi_get(url)
    assert headers["X-Page-Cache"] == "miss"
    _, headers, _ = wsgi_get(url)
    assert headers["X-Page-Cache"] == "hit"


def test_gunicorn_serves_the_cached_application():
    from clinic.pagecache import CachedPagesApp
    from clinic.wsgi import application

    assert isinstance(application, CachedPagesApp)


def test_served_cache_refuses_unknown_hosts(wsgi_get, settings):
    from wsgiref.util import setup_testing_defaults

    from django.core.handlers.wsgi import WSGIHandler

    from clinic.pagecache import CachedPagesApp

    application = CachedPagesApp(WSGIHandler())

    article = ArticleFactory(published=True)
    wsgi_get(article.get_absolute_url())
    environ = {
        "PATH_INFO": article.get_absolute_url(),
        "HTTP_HOST": "evil.example",
        "HTTP_X_FORWARDED_PROTO": "https",
    }
    setup_testing_defaults(environ)
    statuses = []
    application(environ, lambda status, headers, exc_info=None: statuses.append(status))
    assert statuses == ["400 Bad Request"]


def test_a_process_serves_its_own_copy_without_asking_the_cache(
    settings, monkeypatch, wsgi_get
):
    from wsgiref.util import setup_testing_defaults

    from django.core.cache import caches
    from django.core.handlers.wsgi import WSGIHandler

    from clinic import pagecache

    settings.CLINIC_PAGE_CACHE_LOCAL_SECONDS = 60
    article = ArticleFactory(published=True, title="Popular piece")
    application = pagecache.CachedPagesApp(WSGIHandler())

    def get():
        environ = {
            "PATH_INFO": article.get_absolute_url(),
            "HTTP_HOST": "clinic.example",
            "HTTP_X_FORWARDED_PROTO": "https",
        }
        setup_testing_defaults(environ)
        answer = {}
        body = b"".join(
            application(environ, lambda s, h, e=None: answer.update(dict(h)))
        )
        return answer, body

    first, body = get()
    assert first["X-Page-Cache"] == "miss"

    def unreachable(*args, **kwargs):
        raise AssertionError("the shared cache was asked")

    monkeypatch.setattr(type(caches["default"]), "get_many", unreachable)
    second, again = get()
    assert second["X-Page-Cache"] == "hit"
    assert again == body


def test_served_pages_stay_fresh_while_the_cache_is_down(settings, wsgi_get):
    settings.CLINIC_PAGE_CACHE_LOCAL_SECONDS = 60
    article = ArticleFactory(published=True, title="Before the edit")
    settings.CACHES = {"default": UNREACHABLE_CACHE, "off": settings.CACHES["off"]}
    status, headers, body = wsgi_get(article.get_absolute_url())
    assert status.startswith("200")
    assert b"Before the edit" in body
    # No invalidation can reach a cache that is down: nothing may be kept.
    Article.objects.filter(pk=article.pk).update(title="After the edit")
    _, _, body = wsgi_get(article.get_absolute_url())
    assert b"After the edit" in body


def test_refresh_pages_says_when_the_cache_cannot_be_reached(settings):
    settings.CACHES = {"default": UNREACHABLE_CACHE, "off": settings.CACHES["off"]}
    with pytest.raises(CommandError, match="cannot be reached"):
        call_command("refresh_pages")


@pytest.mark.security
def test_a_strange_host_or_language_cannot_poison_readers_pages(
    wsgi_get, settings, refusal
):
    article = ArticleFactory(published=True, title="Poison-proof piece")
    url = article.get_absolute_url()
    # The attacker asks first, with a port of their own and Russian.
    status, headers, poisoned = wsgi_get(
        url, host="clinic.example:1", accept_language="ru"
    )
    assert status == "200 OK"
    # A port the site is not served on is answered, never cached.
    assert "X-Page-Cache" not in headers
    assert "X-Page-Cache" not in wsgi_get(url, host="clinic.example:1")[1]
    status, headers, body = wsgi_get(url)
    assert headers["X-Page-Cache"] == "miss"  # Not the attacker's copy.
    page = body.decode()
    assert "clinic.example:1" not in page
    assert 'href="https://clinic.example/articles/' in page
    assert "Content-Language" not in headers or headers["Content-Language"] == "en-us"
    # Every reader is served in the site's one language.
    assert poisoned.decode().count("января") == 0
    refusal("cache poisonings refused")


@pytest.mark.security
def test_a_junk_session_cookie_cannot_poison_shared_fragments(
    wsgi_get, settings, refusal
):
    article = ArticleFactory(published=True, title="Fragment piece")
    url = article.get_absolute_url()
    wsgi_get(url, host="clinic.example:666", cookie="sessionid=junk")
    _, _, body = wsgi_get(url, cookie="sessionid=other")
    assert "clinic.example:666" not in body.decode()
    refusal("cache poisonings refused")


@pytest.mark.security
def test_head_requests_are_not_stored(client, settings):
    article = ArticleFactory(published=True)
    client.head(article.get_absolute_url())
    assert client.get(article.get_absolute_url())["X-Page-Cache"] == "miss"
    assert client.get(article.get_absolute_url())["X-Page-Cache"] == "hit"


@pytest.fixture
def two_articles_and_a_held_comment(moderator):
    from tests.factories import CommentFactory

    commented = ArticleFactory(published=True, slug="commented", title="Commented")
    other = ArticleFactory(published=True, slug="other", title="Other")
    held = CommentFactory(
        article=commented, status="pending", body="A question about braces."
    )
    return commented, other, held


def approve(comment, moderator, capture):
    from comments.services import moderate_comments

    with capture(execute=True):
        moderate_comments([comment], status="approved", moderator=moderator)


def test_approving_a_comment_refreshes_its_article_and_the_lists_only(
    client,
    moderator,
    two_articles_and_a_held_comment,
    django_capture_on_commit_callbacks,
):
    commented, other, held = two_articles_and_a_held_comment
    pages = ("/articles/commented/", "/articles/other/", "/articles/", "/")
    for path in pages:
        assert client.get(path)["X-Page-Cache"] == "miss"
        assert client.get(path)["X-Page-Cache"] == "hit"
    approve(held, moderator, django_capture_on_commit_callbacks)
    page = client.get("/articles/commented/")
    assert page["X-Page-Cache"] == "miss"
    assertContains(page, "A question about braces.")
    assertContains(client.get("/articles/"), "1 comment")
    assert client.get("/")["X-Page-Cache"] == "miss"
    # Another article's page is still the one kept: nothing on it changed.
    assert client.get("/articles/other/")["X-Page-Cache"] == "hit"


def test_a_served_article_stays_cached_when_another_gets_a_comment(
    wsgi_get,
    moderator,
    two_articles_and_a_held_comment,
    django_capture_on_commit_callbacks,
):
    commented, other, held = two_articles_and_a_held_comment
    for path in ("/articles/commented/", "/articles/other/"):
        wsgi_get(path)
        assert wsgi_get(path)[1]["X-Page-Cache"] == "hit"
    approve(held, moderator, django_capture_on_commit_callbacks)
    status, headers, body = wsgi_get("/articles/commented/")
    assert headers["X-Page-Cache"] == "miss"
    assert b"A question about braces." in body
    assert wsgi_get("/articles/other/")[1]["X-Page-Cache"] == "hit"


def test_publishing_still_refreshes_every_page(
    client, editor, reviewer, django_capture_on_commit_callbacks
):
    other = ArticleFactory(published=True, slug="other")
    client.get(other.get_absolute_url())
    assert client.get(other.get_absolute_url())["X-Page-Cache"] == "hit"
    article = ArticleFactory(in_review=True, title="Fresh news")
    with django_capture_on_commit_callbacks(execute=True):
        services.sign_off_article(article=article, user=reviewer)
        services.publish_article(article=article, user=editor)
    assert client.get(other.get_absolute_url())["X-Page-Cache"] == "miss"


def test_the_scope_of_a_page_is_found_from_its_path():
    from clinic.pagecache import _remembered_scope, scope_of_path

    assert scope_of_path("/articles/knee-pain/") == "article:knee-pain"
    assert scope_of_path("/articles/") == "lists"
    assert scope_of_path("/categories/spine/") == "lists"
    assert scope_of_path("/feeds/rss/") is None
    assert scope_of_path("/no/such/page") is None
    # A made-up long path is answered, and never kept in memory.
    before = _remembered_scope.cache_info().currsize
    assert scope_of_path("/articles/" + "a" * 2000 + "/") == "article:" + "a" * 2000
    assert _remembered_scope.cache_info().currsize == before
