"""
The medical reviewers' daily reminder: which reviews are overdue, which
fall due within 7 days and which within 30. Queued every hour by the
scheduler; each reviewer gets it at most once a day, and only when there
is something to say.
"""

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django_tasks import task

from clinic.addresses import site_url
from clinic.logs import queue
from clinic.roles import REVIEWERS
from clinic.tasks import send_email

from .models import Article, ReminderSent

SOON_DAYS = 7
MONTH_DAYS = 30


def review_digest(today=None):
    """
    Return the digest's text, or "" when no review is overdue or due
    within MONTH_DAYS days.
    """
    today = today or timezone.localdate()
    fields = ("title", "next_review_at")
    order = ("next_review_at", "title", "pk")
    overdue = list(Article.objects.review_overdue().only(*fields).order_by(*order))
    coming = list(
        Article.objects.review_due_within(MONTH_DAYS).only(*fields).order_by(*order)
    )
    if not overdue and not coming:
        return ""
    soon_end = today + timedelta(days=SOON_DAYS)
    sections = [
        (_("Overdue"), overdue),
        (
            _("Due within %(days)d days") % {"days": SOON_DAYS},
            [a for a in coming if a.next_review_at <= soon_end],
        ),
        (
            _("Due within %(days)d days") % {"days": MONTH_DAYS},
            [a for a in coming if a.next_review_at > soon_end],
        ),
    ]
    lines = [_("Medical reviews that need you:")]
    for heading, articles in sections:
        if not articles:
            continue
        lines += ["", f"{heading} ({len(articles)})"]
        for article in articles:
            url = site_url(reverse("admin:articles_article_change", args=[article.pk]))
            due = date_format(article.next_review_at, "DATE_FORMAT")
            lines.append(
                _("- %(title)s, due %(date)s: %(url)s")
                % {"title": article.title, "date": due, "url": url}
            )
    return "\n".join(lines)


@task()
def send_review_reminders(request_id: str = "") -> int:
    """
    Email the review digest to every active medical reviewer with an email
    address who has not had it today; return how many were queued.
    """
    today = timezone.localdate()
    body = review_digest(today)
    if not body:
        return 0
    reviewers = (
        get_user_model()
        .objects.filter(groups__name=REVIEWERS, is_active=True)
        .exclude(email="")
    )
    sent, addresses = 0, set()
    for reviewer in reviewers:
        if reviewer.email.lower() in addresses:
            continue  # Two accounts, one inbox: one email.
        addresses.add(reviewer.email.lower())
        try:
            with transaction.atomic():
                # The row is the promise: a second run today finds it.
                ReminderSent.objects.create(
                    user=reviewer, kind=ReminderSent.Kind.REVIEW_DIGEST, sent_on=today
                )
                # Robust: a failure to queue one does not stop the others.
                transaction.on_commit(
                    lambda to=reviewer.email: queue(
                        send_email,
                        subject=_("Medical reviews due"),
                        body=body,
                        recipients=[to],
                    ),
                    robust=True,
                )
        except IntegrityError:
            continue  # Already sent today.
        sent += 1
    return sent
