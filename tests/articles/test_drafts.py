"""
A live article keeps serving its signed-off version while its next version
is written, reviewed and published.
"""

from datetime import timedelta

import feedparser
import pytest
import time_machine
from django.core import mail
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone
from pytest_django.asserts import assertContains, assertNotContains
from reversion.models import Version

from articles import services
from articles.models import Article, ArticleDraft, Autosave
from tests.factories import (
    ArticleFactory,
    ImageFactory,
    PersonFactory,
    ReferenceFactory,
    UserFactory,
)
from tests.helpers import change_url, form_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def live(reviewer):
    """A published article with a reference, signed off by Dr. Rosa Quinn."""
    article = ArticleFactory(
        title="Heat or ice for back pain",
        body="<p>Ice helps in the first two days.</p>",
    )
    ReferenceFactory(article=article, citation="Cold therapy trial, 2019.")
    services.record_submission(article=article)
    services.record_sign_off(article=article, reviewer=reviewer.person)
    services.record_publication(article=article, at=timezone.now() - timedelta(days=30))
    return Article.objects.get(pk=article.pk)


def test_editing_a_live_article_keeps_readers_on_the_published_version(
    editor_client, live
):
    response = editor_client.post(
        change_url(live),
        form_data(live, body="<p>Heat helps after the first two days.</p>"),
        follow=True,
    )
    assertContains(response, "Readers still see the published version")
    readers = Client()
    page = readers.get(live.get_absolute_url())
    assert page.status_code == 200
    assertContains(page, "Ice helps in the first two days.")
    assertNotContains(page, "Heat helps")
    assertContains(readers.get("/articles/"), "Heat or ice for back pain")
    live.refresh_from_db()
    assert live.status == Article.Status.PUBLISHED
    assert live.has_current_sign_off
    assert live.draft.body == "<p>Heat helps after the first two days.</p>"


def test_the_change_form_shows_the_draft_and_what_changed(editor_client, live):
    editor_client.post(
        change_url(live), form_data(live, body="<p>Ice helps in the first day.</p>")
    )
    response = editor_client.get(change_url(live))
    assertContains(response, "Unpublished changes")
    assertContains(response, "<del>two days.</del><ins>day.</ins>", html=False)
    assertContains(response, "Ice helps in the first day.")  # In the form.
    assertContains(response, "Preview the draft")
    preview = editor_client.get(f"/preview/{live.pk}/")
    assertContains(preview, "Preview of unpublished changes")
    assertContains(preview, "Ice helps in the first day.")


def test_whole_cycle_publishes_the_draft_with_dates_readers_can_trust(
    editor, editor_client, reviewer, live, client
):
    first_published = live.published_at
    other = ArticleFactory(published=True, title="Walking after surgery")
    editor_client.post(
        change_url(live),
        form_data(
            live,
            body="<p>Heat helps after the first two days.</p>",
            **{"references-0-citation": "Heat wrap trial, 2021."},
        ),
    )
    live.refresh_from_db()
    services.submit_for_review(article=live, user=editor)
    services.sign_off_article(article=live, user=reviewer)
    assertContains(client.get(live.get_absolute_url()), "Ice helps")
    with time_machine.travel(timezone.now() + timedelta(days=2)):
        services.publish_article(article=live, user=editor)
        live.refresh_from_db()
        page = client.get(live.get_absolute_url())
    assertContains(page, "Heat helps after the first two days.")
    assertContains(page, "Heat wrap trial, 2021.")
    assertNotContains(page, "Cold therapy trial")
    assertContains(page, "Last updated")
    assert live.published_at == first_published
    assert live.revised_at > first_published
    assert not ArticleDraft.objects.exists()
    # Feeds keep the first publication order and say when it was updated.
    rss = feedparser.parse(client.get("/feeds/rss/").content)
    assert [entry.title for entry in rss.entries] == [
        "Walking after surgery",
        "Heat or ice for back pain",
    ]
    atom = feedparser.parse(client.get("/feeds/atom/").content)
    updated = {entry.title: entry.updated for entry in atom.entries}
    assert updated["Heat or ice for back pain"].startswith(
        live.revised_at.date().isoformat()
    )
    assert other.published_at > live.published_at


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("title", "Ice for back pain"),
        ("summary", "A new summary."),
        ("body", "<p>Other words.</p>"),
        ("seo_title", "Ice or heat?"),
        ("meta_description", "When to use ice."),
        ("featured_image_alt", "A cold pack on a lower back"),
        ("references-0-citation", "Another trial, 2024."),
        ("references-0-url", "https://journal.example/trial"),
    ],
)
def test_each_medical_field_needs_a_new_sign_off(editor_client, live, field, value):
    editor_client.post(change_url(live), form_data(live, **{field: value}))
    live.refresh_from_db()
    assert live.has_current_sign_off  # The live version is untouched.
    assert not live.draft.has_current_sign_off
    assert live.draft.status == ArticleDraft.Status.DRAFT


@pytest.mark.parametrize(
    ("field", "value", "shown"),
    [
        ("title", "Ice for back pain", 'article__title">Ice for back pain</h1>'),
        ("summary", "Cold first, then warmth.", "Cold first, then warmth."),
        ("body", "<p>Other words entirely.</p>", "Other words entirely."),
        ("seo_title", "Ice or heat, and when", "Ice or heat, and when · "),
        ("meta_description", "When ice helps a back.", "When ice helps a back."),
    ],
)
def test_each_text_field_saved_in_the_admin_reaches_the_page_once_published(
    editor,
    editor_client,
    reviewer,
    live,
    client,
    field,
    value,
    shown,
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        editor_client.post(change_url(live), form_data(live, **{field: value}))
    assertNotContains(client.get(live.get_absolute_url()), shown, html=False)
    live = Article.objects.get(pk=live.pk)
    with django_capture_on_commit_callbacks(execute=True):
        services.submit_for_review(article=live, user=editor)
        services.sign_off_article(article=live, user=reviewer)
        services.publish_article(article=live, user=editor)
    page = client.get(live.get_absolute_url())
    assertContains(page, shown)


def test_saving_some_fields_of_a_draft_saves_what_they_decide(editor, live):
    services.save_version(article=live, content={"title": "Draft title"}, user=editor)
    draft = ArticleDraft.objects.get(article=live)
    services.record_sign_off(article=live, reviewer=PersonFactory(can_sign_off=True))
    draft.refresh_from_db()
    assert draft.has_current_sign_off
    draft.body = "<p>Changed   behind the form.</p>"
    draft.save(update_fields=["body"])
    draft.refresh_from_db()
    assert draft.body == "<p>Changed behind the form.</p>"
    assert not draft.has_current_sign_off
    assert draft.reviewed_by is None


def test_a_sign_off_saved_alone_sets_the_next_review(live, reviewer):
    live.last_reviewed = live.last_reviewed - timedelta(days=400)
    live.save(update_fields=["last_reviewed"])
    live.refresh_from_db()
    assert live.next_review_at.year == live.last_reviewed.year + 1


def test_a_new_featured_image_needs_a_new_sign_off(editor_client, live):
    image = ImageFactory()
    data = form_data(live, featured_image=image.pk, featured_image_alt="A cold pack")
    editor_client.post(change_url(live), data)
    live.refresh_from_db()
    assert live.featured_image is None
    assert live.draft.featured_image == image
    assert not live.draft.has_current_sign_off


@pytest.mark.parametrize(
    ("field", "value", "check"),
    [
        ("slug", "heat-or-ice", lambda a: a.slug == "heat-or-ice"),
        ("is_featured", "on", lambda a: a.is_featured),
        ("allow_comments", "", lambda a: not a.allow_comments),
        ("review_interval_months", 6, lambda a: a.review_interval_months == 6),
    ],
)
def test_navigation_changes_go_live_at_once(editor_client, live, field, value, check):
    editor_client.post(change_url(live), form_data(live, **{field: value}))
    live.refresh_from_db()
    assert check(live)
    assert live.has_current_sign_off
    assert live.status == Article.Status.PUBLISHED
    assert not ArticleDraft.objects.filter(article=live).exists()


def test_category_and_tags_go_live_at_once(editor_client, live):
    from tests.factories import CategoryFactory, TagFactory

    category, tag = CategoryFactory(), TagFactory()
    data = form_data(live, category=category.pk, tags=[tag.pk])
    editor_client.post(change_url(live), data)
    live.refresh_from_db()
    assert live.category == category
    assert list(live.tags.all()) == [tag]
    assert live.has_current_sign_off
    assert not ArticleDraft.objects.filter(article=live).exists()


def test_a_later_change_to_the_reviewer_does_not_rewrite_past_sign_offs(
    client, reviewer, live
):
    person = reviewer.person
    person.credentials = "MD, PhD, Chief of Neurosurgery"
    person.save()
    page = client.get(live.get_absolute_url())
    assertContains(page, "Medically reviewed by Dr. Rosa Quinn, MD, physiatrist")
    assertNotContains(page, "Chief of Neurosurgery")


def test_saving_without_changes_keeps_the_sign_off_and_makes_no_draft(
    editor_client, live
):
    editor_client.post(change_url(live), form_data(live))
    live.refresh_from_db()
    assert live.has_current_sign_off
    assert not live.working_version().content_changed_fields


def test_the_last_editor_cannot_sign_off_their_own_change(live, reviewer):
    services.save_version(article=live, content={"summary": "Shorter."}, user=reviewer)
    services.submit_for_review(article=live, user=reviewer)
    with pytest.raises(ValidationError, match="another medical reviewer"):
        services.sign_off_article(article=live, user=reviewer)


def test_without_four_eyes_a_self_sign_off_says_so(live, reviewer, settings):
    settings.CLINIC_REVIEW_FOUR_EYES = False
    services.save_version(article=live, content={"summary": "Shorter."}, user=reviewer)
    services.sign_off_article(article=live, user=reviewer)
    draft = ArticleDraft.objects.get(article=live)
    assert draft.has_current_sign_off
    assert draft.reviewed_own_edit
    newest = Version.objects.get_for_object(draft).first()
    assert "own editor" in newest.revision.comment


def test_a_reviewer_sends_a_version_back_with_notes(
    editor, editor_client, reviewer, live, django_capture_on_commit_callbacks
):
    services.save_version(article=live, content={"summary": "Shorter."}, user=editor)
    services.submit_for_review(article=live, user=editor)
    with django_capture_on_commit_callbacks(execute=True):
        services.send_back(article=live, user=reviewer, notes="Cite the 2021 trial.")
    draft = ArticleDraft.objects.get(article=live)
    assert draft.status == ArticleDraft.Status.DRAFT
    assert mail.outbox[-1].to == [editor.email]
    assert "Cite the 2021 trial." in mail.outbox[-1].body
    assertContains(editor_client.get(change_url(live)), "Cite the 2021 trial.")
    with pytest.raises(ValidationError, match="Write what the editor"):
        services.send_back(article=live, user=reviewer, notes="  ")


def test_discarding_the_draft_leaves_the_live_version(editor, live):
    services.save_version(article=live, content={"summary": "Shorter."}, user=editor)
    services.discard_draft(article=live, user=editor)
    live.refresh_from_db()
    assert not ArticleDraft.objects.exists()
    assert live.summary != "Shorter."
    assert live.has_current_sign_off


def test_a_new_version_can_be_scheduled(editor, reviewer, live):
    when = timezone.now() + timedelta(days=3)
    services.save_version(
        article=live,
        content={"body": "<p>New advice.</p>"},
        navigation={"publish_at": when},
        user=editor,
    )
    services.submit_for_review(article=live, user=editor)
    services.sign_off_article(article=live, user=reviewer)
    services.publish_article(article=live, user=editor)
    live.refresh_from_db()
    assert live.draft.publish_at == when
    assert "New advice" not in live.body
    assert services.publish_due_articles() == 0
    with time_machine.travel(when + timedelta(minutes=1)):
        assert services.publish_due_articles() == 1
    live.refresh_from_db()
    assert live.body == "<p>New advice.</p>"
    assert live.revised_at == when


def test_an_article_is_unpublished_when_it_expires(client, live):
    live.unpublish_at = timezone.now() + timedelta(hours=1)
    live.save(update_fields=["unpublish_at"])
    assert client.get(live.get_absolute_url()).status_code == 200
    with time_machine.travel(live.unpublish_at + timedelta(minutes=1)):
        assert client.get(live.get_absolute_url()).status_code == 404
        assert services.publish_due_articles() == 1
    live.refresh_from_db()
    assert live.status == Article.Status.DRAFT
    assert live.unpublish_at is None


def test_a_stale_save_is_refused_and_keeps_both_texts(editor, editor_client, live):
    opened = form_data(live, body="<p>My change.</p>")
    other = UserFactory(username="colleague", role="Editors", first_name="Ana")
    services.save_version(article=live, content={"title": "Their title"}, user=other)
    response = editor_client.post(change_url(live), opened)
    assert response.status_code == 200
    assertContains(response, "Ana changed the title")
    assertContains(response, "My change.")  # Still in the form.
    draft = ArticleDraft.objects.get(article=live)
    assert draft.title == "Their title"
    assert draft.body != "<p>My change.</p>"


def test_autosave_keeps_text_without_touching_any_version(editor_client, live):
    url = f"/admin/articles/article/{live.pk}/autosave/"
    response = editor_client.post(url, {"title": live.title, "body": "<p>Typed.</p>"})
    assert response.status_code == 200
    assert Autosave.objects.get().content["body"] == "<p>Typed.</p>"
    assert not ArticleDraft.objects.exists()
    live.refresh_from_db()
    assert live.has_current_sign_off
    page = editor_client.get(change_url(live))
    assertContains(page, "You have unsaved text from")
    editor_client.post(change_url(live), form_data(live, body="<p>Typed.</p>"))
    assert not Autosave.objects.exists()


def test_a_save_that_does_not_say_what_was_opened_is_refused(editor_client, live):
    data = form_data(live, body="<p>Posted by a script.</p>")
    del data["opened_version"]
    response = editor_client.post(change_url(live), data)
    assertContains(response, "does not say which version of the article you opened")
    assertContains(response, "Posted by a script.")
    assert not ArticleDraft.objects.exists()


def test_restored_autosave_text_does_not_overwrite_a_later_save(
    editor, editor_client, live
):
    opened = services.edit_token(live)
    url = f"/admin/articles/article/{live.pk}/autosave/"
    editor_client.post(
        url, {"title": live.title, "body": "<p>Mine.</p>", "opened_version": opened}
    )
    other = UserFactory(username="colleague", role="Editors", first_name="Ana")
    services.save_version(article=live, content={"body": "<p>Theirs.</p>"}, user=other)
    page = editor_client.get(change_url(live))
    assertContains(page, "The article was saved after that text was kept")
    # What the page's script puts in the form on "Restore".
    restored = Autosave.objects.get(user=editor).content
    data = form_data(live, body=restored["body"])
    data["opened_version"] = restored["opened_version"]
    response = editor_client.post(change_url(live), data)
    assertContains(response, "Ana changed the body")
    assert ArticleDraft.objects.get(article=live).body == "<p>Theirs.</p>"


def test_autosave_refuses_text_too_long_to_keep_and_says_so(editor_client, live):
    from articles.admin import AUTOSAVE_MAX_CHARS

    url = f"/admin/articles/article/{live.pk}/autosave/"
    body = "<p>" + "x" * AUTOSAVE_MAX_CHARS + "</p>"
    response = editor_client.post(url, {"title": live.title, "body": body})
    assert response.status_code == 413
    assert "body" in response.json()["error"]
    assert not Autosave.objects.exists()


def test_revisions_of_unpublished_changes_are_for_editors_only(
    client, moderator, editor, live
):
    services.save_version(
        article=live, content={"body": "<p>Unreviewed advice.</p>"}, user=editor
    )
    client.force_login(moderator)
    history = f"/admin/articles/article/{live.pk}/history/"
    assert client.get(history).status_code == 403


def test_autosave_needs_the_right_to_edit(client, moderator, live):
    client.force_login(moderator)
    response = client.post(f"/admin/articles/article/{live.pk}/autosave/", {})
    assert response.status_code == 403
    assert not Autosave.objects.exists()


def test_the_form_names_who_else_has_the_article_open(client, editor, live):
    other = UserFactory(username="colleague", role="Editors", first_name="Ana")
    client.force_login(other)
    client.get(change_url(live))
    client.force_login(editor)
    assertContains(client.get(change_url(live)), "Also editing this article now:")
    assertContains(client.get(change_url(live)), "Ana")


def test_every_save_is_a_revision_including_the_first(editor_client):
    category = ArticleFactory().category
    editor_client.post(
        "/admin/articles/article/add/",
        form_data(Article(title="New", slug="new", category=category)),
    )
    article = Article.objects.get(slug="new")
    assert Version.objects.get_for_object(article).count() == 1


def test_an_imported_article_starts_with_a_revision(tmp_path):
    from django.core.management import call_command

    page = tmp_path / "ice.html"
    page.write_text("<h1>Ice</h1><p>Cold helps.</p>")
    call_command("import_article", page)
    article = Article.objects.get()
    first = Version.objects.get_for_object(article).get()
    assert first.revision.comment == "Imported from ice.html"
    assert first.field_dict["body"] == "<p>Cold helps.</p>"


def test_importers_accept_only_a_reviewer_who_may_sign_off(tmp_path):
    from django.core.management import CommandError, call_command

    PersonFactory(slug="dr-no-account")
    PersonFactory(slug="dr-editor", user=UserFactory(role="Editors"))
    page = tmp_path / "ice.html"
    page.write_text("<h1>Ice</h1><p>Cold helps.</p>")
    for slug, reason in (
        ("dr-no-account", "has no user account"),
        ("dr-editor", "may not sign off articles"),
    ):
        with pytest.raises(CommandError, match=reason):
            call_command("import_article", page, status="published", reviewed_by=slug)
    assert not Article.objects.exists()


def test_a_new_slug_of_a_live_article_redirects_to_the_live_page(editor_client, live):
    old = live.get_absolute_url()
    editor_client.post(
        change_url(live),
        form_data(live, slug="heat-or-ice", body="<p>Unreviewed words.</p>"),
    )
    readers = Client()
    response = readers.get(old, follow=True)
    assert response.redirect_chain == [("/articles/heat-or-ice/", 301)]
    assertContains(response, "Ice helps in the first two days.")
    assertNotContains(response, "Unreviewed words.")


def test_a_past_publication_time_posted_back_starts_no_draft(editor_client, live):
    when = timezone.localtime(live.published_at)
    data = form_data(
        live,
        publish_at_0=when.strftime("%Y-%m-%d"),
        publish_at_1=when.strftime("%H:%M:%S"),
    )
    editor_client.post(change_url(live), data)
    assert not ArticleDraft.objects.filter(article=live).exists()


def test_unlinking_keeps_a_live_article_with_a_line_break_live(editor):
    from articles.hub.models import Link
    from articles.hub.services.links import sync_article_links, unlink

    live = ArticleFactory(
        published=True,
        body='<p>Ice helps.<br>See <a href="https://cold.example/">this</a>.</p>',
    )
    sync_article_links(article=live)
    unlink(link=Link.objects.get(source=live), user=editor)
    live.refresh_from_db()
    assert live.status == Article.Status.PUBLISHED
    assert live.has_current_sign_off
    assert "cold.example" not in live.body


def test_unlinking_removes_the_link_from_unpublished_changes_too(editor, live):
    from articles.hub.models import Link
    from articles.hub.services.links import sync_article_links, unlink

    body = '<p>Ice helps. See <a href="https://cold.example/">this</a>.</p>'
    live = ArticleFactory(published=True, body=body)
    sync_article_links(article=live)
    services.save_version(
        article=live, content={"body": body + "<p>And rest.</p>"}, user=editor
    )
    unlink(link=Link.objects.get(source=live), user=editor)
    live = Article.objects.get(pk=live.pk)
    assert "cold.example" not in live.body
    assert "cold.example" not in live.working_version().body
    assert "And rest." in live.working_version().body
    assert live.has_current_sign_off
    assert (
        Version.objects.get_for_object(live)
        .first()
        .revision.comment.startswith("Removed the link")
    )


@pytest.mark.parametrize(
    "path", ["x/history/", "1/change/history/", "9999/history/compare/", "x/autosave/"]
)
def test_revision_pages_answer_404_for_an_address_that_names_no_article(
    editor_client, path
):
    response = editor_client.get(f"/admin/articles/article/{path}")
    assert response.status_code == 404
