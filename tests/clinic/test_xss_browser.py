"""
Cross-site scripting, tried in a real browser.

More than a thousand payloads (the brs-kb knowledge base, loaded from the
installed package, plus variations of our own) go through every input a
stranger or an editor controls. Each resulting page is opened in Chromium
with a hook that records any script execution: dialogs, a global marker,
and Content-Security-Policy violations (a blocked inline script means the
payload reached the page as code, which counts as a failure too). The hook
is first proven to fire on a deliberately unsafe page.
"""

import csv
import http.server
import io
import random
import re
from urllib.parse import urlencode
from xml.sax.saxutils import escape

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from playwright.sync_api import Error as PlaywrightError

from articles.hub.models import Backlink
from articles.hub.services.backlinks import verify_backlink
from articles.models import Article
from comments.models import Comment, DiscussionSettings
from comments.services import moderate_comments
from tests.factories import ArticleFactory, PersonFactory
from tests.helpers import item, wxr

pytestmark = [
    pytest.mark.browser,
    pytest.mark.security,
    pytest.mark.django_db(transaction=True),
]

CORPUS_SIZE = 1000

HOOK = """
(() => {
  window.__xss = [];
  const record = (kind, detail) =>
    window.__xss.push(kind + ": " + String(detail).slice(0, 160));
  for (const name of ["alert", "confirm", "prompt", "print"]) {
    try {
      Object.defineProperty(window, name, {
        value: (...args) => record(name, args.join(",")),
        writable: false,
      });
    } catch (error) {}
  }
  Object.defineProperty(window, "__pwned", {
    set: (value) => record("marker", value),
    get: () => undefined,
  });
  // A blocked script, plugin or frame means a payload reached the page as
  // code; a blocked outside image or style does not, and is not counted.
  document.addEventListener("securitypolicyviolation", (event) => {
    if (/^(script-src|object-src|frame-src|child-src|worker-src)/.test(
      event.violatedDirective
    )) {
      record("csp", event.violatedDirective + " " + (event.sample || ""));
    }
  });
})();
"""

OWN_TEMPLATES = (
    "<script>window.__pwned='{n}'</script>",
    "<img src=x onerror=\"window.__pwned='{n}'\">",
    "<svg onload=window.__pwned='{n}'>",
    "<svg><script>window.__pwned='{n}'</script></svg>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert({n})>",
    '"><img src=x onerror=alert({n})>',
    "'><script>alert({n})</script>",
    "</textarea><script>alert({n})</script>",
    "</title><script>alert({n})</script>",
    '<a href="javascript:alert({n})">click</a>',
    '<a href="jav&#x09;ascript:alert({n})">click</a>',
    '<iframe srcdoc="<script>parent.alert({n})</script>"></iframe>',
    "<details open ontoggle=alert({n})>",
    "<input autofocus onfocus=alert({n})>",
    "<body onload=alert({n})>",
    '<object data="data:text/html,<script>alert({n})</script>"></object>',
    "{{{{constructor.constructor('alert({n})')()}}}}",
    "{{% raw %}}{{{{7*7}}}}{{% endraw %}}<x onclick=alert({n})>",
    "&lt;script&gt;alert({n})&lt;/script&gt;",
    "%3Cscript%3Ealert({n})%3C/script%3E",
    "<scr<script>ipt>alert({n})</scr</script>ipt>",
    "<<img src=x onerror=alert({n})//<",
    "<img src=`x` onerror=alert({n})>",
    "<style>@import 'javascript:alert({n})';</style>",
    '<base href="javascript:alert({n})//">',
    '<meta http-equiv="refresh" content="0;url=javascript:alert({n})">',
    'https://example.com/"onmouseover="alert({n})',
    "javascript:alert({n})",
    "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
    '<!--<img src="--><img src=x onerror=alert({n})//">',
)


@pytest.fixture(scope="module")
def payloads(figures):
    """Return at least CORPUS_SIZE payloads: brs-kb's and our variations."""
    brs_kb = pytest.importorskip("brs_kb")
    known = sorted({entry["payload"] for entry in brs_kb.get_all_payloads().values()})
    chosen = random.Random(9).sample(known, min(len(known), CORPUS_SIZE))
    own = [template.format(n=n) for n in range(4) for template in OWN_TEMPLATES]
    corpus = [p for p in chosen + own if p.strip()]
    assert len(corpus) >= CORPUS_SIZE
    figures["xss payloads"] = len(corpus)
    return corpus


def log_in(page, client, base_url):
    """Give the browser the session of the logged-in test `client`."""
    page.context.add_cookies(
        [
            {
                "name": "sessionid",
                "value": client.cookies["sessionid"].value,
                "url": base_url,
            }
        ]
    )


@pytest.fixture
def hooked(browser_page, figures, request):
    """The browser page with the execution hook; returns (page, check)."""
    page = browser_page
    page.add_init_script(HOOK)
    dialogs = []

    def on_dialog(dialog):
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", on_dialog)
    opened = []

    def check(url=None):
        """Open `url` (or keep the current page); return what executed."""
        if url is not None:
            page.goto(url, wait_until="load")
        opened.append(page.url)
        try:
            found = page.evaluate("window.__xss")
        except PlaywrightError as error:  # The page navigated by itself.
            found = [f"navigation: {error}"]
        found += [f"dialog: {message}" for message in dialogs]
        dialogs.clear()
        return found

    executed = []
    original = check

    def counted(url=None):
        found = original(url)
        executed.extend(found)
        return found

    yield page, counted
    if request.node.name != "test_the_hook_fires_on_an_unsafe_page":
        figures["xss pages opened"] = figures.get("xss pages opened", 0) + len(opened)
        figures["xss executions"] = figures.get("xss executions", 0) + len(executed)


CONTROL = (
    "<img src=x onerror=alert(1)>",
    "<svg onload=alert(2)>",
    "<details open ontoggle=confirm(3)>",
    "<script>window.__pwned='control'</script>",
    '<iframe srcdoc="<script>parent.alert(4)</script>"></iframe>',
)


def test_the_hook_fires_on_an_unsafe_page(hooked):
    page, check = hooked
    unsafe = "".join(f"<div>{payload}</div>" for payload in CONTROL)
    page.route(
        "**/unsafe-control/",
        lambda route: route.fulfill(
            body=f"<!doctype html><title>unsafe</title>{unsafe}",
            content_type="text/html",
        ),
    )
    found = check("/unsafe-control/")
    kinds = {entry.split(":")[0] for entry in found}
    assert {"alert", "confirm", "marker"} <= kinds, found
    page.route(
        "**/csp-control/",
        lambda route: route.fulfill(
            body="<!doctype html><script>window.__pwned='inline'</script>",
            content_type="text/html",
            headers={"Content-Security-Policy": "script-src 'self'"},
        ),
    )
    found = check("/csp-control/")
    assert any(entry.startswith("csp: script-src") for entry in found), found


def xml_text(text):
    """`text` without the characters XML 1.0 cannot carry at all."""
    return re.sub(r"[^\x09\x0a\x0d\x20-\ud7ff\ue000-\ufffd]", "", text)


def show_all_comments():
    config = DiscussionSettings.load()
    config.comments_per_page = 200
    config.thread_depth = 5
    config.save()


@pytest.fixture
def article(settings):
    settings.CLINIC_PAGE_CACHE_SECONDS = 0
    settings.CLINIC_COMMENT_MIN_SECONDS = 0
    settings.CLINIC_COMMENT_FLOOD_SECONDS = 0
    return ArticleFactory(published=True, title="Living with sciatica")


def test_comment_fields(hooked, payloads, article, client, moderator, settings):
    from comments.forms import form_token

    page, check = hooked
    show_all_comments()
    refused = []
    for n, payload in enumerate(payloads):
        response = client.post(
            f"/articles/{article.slug}/comments/",
            {
                "body": f"{payload} #{n}",
                "author_name": payload[:80],
                "author_email": f"reader{n}@mail.example",
                "author_url": payload[:300] if n % 2 else "",
                "token": form_token(article.pk),
                "homepage": "",
            },
            REMOTE_ADDR=f"10.1.{n // 250}.{n % 250 + 1}",
        )
        client.cookies.clear()
        assert response.status_code in (302, 400, 409), response.status_code
        if response.status_code == 400:
            refused.append(response)
    # The form shown again with the error holds the payloads as typed.
    for response in refused:
        page.route(
            "**/refused/",
            lambda route, request, response=response: route.fulfill(
                status=400, headers=dict(response.items()), body=response.content
            ),
        )
        assert check("/refused/") == []
        page.unroute("**/refused/")
    stored = Comment.objects.filter(article=article)
    assert stored.count() >= len(payloads) // 2
    moderate_comments(stored, status=Comment.Status.APPROVED, moderator=moderator)
    pages = -(-stored.count() // 200)
    for number in range(1, pages + 1):
        assert check(f"{article.get_absolute_url()}?comments={number}") == []
    assert page.locator(".comment").count() > 0
    assert check("/admin/login/") == []


def test_search_box(hooked, payloads, settings):
    settings.CLINIC_PAGE_CACHE_SECONDS = 0
    page, check = hooked
    ArticleFactory(published=True, title="Kyphoplasty explained")
    for payload in payloads:
        assert check(f"/search/?{urlencode({'q': payload[:200]})}") == [], payload
    assert page.input_value("input[name=q]") == payloads[-1][:200]


class Handler(http.server.BaseHTTPRequestHandler):
    """Outside pages whose titles and link texts are payloads."""

    pages = {}

    def do_GET(self):
        body = self.pages.get(self.path, "").encode()
        self.send_response(200 if body else 404)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def test_webmention_sources_and_csv_import(
    hooked, payloads, settings, outside, editor_client, live_server, monkeypatch
):
    settings.CLINIC_PAGE_CACHE_SECONDS = 0
    monkeypatch.setenv("CLINIC_FETCH_ALLOW_LOOPBACK", "1")
    page, check = hooked
    article = ArticleFactory(published=True, slug="kyphoplasty")
    target = f"http://testserver{article.get_absolute_url()}"
    for n, payload in enumerate(payloads):
        Handler.pages[f"/mention/{n}"] = (
            f"<html><head><title>{payload}</title></head><body>"
            f'<p>{payload}</p><a href="{target}">{payload}</a></body></html>'
        )
    for n in range(len(payloads)):
        backlink = Backlink.objects.create(
            source_url=f"{outside}/mention/{n}",
            target_article=article,
            is_approved=True,
        )
        verify_backlink(backlink=backlink)
    verified = Backlink.objects.filter(status="verified")
    # Every page was fetched; a few payloads (an unclosed comment, <title>
    # or <textarea>) hide the link that follows them, as they would from a
    # browser, and those pages are rightly not counted as linking.
    notes = set(Backlink.objects.values_list("check_note", flat=True))
    assert notes <= {"", "no link to the article on the page"}, notes
    assert verified.count() > 0.9 * len(payloads)
    assert check("/hub/") == []
    assert check(article.get_absolute_url()) == []
    # Every link text, as editors see them in the backlinks list.
    log_in(page, editor_client, live_server.url)
    for number in range(len(payloads) // 100 + 1):
        assert check(f"/admin/hub/backlink/?p={number + 1}") == []
    # The same payloads as CSV cells: the import report shows each row.
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["source_url", "article"])
    for payload in payloads:
        writer.writerow([payload, payload])
    response = editor_client.post(
        "/admin/hub/backlink/import/",
        {"file": SimpleUploadedFile("links.csv", out.getvalue().encode())},
    )
    assert response.status_code == 200
    page.route(
        "**/import-report/",
        lambda route: route.fulfill(
            headers=dict(response.items()), body=response.content
        ),
    )
    assert check("/import-report/") == []


def test_wordpress_import_and_admin_bodies(
    hooked, payloads, tmp_path, editor_client, settings, live_server
):
    settings.CLINIC_PAGE_CACHE_SECONDS = 0
    page, check = hooked
    PersonFactory(slug="dr-reyes", name="Dr. Reyes", can_sign_off=True)
    batch = 50
    items = [
        item(
            1000 + n,
            escape(xml_text(payloads[n])),
            f"payload-{n}",
            "publish",
            xml_text(" ".join(payloads[n : n + batch])).replace(
                "]]>", "]]]]><![CDATA[>"
            ),
        )
        for n in range(0, len(payloads), batch)
    ]
    export = tmp_path / "export.xml"
    export.write_text(wxr(items), encoding="utf-8")
    call_command(
        "import_wordpress", str(export), reviewed_by="dr-reyes", stdout=io.StringIO()
    )
    imported = Article.objects.published().filter(wordpress_id__gte=1000)
    assert imported.count() == len(items)
    for article in imported:
        assert check(article.get_absolute_url()) == []
    assert check("/articles/") == []
    # An editor pastes the payloads into the body through the admin.
    from tests.helpers import form_data

    target = ArticleFactory(published=True, title="Edited in the admin")
    for n in range(0, len(payloads), 200):
        response = editor_client.post(
            f"/admin/articles/article/{target.pk}/change/",
            # Null characters are refused with a message of their own.
            form_data(
                target, body="<p>".join(payloads[n : n + 200]).replace("\x00", "")
            ),
        )
        assert response.status_code == 302, response.context["adminform"].errors
        target.refresh_from_db()
        # Stored as text at most: no script element, handler or script URL.
        assert not re.search(
            r"<script|<[^>]+\son\w+\s*=|"
            r"<[^>]+\s(?:href|src|action)\s*=\s*[\"']?\s*javascript:",
            target.body,
            re.I,
        )
        log_in(page, editor_client, live_server.url)
        assert check(f"/preview/{target.pk}/") == []
        page.context.clear_cookies()
