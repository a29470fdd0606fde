import http.server

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from pytest_django.asserts import assertContains, assertNotContains

from articles.hub.models import Backlink
from articles.hub.services.backlinks import verify_backlink
from tests.factories import ArticleFactory

pytestmark = pytest.mark.django_db

#: path -> (status, body) served by the outside site in these tests.
PAGES = {}


class Handler(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_GET(self):
        status, body = PAGES.get(self.path, (404, "missing"))
        data = body.encode()
        self.send_response(status)
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


def link_to(slug, text="a good guide", rel=""):
    rel_attr = f' rel="{rel}"' if rel else ""
    return (
        f'<p>Read <a href="http://testserver/articles/{slug}/"{rel_attr}>{text}</a></p>'
    )


def verified_page(outside, article, body):
    """Serve `body` at /blog, verify a backlink from it; return the backlink."""
    PAGES["/blog"] = (200, body)
    backlink = Backlink.objects.create(
        source_url=f"{outside}/blog", target_article=article
    )
    verify_backlink(backlink=backlink)
    backlink.refresh_from_db()
    return backlink


def test_verification_finds_the_link_with_text_and_rel(outside, article):
    body = link_to("kyphoplasty", "balloon repair", "nofollow ugc")
    backlink = verified_page(outside, article, body)
    assert backlink.status == Backlink.Status.VERIFIED
    assert backlink.anchor_text == "balloon repair"
    assert (backlink.is_nofollow, backlink.is_ugc, backlink.is_sponsored) == (
        True,
        True,
        False,
    )
    assert backlink.referring_domain == "127.0.0.1"
    assert backlink.first_seen_at == backlink.last_seen_at == backlink.last_checked_at


def test_control_characters_on_the_page_are_dropped(outside, article):
    # PostgreSQL refuses NUL in text; a page carrying one still verifies.
    body = link_to("kyphoplasty", "balloon\x00 repair\x07")
    body = body.replace("/articles/", "/articles\x00/")
    backlink = verified_page(outside, article, body)
    assert backlink.status == Backlink.Status.VERIFIED
    assert backlink.anchor_text == "balloon repair"


@pytest.mark.parametrize(
    ("status", "body", "note"),
    [
        (200, "<p>No links here.</p>", "no link to the article"),
        (410, "gone", "answered 410"),
        (404, "missing", "answered 404"),
    ],
)
def test_vanished_link_marks_it_lost(outside, article, status, body, note):
    PAGES["/blog"] = (200, link_to("kyphoplasty"))
    backlink = Backlink.objects.create(
        source_url=f"{outside}/blog", target_article=article
    )
    verify_backlink(backlink=backlink)
    PAGES["/blog"] = (status, body)
    verify_backlink(backlink=backlink)
    backlink.refresh_from_db()
    assert backlink.status == Backlink.Status.LOST
    assert note in backlink.check_note
    assert backlink.first_seen_at is not None


def test_server_errors_do_not_lose_a_backlink(outside, article):
    PAGES["/blog"] = (200, link_to("kyphoplasty"))
    backlink = Backlink.objects.create(
        source_url=f"{outside}/blog", target_article=article
    )
    verify_backlink(backlink=backlink)
    PAGES["/blog"] = (503, "busy")
    verify_backlink(backlink=backlink)
    backlink.refresh_from_db()
    assert backlink.status == Backlink.Status.VERIFIED
    assert "503" in backlink.check_note


def test_refused_fetch_only_records_a_note(article, monkeypatch):
    monkeypatch.delenv("CLINIC_FETCH_ALLOW_LOOPBACK")
    backlink = Backlink.objects.create(
        source_url="http://127.0.0.1:9/page", target_article=article
    )
    verify_backlink(backlink=backlink)
    backlink.refresh_from_db()
    assert backlink.status == Backlink.Status.PENDING
    assert "not a public address" in backlink.check_note


def test_webmention_is_advertised_on_articles(client, article):
    response = client.get(article.get_absolute_url())
    assert response["Link"] == '<http://testserver/webmention/>; rel="webmention"'
    assertContains(response, '<link rel="webmention" href="/webmention/">')


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({}, "Both source and target are required"),
        ({"source": "ftp://x.example/a", "target": "T"}, "source must be an http(s)"),
        (
            {"source": "https://x.example/a b", "target": "T"},
            "source must be an http(s)",
        ),
        ({"source": "https://x.example/a", "target": "javascript:1"}, "target must"),
        ({"source": "T", "target": "T"}, "must differ"),
        # PostgreSQL refuses NUL in text, and the column holds 2,000.
        ({"source": "https://x.example/a\x00", "target": "T"}, "source must be"),
        ({"source": "https://x.example/a", "target": "T\x00"}, "target must be"),
        ({"source": "https://x.example/" + "a" * 2000, "target": "T"}, "too long"),
        (
            {"source": "https://x.example/a", "target": "https://other.example/x/"},
            "not a published article",
        ),
        (
            {
                "source": "https://x.example/a",
                "target": "http://testserver/articles/nope/",
            },
            "not a published article",
        ),
    ],
)
def test_bad_webmentions_get_400_with_a_reason(client, article, data, message):
    target = "http://testserver/articles/kyphoplasty/"
    data = {
        key: target + value[1:] if value.startswith("T") else value
        for key, value in data.items()
    }
    response = client.post("/webmention/", data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Backlink.objects.exists()


def test_webmention_is_accepted_then_verified(
    client, outside, article, django_capture_on_commit_callbacks
):
    PAGES["/post"] = (200, link_to("kyphoplasty", "this explainer"))
    data = {
        "source": f"{outside}/post",
        "target": "http://testserver/articles/kyphoplasty/",
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/webmention/", data)
    assert response.status_code == 202
    backlink = Backlink.objects.get()
    assert backlink.via == Backlink.Via.WEBMENTION
    assert backlink.status == Backlink.Status.VERIFIED
    assert not backlink.is_approved
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/webmention/", data)
    assert Backlink.objects.count() == 1


def test_webmentions_are_rate_limited_per_source_host(client, article):
    target = "http://testserver/articles/kyphoplasty/"
    codes = [
        client.post(
            "/webmention/", {"source": f"https://spam.example/{n}", "target": target}
        ).status_code
        for n in range(12)
    ]
    assert codes.count(202) == 10
    assert codes[-1] == 429


def test_webmentions_are_taken_while_the_cache_is_down(client, article, settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",  # Nothing listens there.
            "OPTIONS": {"IGNORE_EXCEPTIONS": True},
        },
        "off": settings.CACHES["off"],
    }
    response = client.post(
        "/webmention/",
        {
            "source": "https://friends.example/post",
            "target": "http://testserver/articles/kyphoplasty/",
        },
    )
    assert response.status_code == 202
    assert Backlink.objects.filter(source_url="https://friends.example/post").exists()


def test_hub_shows_only_verified_approved_backlinks(client, article):
    Backlink.objects.create(
        source_url="https://news.example/a",
        target_article=article,
        status="verified",
        is_approved=True,
        anchor_text="Public mention",
    )
    Backlink.objects.create(
        source_url="https://news.example/b",
        target_article=article,
        status="verified",
        anchor_text="Unapproved mention",
    )
    Backlink.objects.create(
        source_url="https://other.example/c",
        target_article=article,
        status="lost",
        is_approved=True,
        anchor_text="Lost mention",
    )
    response = client.get("/hub/")
    assertContains(response, "Public mention")
    assertContains(response, "news.example")
    assertNotContains(response, "Unapproved mention")
    assertNotContains(response, "Lost mention")
    page = client.get(article.get_absolute_url())
    assertContains(page, "Mentioned on")
    assertContains(page, "Public mention")


@pytest.mark.parametrize("count", [3, 30])
def test_hub_query_count_is_constant(client, count, django_assert_num_queries):
    for n in range(count):
        Backlink.objects.create(
            source_url=f"https://site{n % 7}.example/{n}",
            target_article=ArticleFactory(published=True),
            status="verified",
            is_approved=True,
        )
    with django_assert_num_queries(3):
        assert client.get("/hub/").status_code == 200
    # Another page of sites: the per-site counts come from the cache.
    with django_assert_num_queries(1):
        assert client.get("/hub/?page=2").status_code == 200


def test_hub_lists_five_links_per_site_and_counts_the_rest(client, article):
    for n in range(8):
        Backlink.objects.create(
            source_url=f"https://busy.example/{n}",
            target_article=article,
            status="verified",
            is_approved=True,
            anchor_text=f"mention number {n}",
            last_seen_at=timezone.now() - timezone.timedelta(days=n),
        )
    response = client.get("/hub/")
    assertContains(response, "8 links")
    assertContains(response, "mention number 4")
    assertNotContains(response, "mention number 5")
    assertContains(response, "and 3 more links")


def test_hub_counts_follow_an_approval(
    client, editor_client, article, django_capture_on_commit_callbacks
):
    backlink = Backlink.objects.create(
        source_url="https://late.example/post",
        target_article=article,
        status="verified",
        anchor_text="Late approval",
    )
    assertNotContains(client.get("/hub/"), "late.example")
    with django_capture_on_commit_callbacks(execute=True):
        editor_client.post(
            "/admin/hub/backlink/",
            {"action": "approve", "_selected_action": [backlink.pk]},
        )
    backlink.refresh_from_db()
    assert backlink.is_approved
    assertContains(client.get("/hub/"), "late.example")


def test_csv_import_reports_each_row(editor_client, article):
    Backlink.objects.create(source_url="https://old.example/x", target_article=article)
    csv_text = (
        "source_url,article\n"
        "https://a.example/post,kyphoplasty\n"
        "https://old.example/x,http://testserver/articles/kyphoplasty/\n"
        "not a url,kyphoplasty\n"
        "https://b.example/post,no-such-article\n"
        "https://c.example/only-one-column\n"
    )
    response = editor_client.post(
        "/admin/hub/backlink/import/",
        {"file": SimpleUploadedFile("links.csv", csv_text.encode())},
    )
    report = response.context["report"]
    assert [(row["line"], row["outcome"]) for row in report] == [
        (2, "added"),
        (3, "skipped"),
        (4, "refused"),
        (5, "refused"),
        (6, "refused"),
    ]
    assert Backlink.objects.filter(via="csv").count() == 1
    assertContains(response, "No such article: no-such-article")


def test_csv_import_refuses_what_the_database_cannot_hold(editor_client, article):
    csv_text = (
        "https://a.example/\x00,kyphoplasty\n"
        f"https://a.example/{'b' * 2000},kyphoplasty\n"
        "https://a.example/c,kypho\x00plasty\n"
        "https://a.example/d,http://testserver/articles/kyphoplasty\x00/\n"
    )
    response = editor_client.post(
        "/admin/hub/backlink/import/",
        {"file": SimpleUploadedFile("links.csv", csv_text.encode())},
    )
    reasons = [row["reason"] for row in response.context["report"]]
    assert reasons[0] == "The address must be an http(s) URL."
    assert reasons[1] == "The address is too long: at most 2000 characters."
    assert reasons[2].startswith("No such article")
    assert reasons[3].startswith("No such article")
    assert not Backlink.objects.exists()


def test_csv_import_refuses_a_binary_file(editor_client):
    response = editor_client.post(
        "/admin/hub/backlink/import/",
        {"file": SimpleUploadedFile("links.csv", b"\xff\xfe\x00\x81")},
    )
    assertContains(response, "not UTF-8")
    assert not Backlink.objects.exists()


def test_moderator_cannot_import_backlinks(moderator_client):
    assert moderator_client.get("/admin/hub/backlink/import/").status_code == 403


@pytest.mark.django_db
def test_a_new_source_address_saved_alone_renames_the_referring_site():
    backlink = Backlink.objects.create(
        source_url="https://www.old.example/post", target_article=ArticleFactory()
    )
    backlink.source_url = "https://blog.new.example/post"
    backlink.save(update_fields=["source_url"])
    backlink.refresh_from_db()
    assert backlink.referring_domain == "blog.new.example"


def test_a_backlink_shown_renews_its_article_and_the_hub_only(
    client, outside, article, django_capture_on_commit_callbacks
):
    other = ArticleFactory(published=True, slug="other", title="Other")
    PAGES["/blog"] = (200, link_to("kyphoplasty", "a kind word"))
    backlink = Backlink.objects.create(
        source_url=f"{outside}/blog", target_article=article, is_approved=True
    )
    pages = (article.get_absolute_url(), other.get_absolute_url(), "/hub/")
    for path in pages:
        client.get(path)
        assert client.get(path)["X-Page-Cache"] == "hit"
    with django_capture_on_commit_callbacks(execute=True):
        verify_backlink(backlink=backlink)
    assertContains(client.get("/hub/"), "a kind word")
    assertContains(client.get(article.get_absolute_url()), "a kind word")
    # Nothing on another article's page changed: it is still the one kept.
    assert client.get(other.get_absolute_url())["X-Page-Cache"] == "hit"
    # Verified again and unchanged: no page is renewed.
    with django_capture_on_commit_callbacks(execute=True):
        verify_backlink(backlink=backlink)
    for path in pages:
        assert client.get(path)["X-Page-Cache"] == "hit"


def test_approving_backlinks_renews_their_articles_and_the_hub_only(
    client, editor, article, django_capture_on_commit_callbacks
):
    other = ArticleFactory(published=True, slug="other", title="Other")
    backlink = Backlink.objects.create(
        source_url="https://friends.example/post",
        target_article=article,
        status=Backlink.Status.VERIFIED,
        anchor_text="a kind word",
    )
    for path in (article.get_absolute_url(), other.get_absolute_url(), "/hub/"):
        client.get(path)
    staff = type(client)()
    staff.force_login(editor)
    with django_capture_on_commit_callbacks(execute=True):
        staff.post(
            "/admin/hub/backlink/",
            {"action": "approve", "_selected_action": [backlink.pk]},
        )
    assertContains(client.get("/hub/"), "friends.example")
    assertContains(client.get(article.get_absolute_url()), "friends.example")
    assert client.get(other.get_absolute_url())["X-Page-Cache"] == "hit"


@pytest.mark.django_db(transaction=True)
def test_pages_are_renewed_after_an_approval_is_saved(
    editor_client, article, monkeypatch
):
    # Admin actions run outside a transaction: the pages must be renewed
    # after the rows change, or a reader in between would keep the old page.
    from clinic import pagecache

    backlink = Backlink.objects.create(
        source_url="https://friends.example/post",
        target_article=article,
        status=Backlink.Status.VERIFIED,
    )
    seen = []
    renew = pagecache.invalidate_scopes

    def spy(*scopes):
        seen.append(Backlink.objects.get(pk=backlink.pk).is_approved)
        renew(*scopes)

    monkeypatch.setattr(pagecache, "invalidate_scopes", spy)
    editor_client.post(
        "/admin/hub/backlink/",
        {"action": "approve", "_selected_action": [backlink.pk]},
    )
    assert seen == [True]
