"""
Writes to articles that have rules or side effects: the review workflow,
publication, and redirects. Views, admin actions and commands call these.
"""

from datetime import date, datetime

import reversion
from django.contrib.auth import get_user_model
from django.contrib.redirects.models import Redirect
from django.contrib.sites.models import Site
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tasks import task

from clinic.addresses import site_url
from clinic.logs import queue
from clinic.pagecache import invalidate_after_commit
from clinic.roles import REVIEWERS
from clinic.tasks import send_email

from .models import Article, Person


def _save_with_revision(article, *, user, comment, fields):
    with reversion.create_revision():
        article.save(update_fields=[*fields, "updated_at"])
        reversion.set_user(user)
        reversion.set_comment(comment)
    invalidate_after_commit()


def _require(user, perm, message):
    if not user.has_perm(perm):
        raise PermissionDenied(message)


def _require_sign_off(article):
    if not article.has_current_sign_off:
        raise ValidationError(
            _(
                "“%(title)s” has no current medical sign-off. A medical "
                "reviewer must sign off this version before it is published."
            )
            % {"title": article},
            code="not_signed_off",
        )


# The writers below are the only code that changes an article's workflow
# state, sign-off or publication. They check no permission: the services
# after them do, for people in the admin; commands (imports, the demo) run
# as the site's operator and call the writers directly.


@transaction.atomic
def record_submission(*, article: Article, user=None) -> Article:
    """Move a draft to review, with a revision; return it."""
    if article.status != Article.Status.DRAFT:
        raise ValidationError(
            _("Only drafts can be sent for review; “%(title)s” is %(status)s.")
            % {"title": article, "status": article.get_status_display().lower()},
            code="not_draft",
        )
    article.status = Article.Status.IN_REVIEW
    _save_with_revision(
        article, user=user, comment=_("Submitted for review"), fields=["status"]
    )
    return article


@transaction.atomic
def record_sign_off(
    *, article: Article, reviewer: Person, user=None, on: date | None = None
) -> Article:
    """
    Record `reviewer`'s medical sign-off of the article's current content,
    dated `on` (today by default), with a revision; return the article.
    """
    if article.status == Article.Status.ARCHIVED:
        raise ValidationError(_("Archived articles are not reviewed."), code="archived")
    article.reviewed_by = reviewer
    article.last_reviewed = on or timezone.localdate()
    article.review_fingerprint = article.fingerprint()
    _save_with_revision(
        article,
        user=user,
        comment=_("Medical sign-off"),
        fields=["reviewed_by", "last_reviewed", "review_fingerprint", "next_review_at"],
    )
    return article


@transaction.atomic
def record_publication(
    *, article: Article, at: datetime | None = None, user=None, comment: str = ""
) -> Article:
    """
    Publish the article dated `at` (now by default), with a revision; return
    it. Refused without a current medical sign-off.
    """
    _require_sign_off(article)
    article.status = Article.Status.PUBLISHED
    article.published_at = at or timezone.now()
    _save_with_revision(
        article,
        user=user,
        comment=comment or _("Published"),
        fields=["status", "published_at"],
    )
    return article


@transaction.atomic
def record_withdrawal(
    *, article: Article, status: str, user=None, comment: str = ""
) -> Article:
    """
    Take the article off the site: back to draft, or archived (kept for the
    record, answered 410). Return it.
    """
    article.status = status
    article.publish_at = None
    _save_with_revision(
        article,
        user=user,
        comment=comment or Article.Status(status).label,
        fields=["status", "publish_at"],
    )
    return article


@transaction.atomic
def submit_for_review(*, article: Article, user) -> Article:
    """
    Move a draft to review and email the medical reviewers; return it.
    """
    _require(user, "articles.change_article", _("You may not edit articles."))
    record_submission(article=article, user=user)
    recipients = list(
        get_user_model()
        .objects.filter(groups__name=REVIEWERS, is_active=True)
        .exclude(email="")
        .values_list("email", flat=True)
    )
    if recipients:
        url = site_url(reverse("admin:articles_article_change", args=[article.pk]))
        transaction.on_commit(
            lambda: queue(
                send_email,
                subject=_("Ready for medical review: %(title)s")
                % {"title": article.title},
                body=_("%(user)s sent “%(title)s” for review.\n\nReview it: %(url)s")
                % {"user": user.get_full_name() or user, "title": article, "url": url},
                recipients=recipients,
            )
        )
    return article


@transaction.atomic
def sign_off_article(*, article: Article, user) -> Article:
    """
    Record the user's medical sign-off of the article's current content
    (reviewer and today's date); return the article.
    """
    _require(
        user,
        "articles.sign_off_article",
        _("Only medical reviewers can sign off articles."),
    )
    try:
        person = user.person
    except Person.DoesNotExist:
        raise ValidationError(
            _(
                "Your account is not linked to a person profile, so readers "
                "could not see who reviewed the article. Ask an administrator "
                "to link one under People."
            ),
            code="no_person",
        ) from None
    return record_sign_off(article=article, reviewer=person, user=user)


@transaction.atomic
def publish_article(*, article: Article, user, now: datetime | None = None) -> Article:
    """
    Publish the article now, or leave it scheduled when its `publish_at` is
    in the future. Refused without a current medical sign-off. Return it.
    """
    _require(user, "articles.publish_article", _("You may not publish articles."))
    _require_sign_off(article)
    now = now or timezone.now()
    if article.status == Article.Status.PUBLISHED:
        return article
    if article.publish_at and article.publish_at > now:
        return article  # Scheduled: publish_due_articles() publishes it.
    return record_publication(article=article, at=now, user=user)


@transaction.atomic
def publish_due_articles(*, now: datetime | None = None) -> int:
    """
    Publish every signed-off article whose `publish_at` has come, dated at
    its `publish_at`; return how many were published.
    """
    count = 0
    queryset = Article.objects.due_for_publication().select_for_update()
    for article in queryset:
        if now is not None and article.publish_at > now:
            continue
        if not article.has_current_sign_off:
            continue
        record_publication(
            article=article, at=article.publish_at, comment=_("Published on schedule")
        )
        count += 1
    return count


@task()
def publish_scheduled(request_id: str = "") -> int:
    """Publish the signed-off articles that are due; return how many."""
    return publish_due_articles()


@transaction.atomic
def unpublish_article(*, article: Article, user) -> Article:
    """Take the article off the site, back to draft; return it."""
    _require(user, "articles.publish_article", _("You may not unpublish articles."))
    return record_withdrawal(
        article=article,
        status=Article.Status.DRAFT,
        user=user,
        comment=_("Unpublished"),
    )


@transaction.atomic
def archive_article(*, article: Article, user) -> Article:
    """Archive the article: off the site, kept for the record; return it."""
    _require(user, "articles.publish_article", _("You may not archive articles."))
    return record_withdrawal(
        article=article,
        status=Article.Status.ARCHIVED,
        user=user,
        comment=_("Archived"),
    )


@transaction.atomic
def record_slug_change(*, article: Article, old_path: str) -> Redirect | None:
    """
    Keep `old_path` working after an article's address changed: add a 301
    from it, point older redirects straight at the new address, and drop a
    redirect from the new address (so changing back makes no loop). Return
    the new redirect, or None when the address did not change.
    """
    new_path = article.get_absolute_url()
    if old_path == new_path:
        return None
    site = Site.objects.get_current()
    Redirect.objects.filter(site=site, old_path=new_path).delete()
    Redirect.objects.filter(site=site, new_path=old_path).update(new_path=new_path)
    redirect, _ = Redirect.objects.update_or_create(
        site=site, old_path=old_path, defaults={"new_path": new_path}
    )
    invalidate_after_commit()
    return redirect
