"""Review reminders: who gets which email, and when."""

from datetime import date, datetime, timedelta

import pytest
import time_machine
from django.core import mail
from django.utils import timezone
from pytest_django.asserts import assertContains, assertNotContains

from articles import services
from articles.models import Article, ReminderSent, SiteConfiguration
from articles.reminders import send_review_reminders
from tests.factories import ArticleFactory, UserFactory

pytestmark = pytest.mark.django_db

#: A morning in the clinic's time zone.
MONDAY = datetime(2027, 3, 1, 8, 0, tzinfo=timezone.get_default_timezone())


def due_on(article, day):
    Article.objects.filter(pk=article.pk).update(next_review_at=day)


@pytest.fixture
def reviews(reviewer):
    """Articles whose reviews fall due at each distance from MONDAY."""
    today = MONDAY.date()
    made = {}
    for name, days in (
        ("Overdue piece", -3),
        ("Due this week", 5),
        ("Due this month", 20),
        ("Due in the summer", 120),
    ):
        made[name] = ArticleFactory(published=True, title=name)
        due_on(made[name], today + timedelta(days=days))
    return made


def test_the_digest_sorts_reviews_by_how_soon_they_fall_due(
    reviewer, reviews, django_capture_on_commit_callbacks
):
    with (
        time_machine.travel(MONDAY, tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert send_review_reminders.call() == 1
    (message,) = mail.outbox
    assert message.to == [reviewer.email]
    assert message.subject == "Medical reviews due"
    body = message.body
    assert body.index("Overdue (1)") < body.index("Overdue piece")
    assert body.index("Due within 7 days (1)") < body.index("Due this week")
    assert body.index("Due within 30 days (1)") < body.index("Due this month")
    assert "Due in the summer" not in body
    assert "due Feb. 26, 2027" in body
    assert "/admin/articles/article/" in body


def test_each_reviewer_gets_it_once_a_day(
    reviewer, reviews, django_capture_on_commit_callbacks
):
    second = UserFactory(username="second-reviewer", role="Medical reviewers")
    UserFactory(username="no-address", role="Medical reviewers", email="")
    UserFactory(username="an-editor", role="Editors")

    def run(at):
        with (
            time_machine.travel(at, tick=False),
            django_capture_on_commit_callbacks(execute=True),
        ):
            return send_review_reminders.call()

    assert run(MONDAY) == 2
    # The scheduler queues it every hour: later runs that day send nothing.
    assert run(MONDAY + timedelta(hours=9)) == 0
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        [reviewer.email, second.email]
    )
    assert run(MONDAY + timedelta(days=1)) == 2
    assert len(mail.outbox) == 4
    assert ReminderSent.objects.filter(user=reviewer).count() == 2


def test_no_digest_when_nothing_falls_due(reviewer, django_capture_on_commit_callbacks):
    later = ArticleFactory(published=True)
    due_on(later, MONDAY.date() + timedelta(days=90))
    with (
        time_machine.travel(MONDAY, tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert send_review_reminders.call() == 0
    assert mail.outbox == []
    assert not ReminderSent.objects.exists()


def test_an_editor_hears_when_their_article_is_signed_off_or_sent_back(
    editor, reviewer, django_capture_on_commit_callbacks
):
    article = ArticleFactory(title="Neck exercises")
    Article.objects.filter(pk=article.pk).update(content_changed_by=editor)
    article.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        services.submit_for_review(article=article, user=editor)
    # Entering review: every reviewer but the sender.
    assert [m.to for m in mail.outbox] == [[reviewer.email]]
    assert mail.outbox[0].subject == "Ready for medical review: Neck exercises"

    with django_capture_on_commit_callbacks(execute=True):
        services.send_back(article=article, user=reviewer, notes="Add a source.")
    assert mail.outbox[-1].to == [editor.email]
    assert mail.outbox[-1].subject == "Sent back with notes: Neck exercises"
    assert "Add a source." in mail.outbox[-1].body

    services.submit_for_review(article=article, user=editor)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.sign_off_article(article=article, user=reviewer)
    (message,) = mail.outbox
    assert message.to == [editor.email]
    assert message.subject == "Signed off: Neck exercises"


def test_a_reviewer_signing_their_own_change_is_not_emailed(
    reviewer, settings, django_capture_on_commit_callbacks
):
    settings.CLINIC_REVIEW_FOUR_EYES = False
    article = ArticleFactory(in_review=True)
    Article.objects.filter(pk=article.pk).update(content_changed_by=reviewer)
    article.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        services.sign_off_article(article=article, user=reviewer)
    assert mail.outbox == []


@pytest.mark.parametrize(
    ("choice", "shown", "hidden"),
    [
        ("keep", "Next review due", "Review in progress"),
        ("hide", None, "Next review due"),
        ("in_progress", "Review in progress", "Next review due"),
    ],
)
def test_the_clinic_chooses_what_readers_see_of_an_overdue_review(
    client, settings, choice, shown, hidden
):
    settings.CLINIC_PAGE_CACHE_SECONDS = 0
    settings.CLINIC_FRAGMENT_CACHE_SECONDS = 0
    config = SiteConfiguration.load()
    config.overdue_review = choice
    config.save()
    overdue = ArticleFactory(published=True)
    due_on(overdue, timezone.localdate() - timedelta(days=1))
    current = ArticleFactory(published=True)
    due_on(current, date(2099, 1, 1))

    page = client.get(overdue.get_absolute_url())
    assertContains(page, "Medically reviewed by")
    if shown:
        assertContains(page, shown)
    assertNotContains(page, hidden)
    # A review not yet due always shows its date.
    assertContains(
        client.get(current.get_absolute_url()), "Next review due Jan. 1, 2099"
    )


def test_an_editor_who_left_is_not_emailed(
    editor, reviewer, django_capture_on_commit_callbacks
):
    article = ArticleFactory(in_review=True)
    Article.objects.filter(pk=article.pk).update(content_changed_by=editor)
    article.refresh_from_db()
    type(editor).objects.filter(pk=editor.pk).update(is_active=False)
    with django_capture_on_commit_callbacks(execute=True):
        services.sign_off_article(article=article, user=reviewer)
    assert mail.outbox == []


def test_two_accounts_with_one_address_get_one_digest(
    reviewer, reviews, django_capture_on_commit_callbacks
):
    UserFactory(username="same-inbox", role="Medical reviewers", email=reviewer.email)
    with (
        time_machine.travel(MONDAY, tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert send_review_reminders.call() == 1
    assert len(mail.outbox) == 1
