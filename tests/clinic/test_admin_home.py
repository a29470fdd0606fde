"""The admin's home page: each role's panels, their counts and their queries."""

from datetime import timedelta

import pytest
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import escape
from pytest_django.asserts import assertContains, assertNotContains

from articles import services
from articles.hub.models import Backlink, LinkCheck
from articles.models import Article, SiteConfiguration
from clinic.home import SHOWN, home_panels
from comments.models import Comment, Flag
from tests.factories import ArticleFactory, CommentFactory, PersonFactory

pytestmark = pytest.mark.django_db


def draft_by(user, **kwargs):
    """An article whose last change `user` made."""
    article = ArticleFactory(**kwargs)
    Article.objects.filter(pk=article.pk).update(content_changed_by=user)
    article.refresh_from_db()
    return article


def panels(user):
    return {panel.key: panel for panel in home_panels(user)}


def titles(panel):
    return [row.label for row in panel.rows]


def test_an_editor_sees_their_drafts_what_came_back_and_the_schedule(editor, reviewer):
    mine = [draft_by(editor, title=f"Mine {n}") for n in range(SHOWN + 2)]
    draft_by(reviewer, title="Someone else's")
    # A live article whose pending changes the editor made: listed by the
    # draft's title.
    live = ArticleFactory(published=True, title="Live title")
    services.save_version(article=live, content={"title": "Draft title"}, user=editor)
    returned = mine[0]
    services.submit_for_review(article=returned, user=editor)
    services.send_back(
        article=returned, user=reviewer, notes="Cite the 2023 guideline."
    )
    scheduled = ArticleFactory(signed_off=True, title="Goes out on Monday")
    Article.objects.filter(pk=scheduled.pk).update(
        publish_at=timezone.now() + timedelta(days=3)
    )

    found = panels(editor)

    assert found["drafts"].count == SHOWN + 2  # Six of "Mine", and the draft.
    assert len(found["drafts"].rows) == SHOWN
    assert "Draft title" in titles(found["drafts"])
    assert "Someone else's" not in titles(found["drafts"])
    assert "Mine 0" not in titles(found["drafts"])
    assert found["sent-back"].count == 1
    assert found["sent-back"].rows[0].label == "Mine 0"
    assert found["sent-back"].rows[0].note == "Cite the 2023 guideline."
    assert titles(found["scheduled"]) == ["Goes out on Monday"]
    # Editors have no reviewer's or moderator's panels.
    assert "awaiting-review" not in found
    assert "pending-comments" not in found


def test_an_authors_untouched_draft_is_theirs(editor):
    person = PersonFactory(user=editor)
    ArticleFactory(title="Written for Elena", author=person)
    assert titles(panels(editor)["drafts"]) == ["Written for Elena"]


def test_a_reviewer_sees_what_waits_and_which_reviews_fall_due(reviewer):
    waiting = ArticleFactory(in_review=True, title="Please check")
    ArticleFactory(signed_off=True, title="Already signed")
    today = timezone.localdate()
    overdue = ArticleFactory(published=True, title="Past due")
    soon = ArticleFactory(published=True, title="Due in a fortnight")
    later = ArticleFactory(published=True, title="Due next year")
    Article.objects.filter(pk=overdue.pk).update(
        next_review_at=today - timedelta(days=1)
    )
    Article.objects.filter(pk=soon.pk).update(next_review_at=today + timedelta(days=14))
    Article.objects.filter(pk=later.pk).update(
        next_review_at=today + timedelta(days=200)
    )

    found = panels(reviewer)

    assert titles(found["awaiting-review"]) == [waiting.title]
    assert titles(found["review-overdue"]) == ["Past due"]
    assert titles(found["review-due"]) == ["Due in a fortnight"]
    assert found["review-due"].rows[0].note.startswith("due ")


def test_a_moderator_sees_held_and_reported_comments_once_each(moderator):
    CommentFactory.create_batch(3, status=Comment.Status.PENDING)
    CommentFactory(status=Comment.Status.SPAM)
    reported = CommentFactory(author_name="Reported twice")
    Flag.objects.create(comment=reported, reporter="a", reason=Flag.Reason.SPAM)
    Flag.objects.create(comment=reported, reporter="b", reason=Flag.Reason.ABUSE)

    found = panels(moderator)

    assert set(found) == {"pending-comments", "reported-comments"}
    assert found["pending-comments"].count == 3
    assert found["reported-comments"].count == 1
    assert found["reported-comments"].rows[0].label.startswith("Reported twice on ")


def test_link_panels_count_broken_links_and_backlinks_to_approve(editor):
    article = ArticleFactory(published=True)
    LinkCheck.objects.create(
        url="https://gone.example/", status=LinkCheck.Status.BROKEN
    )
    LinkCheck.objects.create(
        url="https://fine-by-hand.example/",
        status=LinkCheck.Status.BROKEN,
        is_ignored=True,
    )
    Backlink.objects.create(
        source_url="https://new.example/post",
        target_article=article,
        referring_domain="new.example",
        status=Backlink.Status.VERIFIED,
    )
    Backlink.objects.create(
        source_url="https://shown.example/post",
        target_article=article,
        referring_domain="shown.example",
        status=Backlink.Status.VERIFIED,
        is_approved=True,
    )

    found = panels(editor)

    assert titles(found["broken-links"]) == ["https://gone.example/"]
    assert titles(found["backlinks-awaiting"]) == ["new.example"]


@pytest.mark.parametrize("rows", [1, SHOWN + 3])
def test_each_panel_is_one_query(
    editor, reviewer, moderator, rows, django_assert_num_queries
):
    for _ in range(rows):
        draft_by(editor)
        ArticleFactory(in_review=True)
        CommentFactory(status=Comment.Status.PENDING)
    admin = type(editor).objects.create_superuser("root", "", "pw-for-tests-1")
    # The permission checks read each user's groups once, before the panels.
    for user in (editor, reviewer, moderator, admin):
        user.has_perm("articles.change_article")
    SiteConfiguration.load()  # As after the site's first page.
    # The reading-level panel also reads the target grade and counts the
    # graded articles (none here: the middle one is read in its own test).
    for user, panels, queries in (
        (editor, 6, 8),
        (reviewer, 9, 11),
        (moderator, 2, 2),
        (admin, 11, 13),
    ):
        with django_assert_num_queries(queries):
            assert len(home_panels(user)) == panels


def test_the_home_page_shows_the_panels_above_every_section(editor_client, editor):
    draft_by(editor, title="My first draft")
    page = editor_client.get("/admin/")
    assertContains(page, "Your drafts")
    assertContains(page, "My first draft")
    assertContains(page, "All sections")
    assertContains(page, "/admin/articles/article/")  # The model list stays.
    assertContains(page, "Open the Backlinks Hub dashboard")
    assertNotContains(page, "Comments awaiting moderation")


def test_the_admin_carries_the_clinics_name(editor_client, settings):
    page = editor_client.get("/admin/")
    name = escape(settings.CLINIC_NAME)
    assertContains(page, f"<title>Home | {name}</title>")
    assertContains(page, f'<a href="/admin/">{name}</a>')
    assertNotContains(page, "Django administration")


def test_a_panels_links_open_filtered_lists(reviewer_client, reviewer):
    ArticleFactory(published=True, title="Due soon")
    Article.objects.update(next_review_at=timezone.localdate() + timedelta(days=3))
    page = reviewer_client.get("/admin/")
    panel = {p.key: p for p in page.context["panels"]}["review-due"]
    listed = reviewer_client.get(panel.url)
    assert listed.status_code == 200
    assert [a.title for a in listed.context["cl"].result_list] == ["Due soon"]


def test_a_live_article_being_updated_keeps_its_review_date_on_the_home(
    reviewer, editor
):
    overdue = ArticleFactory(published=True, title="Old advice")
    Article.objects.filter(pk=overdue.pk).update(
        next_review_at=timezone.localdate() - timedelta(days=2)
    )
    overdue.refresh_from_db()
    # The editor starts updating it: the working version is now a draft.
    services.save_version(article=overdue, content={"title": "New advice"}, user=editor)
    found = panels(reviewer)
    (row,) = found["review-overdue"].rows
    assert row.label == "New advice"
    assert row.note == "due " + date_format(overdue.next_review_at, "DATE_FORMAT")


def test_a_colleagues_change_to_my_article_is_not_my_draft(editor, reviewer):
    person = PersonFactory(user=editor)
    theirs = ArticleFactory(title="Changed by the reviewer", author=person)
    Article.objects.filter(pk=theirs.pk).update(content_changed_by=reviewer)
    ArticleFactory(title="Mine untouched", author=person)
    assert titles(panels(editor)["drafts"]) == ["Mine untouched"]


def test_sent_back_notes_cost_no_query_per_row(
    editor, reviewer, django_assert_num_queries
):
    for n in range(4):
        article = draft_by(editor, title=f"Returned {n}")
        services.submit_for_review(article=article, user=editor)
        services.send_back(article=article, user=reviewer, notes=f"Fix {n}.")
    editor.has_perm("articles.change_article")
    with django_assert_num_queries(3):
        from articles.home import editor_panels

        found = {panel.key: panel for panel in editor_panels(editor)}
    assert sorted(row.note for row in found["sent-back"].rows) == [
        f"Fix {n}." for n in range(4)
    ]


def test_the_schedule_lists_the_soonest_first_drafts_of_live_articles_included(editor):
    later = ArticleFactory(signed_off=True, title="New article in three days")
    Article.objects.filter(pk=later.pk).update(
        publish_at=timezone.now() + timedelta(days=3)
    )
    live = ArticleFactory(published=True, title="Live")
    services.save_version(
        article=live,
        content={"title": "Update tomorrow"},
        navigation={"publish_at": timezone.now() + timedelta(days=1)},
        user=editor,
    )
    assert titles(panels(editor)["scheduled"]) == [
        "Update tomorrow",
        "New article in three days",
    ]


def test_see_all_lists_the_drafts_of_live_articles_too(editor_client, editor):
    live = ArticleFactory(published=True, title="Live")
    services.save_version(article=live, content={"title": "Its draft"}, user=editor)
    draft_by(editor, title="A new one")
    page = editor_client.get("/admin/")
    panel = {p.key: p for p in page.context["panels"]}["drafts"]
    listed = editor_client.get(panel.url)
    assert listed.status_code == 200
    assert {a.pk for a in listed.context["cl"].result_list} == {
        live.pk,
        Article.objects.get(title="A new one").pk,
    }
