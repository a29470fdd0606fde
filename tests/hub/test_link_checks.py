import http.server
import threading

import pytest
from django.core.management import call_command
from django.utils import timezone

from articles.hub.models import Link, LinkCheck
from articles.hub.services.link_checks import check_outbound_links
from articles.hub.services.links import sync_article_links, unlink
from articles.models import Article
from tests.factories import ArticleFactory

pytestmark = pytest.mark.django_db

BARRIER = threading.Barrier(2, timeout=5)
STATE = {"flaky": 503, "retry_after": ""}


class Handler(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def answer(self, status, location=None, retry_after=None):
        self.send_response(status)
        if location:
            self.send_header("Location", location)
        if retry_after:
            self.send_header("Retry-After", retry_after)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_HEAD(self):
        if self.path == "/head-refused":
            return self.answer(405)
        return self.do_GET()

    def do_GET(self):
        if self.path in ("/ok", "/head-refused"):
            return self.answer(200)
        if self.path == "/moved":
            return self.answer(301, "/ok")
        if self.path == "/gone":
            return self.answer(404)
        if self.path == "/busy":
            return self.answer(503)
        if self.path == "/limited":
            return self.answer(429)
        if self.path == "/later":
            return self.answer(429, retry_after=STATE["retry_after"])
        if self.path == "/flaky":
            return self.answer(STATE["flaky"])
        if self.path.startswith("/together/"):
            # Answers only when a second request is in flight at once.
            try:
                BARRIER.wait()
            except threading.BrokenBarrierError:
                return self.answer(500)
            return self.answer(200)
        return self.answer(404)


@pytest.fixture(autouse=True)
def _loopback(monkeypatch):
    monkeypatch.setenv("CLINIC_FETCH_ALLOW_LOOPBACK", "1")


def article_linking(outside, *paths, **kwargs):
    body = "".join(f'<p><a href="{outside}{path}">{path}</a></p>' for path in paths)
    article = ArticleFactory(body=body, **kwargs)
    sync_article_links(article=article)
    return article


def status_of(outside, path):
    return LinkCheck.objects.get(url=f"{outside}{path}")


def test_each_url_is_classified(outside):
    article_linking(outside, "/ok", "/head-refused", "/moved", "/gone", "/busy")
    check_outbound_links()
    assert status_of(outside, "/ok").status == "ok"
    assert status_of(outside, "/head-refused").http_status == 200
    moved = status_of(outside, "/moved")
    assert moved.status == "ok"
    assert moved.redirects == [f"{outside}/ok"]
    assert status_of(outside, "/gone").status == "broken"
    assert status_of(outside, "/busy").status == "retrying"


def test_server_errors_become_broken_only_after_repeated_failures(outside):
    article_linking(outside, "/limited")
    now = timezone.now()
    statuses = []
    for attempt in range(3):
        check_outbound_links(now=now + timezone.timedelta(days=attempt + 1))
        statuses.append(status_of(outside, "/limited").status)
    assert statuses == ["retrying", "retrying", "broken"]
    check = status_of(outside, "/limited")
    assert check.next_check_at > check.last_checked_at


@pytest.mark.parametrize(
    ("retry_after", "wait"),
    [
        ("86400", timezone.timedelta(days=1)),
        # Our own back-off (two hours after a first failure) when the header
        # is not a plain number of seconds, and at most a month.
        ("\u00b2", timezone.timedelta(hours=2)),
        ("Wed, 21 Oct 2015 07:28:00 GMT", timezone.timedelta(hours=2)),
        ("999999999", timezone.timedelta(days=30)),
    ],
)
def test_retry_after_is_honoured_within_reason(outside, retry_after, wait):
    STATE["retry_after"] = retry_after
    article_linking(outside, "/later")
    now = timezone.now()
    check_outbound_links(now=now)
    check = status_of(outside, "/later")
    assert check.status == "retrying"
    assert check.next_check_at == now + wait


def test_a_recovered_url_is_working_again(outside):
    article_linking(outside, "/flaky")
    STATE["flaky"] = 503
    check_outbound_links()
    STATE["flaky"] = 200
    check_outbound_links(everything=True)
    check = status_of(outside, "/flaky")
    assert (check.status, check.failures) == ("ok", 0)


def test_only_due_urls_are_checked_unless_all(outside, capsys):
    article_linking(outside, "/ok")
    call_command("check_links")
    assert "1 ok" in capsys.readouterr().out
    call_command("check_links")
    assert "nothing due" in capsys.readouterr().out
    call_command("check_links", everything=True)
    assert "1 ok" in capsys.readouterr().out


def test_checks_run_concurrently(outside):
    BARRIER.reset()
    article_linking(outside, "/together/a", "/together/b")
    check_outbound_links(workers=2)
    assert status_of(outside, "/together/a").status == "ok"
    assert status_of(outside, "/together/b").status == "ok"


def test_admin_lists_broken_links_and_marks_them_not_broken(outside, editor_client):
    article_linking(outside, "/gone", "/ok", title="Has a dead link")
    check_outbound_links()
    page = editor_client.get("/admin/hub/link/?health=broken")
    assert page.status_code == 200
    assert f"{outside}/gone".encode() in page.content
    assert f"{outside}/ok".encode() not in page.content
    gone = Link.objects.get(url=f"{outside}/gone")
    editor_client.post(
        "/admin/hub/link/",
        {"action": "mark_not_broken", "_selected_action": [gone.pk]},
    )
    assert not LinkCheck.objects.broken().exists()


def test_unlink_keeps_the_text_and_the_sign_off(outside, editor):
    article = article_linking(outside, "/gone", published=True)
    link = article.outbound_links.get()
    unlink(link=link, user=editor)
    article.refresh_from_db()
    assert "<a " not in article.body
    assert "/gone" in article.body_text
    assert article.status == Article.Status.PUBLISHED
    assert article.has_current_sign_off
    assert not article.outbound_links.exists()


def test_moderator_cannot_unlink(outside, moderator):
    from django.core.exceptions import PermissionDenied

    article = article_linking(outside, "/gone")
    with pytest.raises(PermissionDenied):
        unlink(link=article.outbound_links.get(), user=moderator)


@pytest.mark.security
def test_link_actions_need_the_right_to_edit_articles(outside, client, refusal):
    from django.contrib.auth.models import Permission

    from tests.factories import UserFactory

    article_linking(outside, "/gone", title="Has a dead link")
    check_outbound_links()
    viewer = UserFactory(username="link-viewer")
    viewer.user_permissions.add(
        Permission.objects.get(codename="view_link", content_type__app_label="hub")
    )
    client.force_login(viewer)
    gone = Link.objects.get(url=f"{outside}/gone")
    assert client.get("/admin/hub/link/").status_code == 200
    for action in ("mark_not_broken", "recheck", "unlink"):
        client.post(
            "/admin/hub/link/", {"action": action, "_selected_action": [gone.pk]}
        )
    assert LinkCheck.objects.broken().exists()
    assert Link.objects.filter(pk=gone.pk).exists()
    refusal("link actions refused")


@pytest.mark.security
def test_a_long_refusal_fits_its_column(monkeypatch):
    from articles.hub.services import link_checks

    def refuse(url, **kwargs):
        raise link_checks.FetchRefused("x" * 1000)

    monkeypatch.setattr(link_checks, "fetch", refuse)
    outcome = link_checks.probe_url("https://long.example/")
    assert len(outcome["note"]) <= 300


@pytest.mark.security
def test_an_unexpected_error_in_one_check_spares_the_batch(monkeypatch):
    from articles.hub.services import link_checks

    def explode(url, **kwargs):
        raise RuntimeError("surprise")

    monkeypatch.setattr(link_checks, "fetch", explode)
    outcome = link_checks.probe_url("https://odd.example/")
    assert outcome["retry"] is True
    assert "RuntimeError" in outcome["note"]
