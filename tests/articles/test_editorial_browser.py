"""
The editorial cycle in a real browser: a live article stays live while its
next version is edited, reviewed and published; no one's work is lost.
"""

import re
from datetime import timedelta

import feedparser
import pytest
from django.utils import timezone

from articles import services
from articles.models import Article, ArticleDraft
from tests.articles.test_editor_browser import log_in
from tests.factories import ArticleFactory, ReferenceFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

OLD_TEXT = "Ice helps most in the first two days."
NEW_TEXT = "Most people walk again the same evening."


@pytest.fixture
def live(reviewer, settings):
    settings.CLINIC_PAGE_CACHE_SECONDS = 0
    ArticleFactory(
        published=True,
        title="Walking after surgery",
        published_at=timezone.now() - timedelta(days=10),
    )
    article = ArticleFactory(
        title="Heat or ice for back pain", body=f"<p>{OLD_TEXT}</p>"
    )
    ReferenceFactory(article=article, citation="Cold therapy trial, 2019.")
    services.record_submission(article=article)
    services.record_sign_off(article=article, reviewer=reviewer.person)
    services.record_publication(article=article, at=timezone.now() - timedelta(days=30))
    return article


def change_form(page, article):
    page.goto(f"/admin/articles/article/{article.pk}/change/")
    page.wait_for_selector(".ck-editor__editable")


def type_in_body(page, text):
    page.locator(".ck-editor__editable p").first.click()
    page.keyboard.press("End")
    page.keyboard.type(text)
    page.wait_for_selector(f".ck-editor__editable p >> text={text.strip()}")


def reader_sees(browser_page, article, base_url):
    """Return the article page and RSS feed as a reader without a login gets them."""
    reader = browser_page.context.browser.new_context(base_url=base_url)
    page = reader.new_page()
    response = page.goto(article.get_absolute_url())
    html = page.content()
    rss = page.request.get("/feeds/rss/").text()
    reader.close()
    return (
        response.status,
        html,
        [entry.title for entry in feedparser.parse(rss).entries],
    )


def test_whole_cycle_keeps_the_page_live_and_dates_honest(
    browser_page, live_server, editor, reviewer, live
):
    page = browser_page
    status, html, feed_before = reader_sees(page, live, live_server.url)
    first_published = re.search(r'<time datetime="([^"]+)"', html).group(1)

    log_in(page, "editor")
    change_form(page, live)
    type_in_body(page, f" {NEW_TEXT}")
    page.fill("[name=references-0-citation]", "Heat wrap trial, 2021.")
    page.click("input[name=_continue]")
    page.wait_for_selector("text=Readers still see the published version")

    status, html, _feed = reader_sees(page, live, live_server.url)
    assert status == 200
    assert OLD_TEXT in html
    assert NEW_TEXT not in html
    assert "Cold therapy trial, 2019." in html

    page.click("input[name=_workflow_submit]")
    page.wait_for_selector("text=for medical review")
    log_in(page, "reviewer")
    change_form(page, live)
    page.click("input[name=_workflow_sign_off]")
    page.wait_for_selector("text=Signed off")
    status, html, _feed = reader_sees(page, live, live_server.url)
    assert status == 200
    assert NEW_TEXT not in html

    log_in(page, "editor")
    change_form(page, live)
    page.click("input[name=_workflow_publish]")
    page.wait_for_selector("text=Published")

    status, html, feed_after = reader_sees(page, live, live_server.url)
    assert status == 200
    assert NEW_TEXT in html
    assert "Heat wrap trial, 2021." in html
    assert "Cold therapy trial" not in html
    assert re.search(r'<time datetime="([^"]+)"', html).group(1) == first_published
    assert "Last updated" in html
    assert feed_after == feed_before
    assert not ArticleDraft.objects.exists()


def test_a_stale_save_is_refused_and_both_people_keep_their_work(
    browser_page, live_server, editor, live
):
    UserFactory(username="colleague", role="Editors", first_name="Ana")
    first = browser_page
    log_in(first, "editor")
    second_context = first.context.browser.new_context(base_url=live_server.url)
    second = second_context.new_page()
    second.set_default_timeout(15_000)
    log_in(second, "colleague")

    change_form(first, live)
    change_form(second, live)
    second.fill("#id_title", "Heat, ice or rest for back pain")
    second.click("input[name=_continue]")
    second.wait_for_selector("text=changed successfully")

    type_in_body(first, " My own addition.")
    first.click("input[name=_continue]")
    first.wait_for_selector(".errornote")
    notice = first.locator(".errorlist.nonfield").inner_text()
    assert "Ana changed the title" in notice
    assert "My own addition." in first.locator(".ck-editor__editable").inner_text()
    second_context.close()

    draft = ArticleDraft.objects.get(article=live)
    assert draft.title == "Heat, ice or rest for back pain"
    assert "My own addition." not in draft.body
    assert Article.objects.get(pk=live.pk).title == "Heat or ice for back pain"


def test_autosave_brings_text_back_after_the_tab_is_closed(browser_page, editor, live):
    page = browser_page
    log_in(page, "editor")
    change_form(page, live)
    type_in_body(page, " Typed before the tab closed.")
    with page.expect_response("**/autosave/") as saved:
        page.evaluate("window.clinicAutosave.now()")
    assert saved.value.status == 200
    warnings = []
    page.on("dialog", lambda dialog: (warnings.append(dialog.type), dialog.accept()))
    context = page.context
    page.close(run_before_unload=True)
    page.wait_for_event("close")
    assert warnings == ["beforeunload"]

    page = context.new_page()
    page.set_default_timeout(15_000)
    change_form(page, live)
    page.click("#autosave-restore")
    page.wait_for_selector(
        ".ck-editor__editable p >> text=Typed before the tab closed."
    )
    page.click("input[name=_continue]")
    page.wait_for_selector("text=changed successfully")
    assert "Typed before the tab closed." in ArticleDraft.objects.get(article=live).body
    assert "Typed before" not in Article.objects.get(pk=live.pk).body
