"""Webmentions sent to flood the hub, slow the worker or change what was
approved get nowhere."""

import http.server
import time

import pytest
from django.core.cache import cache

from articles.hub.models import Backlink
from articles.hub.services.backlinks import verify_backlink
from tests.factories import ArticleFactory

pytestmark = [pytest.mark.security, pytest.mark.django_db]

TARGET = "http://testserver/articles/kyphoplasty/"
#: path -> body served by the outside site.
PAGES = {}


class Handler(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_GET(self):
        data = PAGES.get(self.path, "missing").encode()
        self.send_response(200 if self.path in PAGES else 404)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


@pytest.fixture(autouse=True)
def _loopback(monkeypatch):
    monkeypatch.setenv("CLINIC_FETCH_ALLOW_LOOPBACK", "1")
    PAGES.clear()


@pytest.fixture
def article():
    return ArticleFactory(published=True, slug="kyphoplasty", title="Kyphoplasty")


def mention(client, source, target=TARGET):
    return client.post("/webmention/", {"source": source, "target": target})


def test_rotating_source_sites_meets_the_per_article_limit(
    client, article, settings, refusal, figures
):
    settings.CLINIC_WEBMENTIONS_PER_ARTICLE_PER_HOUR = 20
    codes = [
        mention(client, f"https://site{n}.example/post").status_code for n in range(300)
    ]
    figures["Webmentions from 300 rotated hosts to one article: accepted"] = (
        codes.count(202)
    )
    assert codes.count(202) == 20
    assert Backlink.objects.count() == 20
    refusal("webmentions refused")


def test_the_whole_site_has_an_hourly_limit(client, settings, refusal):
    settings.CLINIC_WEBMENTIONS_PER_HOUR = 30
    articles = ArticleFactory.create_batch(5, published=True)
    codes = [
        mention(
            client,
            f"https://site{n}.example/post",
            f"http://testserver{articles[n % 5].get_absolute_url()}",
        ).status_code
        for n in range(50)
    ]
    assert codes.count(202) == 30
    assert codes[-1] == 429
    refusal("webmentions refused")


def test_unverified_mentions_waiting_are_capped(client, article, settings, refusal):
    settings.CLINIC_WEBMENTION_MAX_PENDING = 3
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}
    }
    codes = [
        mention(client, f"https://site{n}.example/post").status_code for n in range(5)
    ]
    assert codes == [202, 202, 202, 503, 503]
    assert Backlink.objects.count() == 3
    refusal("webmentions refused")


def test_the_answer_names_no_admin_address(client, article):
    response = mention(client, "https://blog.example/post")
    assert response.status_code == 202
    assert "Location" not in response
    assert b"admin" not in response.content


def test_a_page_of_thousands_of_links_costs_bounded_queries(
    outside, article, django_assert_max_num_queries, refusal, figures
):
    links = "".join(
        f'<a href="http://testserver/articles/other-{n}/">x</a>' for n in range(18000)
    )
    PAGES["/many"] = f"<p>{links}</p>"
    backlink = Backlink.objects.create(
        source_url=f"{outside}/many", target_article=article
    )
    started = time.monotonic()
    with django_assert_max_num_queries(50):
        verify_backlink(backlink=backlink)
    seconds = time.monotonic() - started
    figures["verify a page of 18,000 links: seconds"] = round(seconds, 2)
    backlink.refresh_from_db()
    assert backlink.status == Backlink.Status.LOST
    assert seconds < 5
    refusal("webmentions refused")


def test_a_deeply_nested_page_is_read_in_linear_time(outside, article, figures):
    depth = 80_000  # 880 KB: under the 1 MB fetch cap.
    PAGES["/deep"] = (
        "<div>" * depth + f'<a href="{TARGET}">deep link</a>' + "</div>" * depth
    )
    backlink = Backlink.objects.create(
        source_url=f"{outside}/deep", target_article=article
    )
    started = time.monotonic()
    verify_backlink(backlink=backlink)
    seconds = time.monotonic() - started
    figures["verify a page nested 80,000 deep: seconds"] = round(seconds, 2)
    backlink.refresh_from_db()
    assert backlink.status == Backlink.Status.VERIFIED
    assert seconds < 3


def test_new_link_text_needs_a_new_approval(outside, article, client, refusal):
    PAGES["/post"] = f'<a href="{TARGET}">a careful guide</a>'
    backlink = Backlink.objects.create(
        source_url=f"{outside}/post", target_article=article
    )
    verify_backlink(backlink=backlink)
    Backlink.objects.filter(pk=backlink.pk).update(is_approved=True)
    cache.clear()
    assert "a careful guide" in client.get("/hub/").content.decode()
    PAGES["/post"] = f'<a href="{TARGET}">cheap pills here</a>'
    backlink.refresh_from_db()
    verify_backlink(backlink=backlink)
    backlink.refresh_from_db()
    assert not backlink.is_approved
    assert "approve it again" in backlink.check_note
    cache.clear()
    assert "cheap pills" not in client.get("/hub/").content.decode()
    refusal("webmentions refused")


def test_verifying_what_readers_do_not_see_keeps_the_cached_pages(
    outside, article, django_capture_on_commit_callbacks
):
    from clinic.pagecache import generation

    PAGES["/post"] = f'<a href="{TARGET}">a mention</a>'
    backlink = Backlink.objects.create(
        source_url=f"{outside}/post", target_article=article
    )
    before = generation()
    with django_capture_on_commit_callbacks(execute=True):
        verify_backlink(backlink=backlink)  # Verified, not approved.
        verify_backlink(backlink=backlink)
    assert generation() == before


@pytest.mark.parametrize(
    "page",
    ["<a" * 100_000, "<!--" * 100_000, "<a href=x>" * 50_000, "<a " * 100_000 + ">"],
)
def test_broken_markup_is_read_in_linear_time(outside, article, page, figures):
    PAGES["/broken"] = page
    backlink = Backlink.objects.create(
        source_url=f"{outside}/broken", target_article=article
    )
    started = time.monotonic()
    verify_backlink(backlink=backlink)
    seconds = time.monotonic() - started
    figures.setdefault("verify 200-500 KB of broken markup: seconds", []).append(
        round(seconds, 2)
    )
    assert seconds < 3


def test_an_address_that_does_not_parse_is_a_400(client, article):
    response = mention(client, "http://[x]/")
    assert response.status_code == 400
    assert b"not a valid address" in response.content


def test_one_sender_cannot_fill_the_queue_for_everyone(client, article, settings):
    from articles.hub import views

    settings.CLINIC_WEBMENTIONS_PER_ARTICLE_PER_HOUR = 1000
    others = ArticleFactory.create_batch(3, published=True)
    codes = [
        mention(
            client,
            f"https://site{n}.example/post",
            f"http://testserver{others[n % 3].get_absolute_url()}",
        ).status_code
        for n in range(views.WEBMENTIONS_PER_SENDER + 5)
    ]
    assert codes.count(202) == views.WEBMENTIONS_PER_SENDER
    other_sender = client.post(
        "/webmention/",
        {"source": "https://fresh.example/post", "target": TARGET},
        REMOTE_ADDR="192.0.2.44",
    )
    assert other_sender.status_code == 202


def test_mentions_left_pending_a_day_do_not_hold_the_door(client, article, settings):
    from datetime import timedelta

    from django.utils import timezone

    settings.CLINIC_WEBMENTION_MAX_PENDING = 2
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}
    }
    for n in range(2):
        mention(client, f"https://stuck{n}.example/post")
    assert mention(client, "https://late.example/post").status_code == 503
    Backlink.objects.update(created_at=timezone.now() - timedelta(days=2))
    assert mention(client, "https://late.example/post").status_code == 202
