import pytest

from comments.models import Comment
from tests.factories import ArticleFactory, CommentFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def article(settings):
    settings.CLINIC_PAGE_CACHE_SECONDS = 0
    # The reader's reply follows their first comment within seconds.
    settings.CLINIC_COMMENT_FLOOD_SECONDS = 0
    return ArticleFactory(published=True, title="Recovering after kyphoplasty")


def fill_comment(page, body, name="Maya", email="maya@mail.example"):
    page.fill("#id_body", body)
    page.fill("#id_author_name", name)
    page.fill("#id_author_email", email)


def approve_in_admin(page, comments):
    """Log in as the moderator in a separate browser and approve `comments`."""
    context = page.context.browser.new_context(base_url=page.url.split("/articles")[0])
    mod = context.new_page()
    mod.goto("/admin/login/")
    mod.fill("#id_username", "moderator")
    mod.fill("#id_password", "pw-for-tests-1")
    mod.click("input[type=submit]")
    mod.goto("/admin/comments/comment/?status=pending")
    for comment in comments:
        mod.check(f"input[name=_selected_action][value='{comment.pk}']")
    mod.select_option("select[name=action]", "approve")
    mod.click("button[name=index]")
    mod.wait_for_selector(f"text={len(comments)} comments approved.")
    context.close()


def test_reader_comments_moderator_approves_reader_sees_thread(
    browser_page, article, moderator
):
    page = browser_page
    other = CommentFactory(article=article, author_name="Ola", body="Day three now.")
    page.goto(article.get_absolute_url())
    fill_comment(page, "Can I drive a week after the procedure?")
    page.check("#id_notify_replies")
    page.click("text=Post Comment")
    page.wait_for_selector(".comment--pending >> text=awaiting moderation")
    question = Comment.objects.get(author_name="Maya")
    assert question.status == Comment.Status.PENDING
    assert question.notify_replies

    page.click(f"#comment-{other.pk} >> text=Reply to Ola")
    page.wait_for_selector("text=Cancel reply")
    fill_comment(page, "Good luck, Ola. When can you swim again?")
    page.click("text=Post Comment")
    page.wait_for_selector(".comment--pending >> text=When can you swim")
    reply = Comment.objects.get(parent=other)
    assert reply.status == Comment.Status.PENDING

    # Nobody else sees either comment yet.
    page.context.clear_cookies()
    page.goto(article.get_absolute_url())
    assert "Can I drive" not in page.content()
    assert "When can you swim" not in page.content()

    approve_in_admin(page, [question, reply])

    page.goto(article.get_absolute_url())
    assert "Can I drive a week" in page.locator(f"#comment-{question.pk}").inner_text()
    thread = page.locator(f"#comment-{other.pk} .comment-list--replies")
    assert "When can you swim" in thread.inner_text()
    assert page.locator(".comment--pending").count() == 0


def test_comment_with_a_phone_number_is_held_with_its_reason(browser_page, article):
    page = browser_page
    page.goto(article.get_absolute_url())
    fill_comment(page, "Please ring me on 555-201-7788 about my results.")
    page.click("text=Post Comment")
    page.wait_for_selector("text=seems to contain a phone number")
    comment = Comment.objects.get()
    assert comment.status == Comment.Status.PENDING
    assert "personal health data: a phone number" in comment.status_reasons


def test_remembered_details_fill_the_form_from_a_cached_page(
    browser_page, article, settings
):
    settings.CLINIC_PAGE_CACHE_SECONDS = 600
    page = browser_page
    page.goto(article.get_absolute_url())
    fill_comment(page, "First visit here.")
    page.check("#id_remember")
    page.click("text=Post Comment")
    page.wait_for_selector("text=awaiting moderation")
    page.goto(article.get_absolute_url())
    assert page.input_value("#id_author_name") == "Maya"
    assert page.input_value("#id_author_email") == "maya@mail.example"
    assert page.is_checked("#id_remember")
