import json

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone
from pytest_django.asserts import assertContains, assertNotContains
from reversion.models import Version

from comments import services
from comments.models import Comment, DiscussionSettings
from tests.factories import CommentFactory
from tests.helpers import comment_form_data

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/comments/comment/"


def action(client, name, comments):
    return client.post(
        CHANGELIST, {"action": name, "_selected_action": [c.pk for c in comments]}
    )


def test_queue_filters_by_status_with_counts(moderator_client):
    CommentFactory.create_batch(2, status=Comment.Status.PENDING, body="Held words")
    CommentFactory(status=Comment.Status.SPAM, body="Spammy words")
    response = moderator_client.get(CHANGELIST + "?status=pending")
    assertContains(response, "Pending (2)")
    assertContains(response, "Spam (1)")
    assertContains(response, "Held words")
    assertNotContains(response, "Spammy words")


@pytest.mark.parametrize(
    ("name", "start", "end"),
    [
        ("approve", "pending", "approved"),
        ("unapprove", "approved", "pending"),
        ("mark_spam", "pending", "spam"),
        ("move_to_trash", "approved", "trash"),
        ("restore", "trash", "pending"),
        ("restore", "spam", "pending"),
    ],
)
def test_bulk_actions_record_who_and_why(moderator_client, moderator, name, start, end):
    comments = CommentFactory.create_batch(3, status=start)
    action(moderator_client, name, comments)
    for comment in comments:
        comment.refresh_from_db()
        assert comment.status == end
        assert comment.moderated_by == moderator
        assert comment.status_reasons[-1] == f"{end} by moderator"


def test_editor_cannot_moderate(editor_client):
    comment = CommentFactory(status=Comment.Status.PENDING)
    assert editor_client.get(CHANGELIST).status_code == 403
    action(editor_client, "approve", [comment])
    comment.refresh_from_db()
    assert comment.status == Comment.Status.PENDING


def test_moderator_edit_is_recorded(moderator_client, moderator):
    comment = CommentFactory(body="Typo hre")
    response = moderator_client.post(
        f"{CHANGELIST}{comment.pk}/change/",
        comment_form_data(comment, body="Typo here"),
    )
    assert response.status_code == 302
    comment.refresh_from_db()
    assert comment.body == "Typo here"
    version = Version.objects.get_for_object(comment).get()
    assert version.revision.user == moderator


def test_reply_as_the_clinic_is_published_at_once(moderator_client, moderator, client):
    root = CommentFactory(body="Is this normal?")
    response = moderator_client.post(
        f"{CHANGELIST}{root.pk}/reply/", {"body": "Yes, for the first week."}
    )
    assert response.status_code == 302
    reply = Comment.objects.get(parent=root)
    assert reply.status == Comment.Status.APPROVED
    assert reply.user == moderator
    client.logout()
    assertContains(
        client.get(root.article.get_absolute_url()), "Yes, for the first week."
    )


def test_editor_cannot_reply_as_the_clinic(editor_client):
    root = CommentFactory()
    response = editor_client.post(f"{CHANGELIST}{root.pk}/reply/", {"body": "x"})
    assert response.status_code == 403
    assert not Comment.objects.filter(parent=root).exists()


def test_admin_home_shows_the_pending_count(moderator_client):
    CommentFactory.create_batch(4, status=Comment.Status.PENDING)
    assertContains(
        moderator_client.get("/admin/"),
        '<h2 id="panel-pending-comments-title">Comments awaiting moderation '
        '<span class="home-panel__count">4</span></h2>',
        html=True,
    )


def test_discussion_settings_is_one_page(moderator_client):
    response = moderator_client.get("/admin/comments/discussionsettings/")
    assert response.status_code == 302
    page = moderator_client.get(response["Location"])
    assertContains(page, "Reply depth")
    response = moderator_client.post(
        response["Location"],
        {
            "auto_approve_after": 2,
            "hold_at_links": 3,
            "close_after_days": 0,
            "thread_depth": 9,
            "comments_per_page": 20,
            "flag_threshold": 3,
            "retention_days": 90,
        },
    )
    assertContains(response, "Reply depth is between 1 and 5")


def test_approving_a_reply_emails_the_subscriber_once(
    moderator, django_capture_on_commit_callbacks
):
    root = CommentFactory(notify_replies=True, author_email="patient@mail.example")
    reply = CommentFactory(
        article=root.article, parent=root, status=Comment.Status.PENDING
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.moderate_comments([reply], status="approved", moderator=moderator)
        services.moderate_comments([reply], status="approved", moderator=moderator)
    assert [m.to for m in mail.outbox] == [["patient@mail.example"]]
    assert "/comments/unsubscribe/" in mail.outbox[0].body


def test_no_email_without_subscription(moderator, django_capture_on_commit_callbacks):
    root = CommentFactory(notify_replies=False)
    reply = CommentFactory(article=root.article, parent=root, status="pending")
    with django_capture_on_commit_callbacks(execute=True):
        services.moderate_comments([reply], status="approved", moderator=moderator)
    assert mail.outbox == []


def test_unsubscribe_link_works_without_login(
    client, moderator, django_capture_on_commit_callbacks
):
    root = CommentFactory(notify_replies=True)
    reply = CommentFactory(article=root.article, parent=root, status="pending")
    with django_capture_on_commit_callbacks(execute=True):
        services.moderate_comments([reply], status="approved", moderator=moderator)
    link = next(
        line.split()[-1]
        for line in mail.outbox[0].body.splitlines()
        if "unsubscribe" in line
    )
    assert link.startswith("https://example.com/comments/unsubscribe/")
    response = client.get(link.removeprefix("https://example.com"))
    assertContains(response, "no longer")
    root.refresh_from_db()
    assert not root.notify_replies
    assert client.get("/comments/unsubscribe/forged/").status_code == 404


def test_reports_return_a_comment_to_the_queue_at_the_threshold(
    client, moderator, django_capture_on_commit_callbacks
):
    DiscussionSettings.objects.update_or_create(pk=1, defaults={"flag_threshold": 2})
    comment = CommentFactory()
    url = f"/comments/{comment.pk}/report/"
    client.post(url)
    client.post(url)  # The same browser twice counts once.
    comment.refresh_from_db()
    assert comment.status == Comment.Status.APPROVED
    assert comment.flags.count() == 1
    client.cookies.clear()
    client.post(url)  # Another browser on the same network counts once too.
    assert comment.flags.count() == 1
    client.cookies.clear()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"reason": "personal"}, REMOTE_ADDR="203.0.113.9")
    comment.refresh_from_db()
    assert comment.status == Comment.Status.PENDING
    assert comment.status_reasons[-1] == (
        "reported by 2 readers: It shares someone's personal or health data, "
        "Something else"
    )
    assert [m.to for m in mail.outbox] == [[moderator.email]]


def test_purge_erases_old_fingerprints_and_old_spam():
    old = timezone.now() - timezone.timedelta(days=91)
    kept = CommentFactory(ip_hash="a" * 64)
    aged = CommentFactory(ip_hash="b" * 64)
    spam = CommentFactory(status=Comment.Status.SPAM)
    Comment.objects.filter(pk__in=[aged.pk, spam.pk]).update(created_at=old)
    call_command("purge_comments")
    aged.refresh_from_db()
    kept.refresh_from_db()
    assert aged.ip_hash == ""
    assert kept.ip_hash == "a" * 64
    assert not Comment.objects.filter(pk=spam.pk).exists()


def test_export_and_erase_personal_data(capsys):
    mine = CommentFactory(
        author_email="Pat@Mail.example",
        author_url="https://pat.example",
        ip_hash="c" * 64,
        notify_replies=True,
        body="My story.",
    )
    other = CommentFactory(author_email="someone@mail.example")
    call_command("export_personal_data", "pat@mail.example")
    exported = json.loads(capsys.readouterr().out)
    assert [c["comment"] for c in exported["comments"]] == ["My story."]
    assert exported["comments"][0]["emails_me_replies"] is True

    call_command("erase_personal_data", "pat@mail.example")
    mine.refresh_from_db()
    assert mine.body == "This comment was removed at its writer's request."
    assert mine.author_name == "Anonymous"
    assert (mine.author_email, mine.author_url, mine.ip_hash) == ("", "", "")
    other.refresh_from_db()
    assert other.author_email == "someone@mail.example"


def test_privacy_commands_refuse_a_non_email():
    from django.core.management import CommandError

    with pytest.raises(CommandError, match="not an email address"):
        call_command("erase_personal_data", "pat")


def report(comment, ip, reason="abuse"):
    from django.test import Client

    return Client().post(
        f"/comments/{comment.pk}/report/", {"reason": reason}, REMOTE_ADDR=ip
    )


def test_reports_cannot_hide_the_clinics_replies(
    moderator, django_capture_on_commit_callbacks
):
    question = CommentFactory()
    reply = services.reply_as_clinic(
        parent=question, user=moderator, body="Please call the clinic."
    )
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        for n in range(4):
            report(reply, f"198.51.100.{n + 1}")
    reply.refresh_from_db()
    assert reply.status == Comment.Status.APPROVED
    assert reply.flags.count() == 4
    # One email, at the third report.
    assert len(mail.outbox) == 1
    assert "was reported" in mail.outbox[0].subject
    assert "It is abusive or hateful" in mail.outbox[0].body


def test_a_reader_comment_is_held_once_and_emails_once(
    moderator, django_capture_on_commit_callbacks
):
    comment = CommentFactory()
    with django_capture_on_commit_callbacks(execute=True):
        for n in range(5):
            report(comment, f"198.51.100.{n + 10}")
    comment.refresh_from_db()
    assert comment.status == Comment.Status.PENDING
    assert len(mail.outbox) == 1


def test_reports_from_one_network_are_rate_limited(settings):
    settings.CLINIC_REPORTS_PER_HOUR = 3
    comments = CommentFactory.create_batch(4)
    answers = [report(c, "198.51.100.50").status_code for c in comments]
    assert answers == [302, 302, 302, 429]
    assert comments[3].flags.count() == 0


def test_moderators_see_every_report_with_its_reason(moderator_client):
    reported = CommentFactory(body="Reported words")
    CommentFactory(body="Quiet words")
    report(reported, "198.51.100.60", reason="misinformation")
    listing = moderator_client.get(CHANGELIST + "?reported=yes")
    assertContains(listing, "Reported words")
    assertNotContains(listing, "Quiet words")
    assertContains(
        listing,
        '<td class="field-reports">1 (It gives harmful medical advice)</td>',
        html=True,
    )
    page = moderator_client.get(f"{CHANGELIST}{reported.pk}/change/")
    assertContains(page, "It gives harmful medical advice")


def test_reports_after_a_moderator_approved_it_again_start_from_zero(
    moderator, settings
):
    DiscussionSettings.objects.update_or_create(pk=1, defaults={"flag_threshold": 2})
    comment = CommentFactory()
    report(comment, "198.51.100.70")
    report(comment, "198.51.100.71")
    comment.refresh_from_db()
    assert comment.status == Comment.Status.PENDING
    services.moderate_comments([comment], status="approved", moderator=moderator)
    report(comment, "198.51.100.72")
    comment.refresh_from_db()
    assert comment.status == Comment.Status.APPROVED


def test_an_unsubscribe_link_works_for_a_year(client):
    import time_machine
    from django.core import signing

    root = CommentFactory(notify_replies=True)
    token = signing.dumps(root.pk, salt=services.UNSUBSCRIBE_SALT)
    with time_machine.travel(timezone.now() + timezone.timedelta(days=366)):
        response = client.get(f"/comments/unsubscribe/{token}/")
    assert response.status_code == 404
    assertContains(response, "more than a year old", status_code=404)
    root.refresh_from_db()
    assert root.notify_replies


def test_a_line_break_in_a_title_does_not_stop_the_email(
    moderator, django_capture_on_commit_callbacks
):
    from tests.factories import ArticleFactory

    article = ArticleFactory(published=True, title="Neck pain\nat night")
    with django_capture_on_commit_callbacks(execute=True):
        CommentFactory(article=article, status=Comment.Status.APPROVED)
        services.notify_moderators(CommentFactory(article=article))
    (message,) = mail.outbox
    assert message.subject == "Comment waiting on “Neck pain at night”"


def test_reports_from_one_ipv6_network_count_once(settings):
    DiscussionSettings.objects.update_or_create(pk=1, defaults={"flag_threshold": 2})
    comment = CommentFactory()
    for n in range(1, 5):
        report(comment, f"2001:db8:5:6::{n}")
    comment.refresh_from_db()
    assert comment.flags.count() == 1
    assert comment.status == Comment.Status.APPROVED


def test_purge_deletes_old_reports_and_sent_emails(
    settings, moderator, django_capture_on_commit_callbacks
):
    from django_tasks_db.models import DBTaskResult

    from comments.models import Flag

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    old = timezone.now() - timezone.timedelta(days=91)
    comment = CommentFactory()
    report(comment, "198.51.100.90")
    report(comment, "198.51.100.91")
    Flag.objects.filter(pk=Flag.objects.first().pk).update(created_at=old)
    with django_capture_on_commit_callbacks(execute=True):
        services.notify_moderators(comment)
        services.notify_moderators(comment)
    sent = DBTaskResult.objects.first()
    DBTaskResult.objects.filter(pk=sent.pk).update(status="SUCCESSFUL", finished_at=old)
    call_command("purge_comments")
    assert comment.flags.count() == 1
    assert DBTaskResult.objects.count() == 1
    assert not DBTaskResult.objects.filter(pk=sent.pk).exists()
