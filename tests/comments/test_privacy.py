"""
A reader asks for their data, or for its erasure, from the site; a moderator
can do both in the admin. Erasure reaches every copy.
"""

import json
import re

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from pytest_django.asserts import assertContains, assertNotContains
from reversion.models import Version

from comments import services
from comments.models import Comment
from tests.factories import CommentFactory

pytestmark = pytest.mark.django_db

EMAIL = "pat@mail.example"


@pytest.fixture
def pats_comment(article):
    return CommentFactory(
        article=article,
        author_name="Pat Lindqvist",
        author_email=EMAIL,
        author_url="https://pat.example",
        body="Call me on 555-867-5309 about the brace.",
        ip_hash="c" * 64,
        user_agent="PatBrowser/7.1",
        notify_replies=True,
    )


def confirmation_link(message):
    return re.search(
        r"https?://[^/\s]+(/privacy/your-data/confirm/\S+/)", message.body
    )[1]


def ask(client, action, email=EMAIL, ip="198.51.100.4"):
    return client.post(
        "/privacy/your-data/", {"email": email, "action": action}, REMOTE_ADDR=ip
    )


def test_the_privacy_page_says_what_is_kept_and_how_to_ask(client, standard_pages):
    response = client.get("/privacy/")
    assertContains(response, "erased 90 days after")
    assertContains(response, 'href="/privacy/your-data/"')


def test_an_export_is_emailed_only_after_the_link_is_confirmed(
    client, pats_comment, django_capture_on_commit_callbacks
):
    response = ask(client, "export")
    assert response.status_code == 302
    assert [m.to for m in mail.outbox] == [[EMAIL]]
    link = confirmation_link(mail.outbox[0])
    # Opening the link (a mail scanner may) changes nothing.
    page = Client().get(link)
    assertContains(page, "Yes, send me my data")
    assert len(mail.outbox) == 1
    Client().post(link)
    assert len(mail.outbox) == 2
    body = mail.outbox[1].body
    exported = json.loads(body[body.index("{") :])
    (comment,) = exported["comments"]
    assert comment["comment"] == pats_comment.body
    assert comment["browser"] == "PatBrowser/7.1"
    assert comment["ip_fingerprint"] == "c" * 64
    assert comment["website"] == "https://pat.example"
    assert comment["emails_me_replies"] is True


def test_the_same_answer_whether_or_not_anything_is_stored(client):
    response = ask(client, "erase", email="nobody@mail.example", ip="198.51.100.5")
    assert response.status_code == 302
    assert [m.to for m in mail.outbox] == [["nobody@mail.example"]]


def test_erasure_reaches_every_copy(
    client,
    article,
    pats_comment,
    moderator,
    settings,
    django_capture_on_commit_callbacks,
):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    # A moderator's edit is a revision that holds the old text.
    services.edit_comment(comment=pats_comment, editor=moderator, fields=["author_url"])
    reply = services.reply_as_clinic(
        parent=pats_comment,
        user=moderator,
        body="Pat Lindqvist, please call the clinic instead: pat, we will help.",
    )
    # An email about the comment was sent, and another is still queued.
    with django_capture_on_commit_callbacks(execute=True):
        services.notify_subscriber(
            CommentFactory(article=article, parent=pats_comment, author_name="Ola")
        )
    # As the worker leaves a sent email's row.
    DBTaskResult.objects.update(status="SUCCESSFUL", finished_at=timezone.now())
    with django_capture_on_commit_callbacks(execute=True):
        services.notify_moderators(pats_comment)
    assert DBTaskResult.objects.count() == 2
    Client().get(article.get_absolute_url())  # Cached by the page cache.

    with django_capture_on_commit_callbacks(execute=True):
        ask(client, "erase")
    link = confirmation_link_from_queue()
    with django_capture_on_commit_callbacks(execute=True):
        response = Client().post(link)
    assertContains(response, "is erased (1 comment)")

    pats_comment.refresh_from_db()
    assert pats_comment.author_name == "Anonymous"
    assert (pats_comment.author_email, pats_comment.author_url) == ("", "")
    assert (pats_comment.ip_hash, pats_comment.user_agent) == ("", "")
    assert not pats_comment.notify_replies
    page = Client().get(article.get_absolute_url())
    assertNotContains(page, "555-867-5309")
    assertNotContains(page, "Lindqvist")
    assertContains(page, "removed at its writer&#x27;s request")
    reply.refresh_from_db()
    assert reply.body == "a reader, please call the clinic instead: pat, we will help."
    assert not Version.objects.get_for_object(pats_comment).exists()
    assert not Version.objects.get_for_object(reply).exists()
    # The emails quoting the comment, the request's own confirmation too.
    assert not DBTaskResult.objects.exists()


def confirmation_link_from_queue():
    row = DBTaskResult.objects.filter(
        args_kwargs__kwargs__subject="Confirm your request"
    ).get()
    body = row.args_kwargs["kwargs"]["body"]
    return re.search(r"https?://[^/\s]+(/privacy/your-data/confirm/\S+/)", body)[1]


def test_an_old_or_changed_link_does_nothing(client, pats_comment):
    ask(client, "erase")
    link = confirmation_link(mail.outbox[0])
    with time_machine.travel(timezone.now() + timezone.timedelta(hours=25)):
        response = Client().post(link)
    assert response.status_code == 400
    assertContains(response, "not valid any more", status_code=400)
    response = Client().post(link.replace("/confirm/", "/confirm/x"))
    assert response.status_code == 400
    pats_comment.refresh_from_db()
    assert pats_comment.author_email == EMAIL


def test_requests_are_limited_per_address_and_network(client, settings):
    settings.CLINIC_PRIVACY_REQUESTS_PER_HOUR = 2
    assert ask(client, "export", ip="198.51.100.7").status_code == 302
    assert ask(client, "export", ip="198.51.100.8").status_code == 302
    refused = ask(client, "export", ip="198.51.100.9")
    assert refused.status_code == 429
    assertContains(refused, "Too many requests", status_code=429)
    assert len(mail.outbox) == 2
    # Someone else, from another network, is not held back.
    other = ask(client, "export", email="ola@mail.example", ip="192.0.2.1")
    assert other.status_code == 302


def test_a_bad_address_is_refused_with_a_message(client):
    response = client.post(
        "/privacy/your-data/", {"email": "not-an-address", "action": "erase"}
    )
    assert response.status_code == 400
    assertContains(response, 'role="alert"', status_code=400)
    assert not mail.outbox


def test_moderators_run_requests_in_the_admin(client, moderator, pats_comment):
    client.force_login(moderator)
    url = "/admin/comments/comment/privacy/"
    export = client.post(url, {"email": EMAIL, "action": "export", "confirm": "on"})
    assert export["Content-Type"] == "application/json"
    assert json.loads(export.content)["comments"][0]["comment"] == pats_comment.body
    erase = client.post(
        url, {"email": EMAIL, "action": "erase", "confirm": "on"}, follow=True
    )
    assertContains(erase, "1 comment(s) erased")
    pats_comment.refresh_from_db()
    assert pats_comment.author_email == ""


def test_only_moderators_run_privacy_requests(editor_client):
    response = editor_client.get("/admin/comments/comment/privacy/")
    assert response.status_code == 403


def test_the_export_command_lists_the_browser(capsys, pats_comment):
    call_command("export_personal_data", EMAIL)
    exported = json.loads(capsys.readouterr().out)
    assert exported["comments"][0]["browser"] == "PatBrowser/7.1"
    assert Comment.objects.filter(author_email=EMAIL).exists()


def test_a_confirmation_link_carries_out_its_request_once(client, pats_comment):
    ask(client, "export")
    link = confirmation_link(mail.outbox[0])
    Client().post(link)
    again = Client().post(link)
    assertContains(again, "This link was used already")
    assert len(mail.outbox) == 2  # The confirmation and one export.


def test_readers_on_one_ipv6_network_share_one_limit(client, settings):
    settings.CLINIC_PRIVACY_REQUESTS_PER_HOUR = 2
    answers = [
        ask(client, "export", email=f"r{n}@mail.example", ip=f"2001:db8:1:2::{n}")
        for n in range(1, 5)
    ]
    assert [a.status_code for a in answers] == [302, 302, 429, 429]
