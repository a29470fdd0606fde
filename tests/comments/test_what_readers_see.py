"""
What a moderator, an import or an erasure changes in a comment is what
readers see; held comments are their writer's alone.
"""

import pytest
from django.test import Client
from pytest_django.asserts import assertContains, assertNotContains
from reversion.models import Version

from comments import services
from comments.models import Comment, DiscussionSettings
from tests.factories import CommentFactory
from tests.helpers import comment_form_data

pytestmark = pytest.mark.django_db

PHONE = "555-867-5309"


@pytest.fixture
def leaky(article):
    return CommentFactory(
        article=article,
        author_name="Maya Phone 5558675309",
        author_url="https://maya.example/555",
        body=f"Call me on {PHONE}, my DOB is 03/04/1950.",
    )


@pytest.mark.parametrize(
    ("field", "old", "new"),
    [
        ("body", "1950", "Call the clinic, not me."),
        ("author_name", "Maya Phone 5558675309", "Maya P."),
        ("author_url", "https://maya.example/555", "https://maya.example/blog"),
    ],
)
def test_a_moderators_edit_in_the_admin_is_what_readers_see(
    moderator_client, article, leaky, field, old, new
):
    url = f"/admin/comments/comment/{leaky.pk}/change/"
    response = moderator_client.post(url, comment_form_data(leaky, **{field: new}))
    assert response.status_code == 302
    page = Client().get(article.get_absolute_url())
    assertContains(page, new)
    assertNotContains(page, old)
    assertContains(page, "Edited by the clinic.")
    assert Version.objects.get_for_object(leaky).count() == 1


def test_the_edit_service_saves_what_the_page_shows(article, leaky, moderator):
    leaky.body = "Redacted by the clinic."
    services.edit_comment(comment=leaky, editor=moderator, fields=["body"])
    page = Client().get(article.get_absolute_url())
    assertContains(page, "Redacted by the clinic.")
    assertNotContains(page, PHONE)


def test_saving_the_body_alone_keeps_the_shown_text_in_step(leaky):
    leaky.body = "Only this."
    leaky.save(update_fields=["body"])
    leaky.refresh_from_db()
    assert leaky.body_html == "Only this."


def test_a_held_comment_shows_only_in_the_browser_that_sent_it(client, post, article):
    response = post(body="My record number is MRN 448812.")
    link = response["Location"]
    writer = client.get(link)
    assertContains(writer, "MRN 448812")
    assertContains(writer, "A moderator reads every held comment")
    assert "no-store" in writer["Cache-Control"]
    stranger = Client().get(link)
    assert stranger.status_code == 200
    assertNotContains(stranger, "MRN 448812")
    # A forged cookie is no key either.
    forger = Client()
    forger.cookies["comments_awaiting"] = str(Comment.objects.get().pk)
    assertNotContains(forger.get(link), "MRN 448812")


def test_one_address_is_one_link(post, known_author):
    DiscussionSettings.objects.update_or_create(pk=1, defaults={"hold_at_links": 2})
    post(body="This helped: https://www.spine.example/exercises")
    assert Comment.objects.latest("pk").status == Comment.Status.APPROVED
    post(
        body="Two: https://a.example and www.b.example",
        ip="203.0.113.99",
        author_email="other@mail.example",
    )
    held = Comment.objects.latest("pk")
    assert held.status == Comment.Status.PENDING
    assert "2 links" in held.status_reasons
    # Addresses without http:// are links on the page too.
    post(
        body="Cheap at pills.com and meds.net/buy",
        ip="203.0.113.98",
        author_email="third@mail.example",
    )
    held = Comment.objects.latest("pk")
    assert "2 links" in held.status_reasons


def test_a_refused_post_opens_at_the_form_with_the_error_and_the_text(
    client, post, article
):
    page = client.get(article.get_absolute_url())
    assertContains(page, f'action="/articles/{article.slug}/comments/#respond"')
    response = post(author_name="", body="Please keep these words.")
    assert response.status_code == 400
    assertContains(response, "Please keep these words.", status_code=400)
    assertContains(response, 'role="alert"', status_code=400)
    assertContains(response, "Tell us what to call you.", status_code=400)


def test_every_page_gives_one_comment_count(client, article):
    first = CommentFactory(article=article)
    CommentFactory(article=article, parent=first)
    CommentFactory(article=article)
    CommentFactory(article=article, status=Comment.Status.PENDING)
    page = client.get(article.get_absolute_url())
    assertContains(page, "3 comments")
    listing = client.get("/articles/")
    assertContains(listing, "3 comments")


def test_imported_wordpress_markup_is_kept_sanitized(client, article):
    CommentFactory(
        article=article,
        wordpress_id=77,
        body='<strong>Great</strong> read, see <a href="https://x.example" '
        'onclick="steal()">this</a><script>alert(1)</script>\nThanks',
    )
    page = client.get(article.get_absolute_url())
    assertContains(page, "<strong>Great</strong>", html=False)
    assertContains(page, 'rel="nofollow ugc noopener"')
    assertNotContains(page, "&lt;strong&gt;")
    assertNotContains(page, "steal()")
    assertNotContains(page, "<script>alert(1)")
