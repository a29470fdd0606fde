"""A reader's privacy request and a held comment, in Chromium."""

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from comments.models import Comment
from tests.factories import ArticleFactory, CommentFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def article(settings, standard_pages):
    settings.CLINIC_PAGE_CACHE_SECONDS = 0
    settings.CLINIC_COMMENT_MIN_SECONDS = 0
    return ArticleFactory(published=True, title="Bracing after a fracture")


def test_a_reader_erases_their_data_from_the_site(browser_page, article, tmp_path):
    page = browser_page
    CommentFactory(
        article=article,
        author_name="Pat Lindqvist",
        author_email="pat@mail.example",
        body="My brace rubs; call me on 555-867-5309.",
    )
    page.goto("/privacy/")
    page.click("text=Ask for your data or its erasure")
    page.fill("#id_email", "pat@mail.example")
    page.check("text=Erase everything stored about me")
    page.click("text=Send me the link")
    page.wait_for_selector("text=We have sent a link to pat@mail.example")
    (message,) = mail.outbox
    link = re.search(
        r"https?://[^/\s]+(/privacy/your-data/confirm/\S+/)", message.body
    )[1]
    page.goto(link)
    page.screenshot(path=tmp_path / "confirm.png")
    page.click("text=Yes, erase my data")
    page.wait_for_selector("text=is erased (1 comment)")
    page.goto(article.get_absolute_url())
    page.wait_for_selector("text=removed at its writer's request")
    text = page.inner_text("body")
    assert "555-867-5309" not in text
    assert "Lindqvist" not in text
    assert Comment.objects.get().author_email == ""


def test_a_held_comment_is_not_shown_to_another_browser_with_its_link(
    browser_page, article
):
    page = browser_page
    page.goto(article.get_absolute_url())
    page.fill("#id_body", "My record number is MRN 448812, is that normal?")
    page.fill("#id_author_name", "Maya")
    page.fill("#id_author_email", "maya@mail.example")
    page.click("text=Post Comment")
    page.wait_for_selector(".comment--pending >> text=MRN 448812")
    page.wait_for_selector("text=A moderator reads every held comment")
    link = page.url
    other = page.context.browser.new_context().new_page()
    other.goto(link)
    other.wait_for_selector("text=Leave a Comment")
    assert "MRN 448812" not in other.inner_text("body")


def test_a_refused_comment_opens_at_the_form_with_the_error(browser_page, article):
    page = browser_page
    page.set_viewport_size({"width": 1000, "height": 700})
    page.goto(article.get_absolute_url())
    page.fill("#id_body", "Keep these words, please.")
    page.fill("#id_author_email", "maya@mail.example")
    page.click("text=Post Comment")
    alert = page.wait_for_selector(".comment-form__errors[role=alert]")
    assert "Tell us what to call you" in alert.inner_text()
    assert page.url.endswith("#respond")
    assert page.input_value("#id_body") == "Keep these words, please."
    # The form is scrolled into view, not left 5,000 pixels below.
    expect(page.locator("#respond")).to_be_in_viewport()
