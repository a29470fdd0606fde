from datetime import date, timedelta

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.db import IntegrityError
from django.utils import timezone

from articles import services
from articles.models import Article
from tests.factories import ArticleFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_submit_for_review_emails_the_reviewers(
    editor, reviewer, django_capture_on_commit_callbacks
):
    article = ArticleFactory(title="Heat or ice")
    with django_capture_on_commit_callbacks(execute=True):
        services.submit_for_review(article=article, user=editor)
    article.refresh_from_db()
    assert article.status == Article.Status.IN_REVIEW
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [reviewer.email]
    assert "Heat or ice" in mail.outbox[0].subject


def test_only_drafts_can_be_submitted(editor):
    article = ArticleFactory(in_review=True)
    with pytest.raises(ValidationError, match="Only drafts"):
        services.submit_for_review(article=article, user=editor)
    live = ArticleFactory(published=True)
    with pytest.raises(ValidationError, match="no unpublished changes"):
        services.submit_for_review(article=live, user=editor)


def test_editor_cannot_sign_off(editor):
    article = ArticleFactory(in_review=True)
    with pytest.raises(PermissionDenied, match="Only medical reviewers"):
        services.sign_off_article(article=article, user=editor)
    article.refresh_from_db()
    assert article.reviewed_by is None


def test_reviewer_sign_off_records_person_and_date(reviewer):
    article = ArticleFactory(in_review=True, review_interval_months=6)
    with time_machine.travel("2026-03-31 10:00Z"):
        services.sign_off_article(article=article, user=reviewer)
    article.refresh_from_db()
    assert article.reviewed_by == reviewer.person
    assert str(article.last_reviewed) == "2026-03-31"
    assert str(article.next_review_at) == "2026-09-30"
    assert article.has_current_sign_off


def test_reviewer_without_a_person_profile_is_told_why():
    user = UserFactory(role="Medical reviewers")
    article = ArticleFactory(in_review=True)
    with pytest.raises(ValidationError, match="not linked to a person"):
        services.sign_off_article(article=article, user=user)


def test_publishing_needs_a_current_sign_off(editor):
    article = ArticleFactory(in_review=True)
    with pytest.raises(ValidationError, match="no current medical sign-off"):
        services.publish_article(article=article, user=editor)
    assert not Article.objects.published().exists()


def test_signed_off_article_can_be_published(editor, reviewer):
    article = ArticleFactory(in_review=True)
    services.sign_off_article(article=article, user=reviewer)
    services.publish_article(article=article, user=editor)
    assert list(Article.objects.published()) == [article]


@pytest.mark.parametrize("field", ["title", "summary", "body"])
def test_content_change_voids_the_sign_off(reviewer, field):
    article = ArticleFactory(in_review=True, summary="Short.")
    services.sign_off_article(article=article, user=reviewer)
    setattr(article, field, getattr(article, field) + " Changed.")
    article.save()
    article.refresh_from_db()
    assert article.reviewed_by is None
    assert not article.has_current_sign_off


def test_changing_a_published_article_takes_it_back_to_review():
    article = ArticleFactory(published=True)
    article.body += "<p>New unreviewed advice.</p>"
    article.save()
    article.refresh_from_db()
    assert article.status == Article.Status.IN_REVIEW
    assert not Article.objects.published().exists()


def test_non_content_change_keeps_the_sign_off():
    article = ArticleFactory(published=True)
    article.is_featured = True
    article.save()
    article.refresh_from_db()
    assert article.has_current_sign_off
    assert article.status == Article.Status.PUBLISHED


def test_database_refuses_a_published_article_without_review():
    with pytest.raises(IntegrityError):
        Article.objects.filter(pk=ArticleFactory().pk).update(
            status=Article.Status.PUBLISHED, published_at=timezone.now()
        )


def test_future_publish_at_schedules_instead_of_publishing(editor, reviewer):
    when = timezone.now() + timedelta(days=2)
    article = ArticleFactory(in_review=True, publish_at=when)
    services.sign_off_article(article=article, user=reviewer)
    services.publish_article(article=article, user=editor)
    article.refresh_from_db()
    assert article.is_scheduled
    assert not Article.objects.published().exists()


def test_publish_scheduled_uses_publish_at_not_the_run_time(reviewer):
    publish_at = timezone.now() + timedelta(hours=1)
    due = ArticleFactory(in_review=True, publish_at=publish_at)
    unsigned = ArticleFactory(publish_at=publish_at)
    services.sign_off_article(article=due, user=reviewer)
    with time_machine.travel(publish_at + timedelta(minutes=7)):
        call_command("publish_scheduled")
        assert list(Article.objects.published()) == [due]
    due.refresh_from_db()
    unsigned.refresh_from_db()
    assert due.published_at == publish_at
    assert unsigned.status == Article.Status.DRAFT


def test_publish_scheduled_task_runs_from_the_scheduler(settings, reviewer):
    publish_at = timezone.now() - timedelta(minutes=1)
    article = ArticleFactory(in_review=True, publish_at=publish_at)
    services.sign_off_article(article=article, user=reviewer)
    settings.CLINIC_SCHEDULE = {"articles.services.publish_scheduled": 60}
    call_command("run_scheduler", once=True)
    assert list(Article.objects.published()) == [article]


def test_published_excludes_drafts_future_and_archived():
    visible = ArticleFactory(published=True)
    ArticleFactory()
    ArticleFactory(published=True, published_at=timezone.now() + timedelta(days=1))
    ArticleFactory(archived=True)
    assert list(Article.objects.published()) == [visible]


def test_review_overdue_lists_published_articles_past_their_date():
    with time_machine.travel("2024-01-10 09:00Z"):
        old = ArticleFactory(published=True, review_interval_months=12)
        fresh = ArticleFactory(published=True, review_interval_months=36)
    with time_machine.travel("2025-06-01 09:00Z"):
        overdue = list(Article.objects.review_overdue())
    assert overdue == [old]
    assert fresh.next_review_at.year == 2027


def test_unpublish_and_archive(editor):
    article = ArticleFactory(published=True)
    services.unpublish_article(article=article, user=editor)
    assert article.status == Article.Status.DRAFT
    services.archive_article(article=article, user=editor)
    article.refresh_from_db()
    assert article.status == Article.Status.ARCHIVED
    assert not Article.objects.published().exists()


def test_moderator_cannot_publish(moderator):
    article = ArticleFactory(signed_off=True)
    with pytest.raises(PermissionDenied):
        services.publish_article(article=article, user=moderator)


@pytest.mark.parametrize(
    ("reviewed", "months", "due"),
    [
        (date(2026, 1, 31), 1, date(2026, 2, 28)),
        (date(2027, 11, 30), 3, date(2028, 2, 29)),
        (date(2026, 12, 15), 12, date(2027, 12, 15)),
        (date(2026, 5, 31), 6, date(2026, 11, 30)),
    ],
)
def test_next_review_is_due_the_same_day_months_later_or_at_month_end(
    reviewed, months, due
):
    article = ArticleFactory(review_interval_months=months)
    article.last_reviewed = reviewed
    article.save()
    assert article.next_review_at == due
