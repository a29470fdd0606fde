import json
import re
from urllib.parse import unquote

import pytest
import time_machine
from bs4 import BeautifulSoup
from django.core import mail
from django.utils import timezone
from pytest_django.asserts import assertContains, assertNotContains

from comments.forms import form_token
from comments.models import Comment, DiscussionSettings, hash_ip
from tests.factories import ArticleFactory, CommentFactory

pytestmark = pytest.mark.django_db


def test_form_shows_every_field_and_the_notice(client, article):
    response = client.get(article.get_absolute_url())
    assertContains(response, "Leave a Comment")
    for label in (
        "Comment",
        "Name",
        "Email",
        "Website",
        "Save my name, email, and website in this browser for the next time I comment.",
        "Email me replies to my comment.",
    ):
        assertContains(response, label)
    soup = BeautifulSoup(response.content, "html.parser")
    text = " ".join(soup.get_text().split())
    assert "Comments are public and are checked by a moderator" in text
    assert "They are not medical advice" in text
    remember = soup.find("input", attrs={"name": "remember"})
    assert remember["type"] == "checkbox"
    assert not remember.has_attr("checked")  # Never ticked for the reader.


def test_first_comment_waits_and_its_writer_sees_it(client, post, article):
    response = post()
    assert response.status_code == 302
    comment = Comment.objects.get()
    assert comment.status == Comment.Status.PENDING
    assert comment.status_reasons == ["new author"]
    assert comment.ip_hash == hash_ip("203.0.113.7")
    assert "203.0.113.7" not in comment.ip_hash
    assert comment.user_agent == "TestBrowser/1.0"
    assert "awaiting=" in response["Location"]
    writer = client.get(response["Location"])
    assertContains(writer, "Walking helped me more than rest.")
    assertContains(writer, "awaiting moderation")
    client.cookies.clear()
    other = client.get(article.get_absolute_url())
    assertNotContains(other, "Walking helped me more than rest.")


def test_known_author_is_published_at_once(client, post, known_author):
    response = post(follow=True)
    comment = Comment.objects.latest("pk")
    assert comment.status == Comment.Status.APPROVED
    assertContains(response, "Walking helped me more than rest.")
    assertContains(response, "your comment is published")


def test_no_cookie_unless_remember_is_ticked(client, post):
    response = post()
    assert "comment_author" not in response.cookies
    with time_machine.travel(timezone.now() + timezone.timedelta(seconds=20)):
        response = post(remember="on", body="Second one.", ip="203.0.113.8")
    saved = json.loads(unquote(response.cookies["comment_author"].value))
    assert saved == {"name": "Maya", "email": "maya@mail.example", "url": ""}


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("Call me on 555-201-7788 please", "a phone number"),
        ("My number is +44 20 7946 0958.", "a phone number"),
        ("Write to me at maya.r@mail.example", "an email address"),
        ("I was born on 12/03/1961 and still run", "a date of birth"),
        ("My MRN 00456789 is in your files", "a medical record number"),
    ],
)
def test_personal_health_data_is_held_with_the_reason(
    client, post, known_author, text, kind
):
    response = post(body=text, follow=True)
    comment = Comment.objects.latest("pk")
    assert comment.status == Comment.Status.PENDING
    assert kind in comment.status_reasons[0]
    assertContains(response, f"seems to contain {kind}")


@pytest.mark.parametrize(
    "text",
    [
        "I had surgery in 2019-2020 and recovered.",
        "It took 6 weeks and 3 days.",
        "Level L4-L5 was treated.",
    ],
)
def test_ordinary_numbers_are_not_personal_data(client, post, known_author, text):
    post(body=text)
    assert Comment.objects.latest("pk").status == Comment.Status.APPROVED


def test_refusals_keep_what_was_typed(client, post):
    response = post(author_email="not-an-email", body="Keep my words")
    assert response.status_code == 400
    assertContains(response, "Keep my words", status_code=400)
    assertContains(response, "Enter a valid email address", status_code=400)
    assert not Comment.objects.exists()


def test_honeypot_refuses_and_stores_nothing(post):
    response = post(homepage="http://spam.example")
    assert response.status_code == 400
    assertContains(response, "could not be accepted", status_code=400)
    assert not Comment.objects.exists()


def test_tampered_token_is_refused(post):
    response = post(token="forged:token")
    assertContains(response, "was changed", status_code=400)
    assert not Comment.objects.exists()


def test_expired_token_is_refused(post, article):
    with time_machine.travel(timezone.now() - timezone.timedelta(hours=2, minutes=1)):
        token = form_token(article.pk)
    response = post(token=token)
    assertContains(response, "expired", status_code=400)
    assert not Comment.objects.exists()


def test_form_sent_too_fast_is_refused(post, settings):
    settings.CLINIC_COMMENT_MIN_SECONDS = 3
    response = post()
    assertContains(response, "very fast", status_code=400)
    assert not Comment.objects.exists()


def test_token_for_another_article_is_refused(post):
    other = ArticleFactory(published=True)
    response = post(token=form_token(other.pk))
    assertContains(response, "another article", status_code=400)


def test_flood_control_answers_429(post):
    post()
    response = post(body="A second thought.", ip="203.0.113.7")
    assert response.status_code == 429
    assertContains(response, "too quickly", status_code=429)
    assertContains(response, "A second thought.", status_code=429)
    assert Comment.objects.count() == 1


def test_flood_control_also_matches_the_email(post):
    post()
    response = post(body="From another network.", ip="198.51.100.9")
    assert response.status_code == 429


def test_readers_behind_a_trusted_proxy_are_told_apart(client, post, settings):
    settings.CLINIC_TRUSTED_PROXIES = ["127.0.0.1"]

    def via_proxy(forwarded, **fields):
        return post(ip="127.0.0.1", headers={"X-Forwarded-For": forwarded}, **fields)

    assert via_proxy("198.51.100.1").status_code == 302
    second = via_proxy(
        "198.51.100.2", body="Another reader.", author_email="lee@mail.example"
    )
    assert second.status_code == 302
    assert [c.ip_hash for c in Comment.objects.order_by("pk")] == [
        hash_ip("198.51.100.1"),
        hash_ip("198.51.100.2"),
    ]
    # A forged left-most entry does not hide the address the proxy saw.
    third = via_proxy(
        "203.0.113.50, 198.51.100.1", body="Third.", author_email="x@mail.example"
    )
    assert third.status_code == 429


def test_forwarded_for_is_ignored_without_a_trusted_proxy(post):
    post(ip="203.0.113.7", headers={"X-Forwarded-For": "198.51.100.77"})
    assert Comment.objects.get().ip_hash == hash_ip("203.0.113.7")


def test_flood_window_passes(post):
    post()
    with time_machine.travel(timezone.now() + timezone.timedelta(seconds=16)):
        response = post(body="Later thought.")
    assert response.status_code == 302
    assert Comment.objects.count() == 2


def test_duplicate_comment_answers_409(post):
    post()
    with time_machine.travel(timezone.now() + timezone.timedelta(seconds=30)):
        response = post(
            ip="198.51.100.20", token=form_token(Comment.objects.get().article_id)
        )
    assert response.status_code == 409
    assertContains(response, "already posted", status_code=409)
    assert Comment.objects.count() == 1


def test_sending_the_same_form_twice_stores_one_comment(post, article):
    token = form_token(article.pk)
    first = post(token=token)
    second = post(token=token)
    assert first.status_code == second.status_code == 302
    assert Comment.objects.count() == 1


def test_cross_site_post_is_refused(client, article):
    response = client.post(
        f"/articles/{article.slug}/comments/",
        {"body": "x"},
        HTTP_ORIGIN="https://evil.example",
    )
    assert response.status_code == 403
    assert not Comment.objects.exists()


def test_closed_article_takes_no_comments(post, article, client):
    article.allow_comments = False
    article.save()
    assertContains(
        client.get(article.get_absolute_url()), "Comments on this article are closed"
    )
    response = post()
    assert response.status_code == 403
    assert not Comment.objects.exists()


def test_comments_close_after_the_configured_days(post, article):
    DiscussionSettings.objects.update_or_create(pk=1, defaults={"close_after_days": 7})
    with time_machine.travel(article.published_at + timezone.timedelta(days=8)):
        response = post()
    assert response.status_code == 403


def test_unpublished_article_takes_no_comments(client):
    draft = ArticleFactory()
    response = client.post(f"/articles/{draft.slug}/comments/", {"body": "x"})
    assert response.status_code == 404


def test_rules_from_discussion_settings(post, known_author):
    DiscussionSettings.objects.update_or_create(
        pk=1,
        defaults={
            "moderation_keywords": "miracle\n",
            "disallowed_keywords": "casino\n203.0.113.99",
            "hold_at_links": 2,
        },
    )
    post(body="A miracle cure!")
    held = Comment.objects.latest("pk")
    assert held.status == Comment.Status.PENDING
    assert held.status_reasons == ["moderation keyword: miracle"]
    with time_machine.travel(timezone.now() + timezone.timedelta(seconds=20)):
        post(body="Visit the CASINO now")
    assert Comment.objects.latest("pk").status == Comment.Status.TRASH
    with time_machine.travel(timezone.now() + timezone.timedelta(seconds=40)):
        post(body="Fine words", ip="203.0.113.99", author_email="b@mail.example")
    assert Comment.objects.latest("pk").status == Comment.Status.TRASH
    with time_machine.travel(timezone.now() + timezone.timedelta(seconds=60)):
        post(body="See https://a.example and https://b.example")
    assert Comment.objects.latest("pk").status_reasons == ["2 links"]


def test_manual_approval_holds_everyone(post, known_author):
    DiscussionSettings.objects.update_or_create(
        pk=1, defaults={"manual_approval": True}
    )
    post()
    assert Comment.objects.latest("pk").status_reasons == [
        "manual approval for all comments"
    ]


def test_held_comment_emails_the_moderators_with_the_count(
    post, moderator, django_capture_on_commit_callbacks
):
    CommentFactory(status=Comment.Status.PENDING)
    with django_capture_on_commit_callbacks(execute=True):
        post()
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [moderator.email]
    assert "Living with sciatica" in message.subject
    assert "2 comments are waiting in all." in message.body
    assert (
        f"/admin/comments/comment/{Comment.objects.latest('pk').pk}/change/"
        in message.body
    )


def test_posting_costs_a_bounded_number_of_queries(post, django_assert_max_num_queries):
    CommentFactory.create_batch(5)
    with django_assert_max_num_queries(12):
        post()


def test_form_posts_from_a_cached_page(client, article, known_author):
    client.get(article.get_absolute_url())
    cached = client.get(article.get_absolute_url())
    assert cached["X-Page-Cache"] == "hit"
    token = re.search(r'name="token" value="([^"]+)"', cached.content.decode()).group(1)
    response = client.post(
        f"/articles/{article.slug}/comments/",
        {
            "body": "Posted from a cached page.",
            "author_name": "Maya",
            "author_email": "maya@mail.example",
            "token": token,
        },
        REMOTE_ADDR="203.0.113.50",
    )
    assert response.status_code == 302
    assert Comment.objects.filter(body="Posted from a cached page.").exists()


def test_approving_a_comment_refreshes_the_cached_page(
    client, article, moderator, django_capture_on_commit_callbacks
):
    from comments.services import moderate_comments

    pending = CommentFactory(article=article, status="pending", body="Now visible")
    assertNotContains(client.get(article.get_absolute_url()), "Now visible")
    with django_capture_on_commit_callbacks(execute=True):
        moderate_comments([pending], status="approved", moderator=moderator)
    assertContains(client.get(article.get_absolute_url()), "Now visible")
