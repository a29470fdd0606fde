import re
from datetime import timedelta

import pytest
from bs4 import BeautifulSoup
from django.utils import timezone
from pytest_django.asserts import assertContains, assertNotContains, assertRedirects

from comments.models import Comment, DiscussionSettings
from tests.factories import CommentFactory

pytestmark = pytest.mark.django_db


def test_text_is_escaped_with_line_breaks_and_safe_links(client, article):
    CommentFactory(
        article=article,
        body="<script>alert(1)</script>\nSecond line\nSee https://spine.example/guide",
    )
    response = client.get(article.get_absolute_url())
    html = response.content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;<br>Second line<br>" in html
    assert (
        '<a href="https://spine.example/guide" rel="nofollow ugc noopener">'
        "https://spine.example/guide</a>" in html
    )


def test_website_link_is_marked_as_user_content(client, article):
    CommentFactory(article=article, author_name="Ola", author_url="https://ola.example")
    assertContains(
        client.get(article.get_absolute_url()),
        '<a href="https://ola.example" rel="nofollow ugc noopener">Ola</a>',
        html=True,
    )


def test_names_and_addresses_are_escaped_everywhere_they_show(client, article):
    comment = CommentFactory(
        article=article,
        author_name='Ann "<b>" O\'Hara',
        author_url='https://ann.example/?a=1&b="2"',
    )
    html = client.get(article.get_absolute_url()).content.decode()
    soup = BeautifulSoup(html, "html.parser")
    card = soup.find(id=f"comment-{comment.pk}")
    link = card.find("a", rel="nofollow")
    assert link["href"] == 'https://ann.example/?a=1&b="2"'
    assert link.get_text() == 'Ann "<b>" O\'Hara'
    assert card.find("b") is None
    reply = card.find("a", class_="comment__reply")
    assert reply.get_text() == 'Reply to Ann "<b>" O\'Hara'
    form = card.find("form")
    assert form["action"] == f"/comments/{comment.pk}/report/"
    assert card.find("select")["id"] == f"report-reason-{comment.pk}"
    assert card.find("a", class_="comment__date")["href"] == (
        comment.get_absolute_url()
    )


def test_email_is_never_shown(client, article):
    CommentFactory(article=article, author_email="secret.person@mail.example")
    assertNotContains(client.get(article.get_absolute_url()), "secret.person")


def test_only_approved_comments_are_public(client, article):
    for status in Comment.Status.values:
        CommentFactory(article=article, status=status, body=f"Marker {status.upper()}")
    response = client.get(article.get_absolute_url())
    assertContains(response, "Marker APPROVED")
    for hidden in ("PENDING", "SPAM", "TRASH"):
        assertNotContains(response, f"Marker {hidden}")
    heading = BeautifulSoup(response.content, "html.parser").find(id="comments")
    assert re.search(r"(?<!\d)1 comment\b", heading.get_text())


def test_replies_nest_under_their_parent(client, article):
    root = CommentFactory(article=article, body="Root words")
    reply = CommentFactory(article=article, parent=root, body="Reply words")
    CommentFactory(article=article, parent=reply, body="Deeper words")
    html = client.get(article.get_absolute_url()).content.decode()
    root_at = html.index("Root words")
    assert root_at < html.index("Reply words") < html.index("Deeper words")
    assert html.count('class="comment-list comment-list--replies"') == 2


def test_unapproving_a_parent_hides_its_replies(client, article, moderator):
    from comments.services import moderate_comments

    root = CommentFactory(article=article, body="Root words")
    CommentFactory(article=article, parent=root, body="Orphaned reply")
    moderate_comments([root], status=Comment.Status.PENDING, moderator=moderator)
    assertNotContains(client.get(article.get_absolute_url()), "Orphaned reply")


def test_pagination_is_by_thread_and_permalink_finds_the_page(client, article):
    DiscussionSettings.objects.update_or_create(pk=1, defaults={"comments_per_page": 2})
    roots = []
    for n in range(5):
        root = CommentFactory(article=article, body=f"Thread {n} start")
        Comment.objects.filter(pk=root.pk).update(
            created_at=timezone.now() - timezone.timedelta(minutes=10 - n)
        )
        roots.append(root)
    reply = CommentFactory(article=article, parent=roots[4], body="Answer to thread 4")
    first = client.get(article.get_absolute_url()).content.decode()
    assert "Thread 0 start" in first
    assert "Thread 1 start" in first
    assert "Thread 2 start" not in first
    third = client.get(article.get_absolute_url() + "?comments=3").content.decode()
    assert "Thread 4 start" in third
    assert "Answer to thread 4" in third
    assertRedirects(
        client.get(reply.get_absolute_url()),
        f"{article.get_absolute_url()}?comments=3#comment-{reply.pk}",
        fetch_redirect_response=False,
    )


def test_reply_depth_is_enforced_on_the_server(post, article, known_author):
    DiscussionSettings.objects.update_or_create(pk=1, defaults={"thread_depth": 2})
    child = CommentFactory(article=article, parent=known_author)
    response = post(parent=child.pk, body="Too deep")
    assertContains(response, "cannot nest deeper", status_code=400)
    assertContains(response, "Too deep", status_code=400)
    assert not Comment.objects.filter(body="Too deep").exists()


def test_reply_without_javascript_uses_a_link(client, article):
    root = CommentFactory(article=article, author_name="Ola")
    page = client.get(article.get_absolute_url())
    assertContains(page, f'href="?replyto={root.pk}#respond"')
    form = client.get(f"{article.get_absolute_url()}?replyto={root.pk}")
    assertContains(form, "Reply to Ola")
    assertContains(form, f'name="parent" value="{root.pk}"')


def test_staff_reply_shows_name_and_credentials(client, article, reviewer):
    from comments.services import reply_as_clinic

    root = CommentFactory(article=article)
    reply_as_clinic(parent=root, user=reviewer, body="Please see your own doctor.")
    response = client.get(article.get_absolute_url())
    assertContains(response, "Dr. Rosa Quinn")
    assertContains(response, "Clinic team · MD, physiatrist")


@pytest.mark.parametrize("count", [0, 10, 200])
def test_article_page_query_count_is_constant_with_comments(
    client, article, django_assert_num_queries, count
):
    from articles.models import SiteConfiguration

    roots = CommentFactory.create_batch(count // 2, article=article)
    for root in roots:
        CommentFactory(article=article, parent=root)
    SiteConfiguration.load()
    DiscussionSettings.load()
    with django_assert_num_queries(11):
        response = client.get(article.get_absolute_url())
    shown = len(re.findall(r'class="comment[ "]', response.content.decode()))
    assert shown == min(count, 40)


def test_approved_count_is_shown_on_lists(client, article):
    CommentFactory.create_batch(3, article=article)
    CommentFactory(article=article, status=Comment.Status.PENDING)
    response = client.get("/articles/")
    assertContains(response, "3 comments")


def test_replies_read_oldest_first_under_each_comment(client, article):
    root = CommentFactory(article=article, author_name="Root")
    now = timezone.now()
    # Written newest first: the page puts them in the order they were sent.
    for name, minutes in [("Third", 3), ("First", 1), ("Second", 2)]:
        reply = CommentFactory(article=article, parent=root, author_name=name)
        Comment.objects.filter(pk=reply.pk).update(
            created_at=now + timedelta(minutes=minutes)
        )
    html = BeautifulSoup(client.get(article.get_absolute_url()).content, "html.parser")
    names = [tag.get_text(strip=True) for tag in html.select(".comment__author")]
    assert names == ["Root", "First", "Second", "Third"]
