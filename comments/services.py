"""
Every write to comments: submitting, moderating, replying, reporting and
purging (privacy requests are in comments/privacy.py). Views, admin
actions, tasks and commands call these.
"""

import hashlib
import re
from dataclasses import dataclass
from datetime import timedelta

import reversion
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _, ngettext
from django_tasks import task
from django_tasks_db.models import DBTaskResult

from clinic.addresses import site_url
from clinic.logs import queue
from clinic.pagecache import LISTS, article_scope, invalidate_scopes_after_commit
from clinic.roles import MODERATORS
from clinic.tasks import send_email

from .models import Comment, DiscussionSettings, Flag, body_to_html, hash_ip
from .privacy import subject_marks

UNSUBSCRIBE_SALT = "comments.unsubscribe"

#: Patterns of personal health data a patient should not post in public.
PERSONAL_DATA = [
    (
        "a phone number",
        re.compile(
            r"(?<![\w/.-])(?:\+\d{1,3}[\s.-]?)?(?:\(\d{2,5}\)[\s.-]?|\d{2,5}[\s.-])"
            r"\d{3,4}[\s.-]?\d{3,4}(?![\w/-])"
        ),
    ),
    ("an email address", re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+")),
    (
        "a date of birth",
        re.compile(
            r"\b(?:\d{1,2}[/.-]\d{1,2}[/.-](?:19|20)\d{2}|(?:19|20)\d{2}-\d{2}-\d{2})\b"
            r"|\b(?:dob|d\.o\.b\.|date of birth|born on)\b",
            re.IGNORECASE,
        ),
    ),
    (
        "a medical record number",
        re.compile(
            r"\b(?:mrn|medical record|record (?:no|number)|patient (?:id|no|number)"
            r"|nhs (?:no|number)|insurance (?:id|no|number))\b[\s.:#-]*\w*\d"
            r"|\b[A-Z]{2,4}-?\d{6,10}\b",
            re.IGNORECASE,
        ),
    ),
]


class CommentRefused(Exception):
    """A comment that is not stored; `status` is the HTTP status to answer."""

    def __init__(self, message, *, status=400, code="refused"):
        super().__init__(message)
        self.message, self.status, self.code = message, status, code


@dataclass
class Verdict:
    status: str
    reasons: list
    #: Why the comment waits, told to its writer (personal data only).
    writer_notice: str = ""


def personal_data_found(text):
    """Return the kinds of personal health data found in `text`."""
    return [label for label, pattern in PERSONAL_DATA if pattern.search(text)]


def judge_comment(*, config, author_name, author_email, author_url, body, ip):
    """
    Apply the moderation rules to a new comment; return its Verdict. The
    first trash rule wins; otherwise every rule that holds it is recorded.
    """
    haystack = "\n".join((body, author_name, author_email, author_url, ip)).lower()
    for word in config.disallowed_words:
        if word in haystack:
            return Verdict(Comment.Status.TRASH, [f"disallowed keyword: {word}"])
    reasons, notice = [], ""
    found = personal_data_found(f"{body}\n{author_name}")
    if found:
        reasons.append(f"personal health data: {', '.join(found)}")
        notice = _(
            "Your comment seems to contain %(kinds)s. To protect your privacy a "
            "moderator will check it before it is public."
        ) % {"kinds": _(" and ").join(found)}
    reasons += [
        f"moderation keyword: {word}"
        for word in config.moderation_words
        if word in haystack
    ]
    # As readers will see it: every address urlize makes a link, "pills.com"
    # and email addresses included, counts once.
    links = body_to_html(body).count("<a ")
    if config.hold_at_links and links >= config.hold_at_links:
        reasons.append(f"{links} links")
    if config.manual_approval:
        reasons.append("manual approval for all comments")
    elif config.auto_approve_after and not reasons:
        approved = Comment.objects.approved().filter(author_email__iexact=author_email)
        if approved.count() < config.auto_approve_after:
            reasons.append("new author")
    if reasons:
        return Verdict(Comment.Status.PENDING, reasons, notice)
    return Verdict(Comment.Status.APPROVED, ["passed all rules"])


def comments_closed(article, config, now=None):
    """True when `article` no longer takes comments."""
    if not article.allow_comments:
        return True
    if config.close_after_days and article.published_at:
        now = now or timezone.now()
        return now > article.published_at + timedelta(days=config.close_after_days)
    return False


def _submission_key(form_token, author_email, body):
    raw = "\x1f".join((form_token, author_email.lower(), body.strip()))
    return hashlib.sha256(raw.encode()).hexdigest()


def submit_comment(
    *,
    article,
    parent,
    author_name: str,
    author_email: str,
    author_url: str,
    body: str,
    ip: str,
    user_agent: str,
    notify_replies: bool,
    form_token: str,
) -> tuple[Comment, Verdict]:
    """
    Store a reader's comment with the status the rules give it; return the
    comment and the verdict. Raise CommentRefused (nothing stored) when
    comments are closed, the reply nests too deep, the writer posts too
    often (429) or repeats a comment (409). Sending the same form twice
    returns the first comment.
    """
    config = DiscussionSettings.load()
    if comments_closed(article, config):
        raise CommentRefused(
            _("Comments on this article are closed."), status=403, code="closed"
        )
    if parent is not None:
        if parent.article_id != article.pk or parent.status != Comment.Status.APPROVED:
            raise CommentRefused(
                _("The comment you replied to is not available."), code="parent"
            )
        if parent.depth >= min(config.thread_depth, Comment.MAX_DEPTH):
            raise CommentRefused(
                _("Replies cannot nest deeper here; reply to an earlier comment."),
                code="too_deep",
            )
    key = _submission_key(form_token, author_email, body)
    existing = Comment.objects.filter(submission_key=key).first()
    if existing is not None:
        return existing, Verdict(existing.status, existing.status_reasons)
    ip_hash = hash_ip(ip)
    since = timezone.now() - timedelta(seconds=settings.CLINIC_COMMENT_FLOOD_SECONDS)
    recent = Q(author_email__iexact=author_email)
    if ip_hash:
        recent |= Q(ip_hash=ip_hash)
    flooding = Comment.objects.filter(recent, created_at__gte=since).exists()
    duplicate = (
        Comment.objects.for_article(article)
        .filter(author_email__iexact=author_email, body=body.strip())
        .exclude(status=Comment.Status.TRASH)
        .exists()
    )
    if flooding or duplicate:
        # The same form sent twice at once (a double click): the other
        # request may have stored it since the first look.
        existing = Comment.objects.filter(submission_key=key).first()
        if existing is not None:
            return existing, Verdict(existing.status, existing.status_reasons)
    if flooding:
        raise CommentRefused(
            _(
                "You are posting comments too quickly. Please wait a few "
                "seconds and send it again."
            ),
            status=429,
            code="flood",
        )
    if duplicate:
        raise CommentRefused(
            _("You have already posted this comment."), status=409, code="duplicate"
        )
    verdict = judge_comment(
        config=config,
        author_name=author_name,
        author_email=author_email,
        author_url=author_url,
        body=body,
        ip=ip,
    )
    comment = Comment(
        article=article,
        parent=parent,
        author_name=author_name.strip(),
        author_email=author_email.strip(),
        author_url=author_url.strip(),
        body=body.strip(),
        ip_hash=ip_hash,
        user_agent=user_agent[:300],
        notify_replies=notify_replies,
        submission_key=key,
        status=verdict.status,
        status_reasons=verdict.reasons,
    )
    try:
        with transaction.atomic():
            comment.save()
    except IntegrityError:
        # The same form arrived twice at once; the other request stored it.
        existing = Comment.objects.get(submission_key=key)
        return existing, Verdict(existing.status, existing.status_reasons)
    _after_status_change(comment, previous=None)
    return comment, verdict


def reply_as_clinic(*, parent: Comment, user, body: str) -> Comment:
    """Publish a staff reply under `parent` at once; return it."""
    person = getattr(user, "person", None)
    comment = Comment(
        article=parent.article,
        parent=parent,
        author_name=(person.name if person else user.get_full_name())
        or user.get_username(),
        staff_credentials=person.credentials if person else "",
        author_email=user.email,
        body=body.strip(),
        user=user,
        status=Comment.Status.APPROVED,
        status_reasons=["staff reply"],
        moderated_at=timezone.now(),
        moderated_by=user,
    )
    if parent.depth >= Comment.MAX_DEPTH:
        comment.parent = parent.parent
    with transaction.atomic():
        comment.save()
        _after_status_change(comment, previous=None)
    return comment


@transaction.atomic
def edit_comment(*, comment: Comment, editor, fields) -> Comment:
    """
    Save a moderator's edit of `fields` (recorded as a revision with the
    editor); return the comment.
    """
    comment.edited_at = timezone.now()
    comment.edited_by = editor
    with reversion.create_revision():
        comment.save(update_fields=[*fields, "edited_at", "edited_by"])
        reversion.set_user(editor)
        reversion.set_comment(f"edited {', '.join(fields)}")
    if comment.status == Comment.Status.APPROVED:
        # Readers see the new text on the article's page alone.
        invalidate_scopes_after_commit(article_scope(comment.article.slug))
    return comment


@transaction.atomic
def moderate_comments(comments, *, status, moderator, reason="") -> int:
    """
    Give `comments` the new `status` (the only place that changes it after
    creation), recording who, when and why; return how many changed.
    """
    changed = 0
    now = timezone.now()
    for comment in comments:
        if comment.status == status:
            continue
        previous = comment.status
        comment.status = status
        comment.moderated_at = now
        comment.moderated_by = moderator
        who = moderator.get_username() if moderator else "system"
        comment.status_reasons = [
            *comment.status_reasons,
            reason or f"{status} by {who}",
        ]
        comment.save(
            update_fields=["status", "moderated_at", "moderated_by", "status_reasons"]
        )
        _after_status_change(comment, previous=previous)
        changed += 1
    return changed


def _after_status_change(comment, *, previous):
    """Queue what follows a comment's new status, once the data is saved."""
    approved = Comment.Status.APPROVED
    if approved in (comment.status, previous):
        # The article's thread and the comment counts in lists change; the
        # rest of the site's cached pages stay.
        invalidate_scopes_after_commit(article_scope(comment.article.slug), LISTS)
    if comment.status == Comment.Status.PENDING:
        transaction.on_commit(lambda: notify_moderators(comment))
    if comment.status == approved and previous != approved:
        transaction.on_commit(lambda: notify_subscriber(comment))


def _moderator_emails():
    return list(
        get_user_model()
        .objects.filter(
            Q(groups__name=MODERATORS) | Q(is_superuser=True), is_active=True
        )
        .exclude(email="")
        .values_list("email", flat=True)
        .distinct()
    )


def notify_moderators(comment):
    """Queue one email to the moderators about a held comment."""
    recipients = _moderator_emails()
    if not recipients:
        return
    pending = Comment.objects.pending().count()
    link = site_url(reverse("admin:comments_comment_change", args=[comment.pk]))
    reasons = "; ".join(comment.status_reasons)
    queue(
        send_email,
        subject=_("Comment waiting on “%(title)s”") % {"title": comment.article.title},
        body=_(
            "A comment by %(name)s on “%(title)s” is waiting for moderation.\n"
            "Why: %(reasons)s\n\n%(body)s\n\nModerate it: %(link)s\n\n%(pending)s"
        )
        % {
            "name": comment.author_name,
            "title": comment.article.title,
            "reasons": reasons,
            "body": comment.body,
            "link": link,
            "pending": ngettext(
                "%d comment is waiting in all.",
                "%d comments are waiting in all.",
                pending,
            )
            % pending,
        },
        recipients=recipients,
        about=subject_marks(comment, email=comment.author_email),
    )


def notify_subscriber(reply):
    """Queue the email telling a subscriber that `reply` answers them."""
    parent = reply.parent
    if (
        parent is None
        or not parent.notify_replies
        or not parent.author_email
        or parent.author_email.lower() == reply.author_email.lower()
    ):
        return
    token = signing.dumps(parent.pk, salt=UNSUBSCRIBE_SALT)
    queue(
        send_email,
        subject=_("New reply to your comment on “%(title)s”")
        % {"title": reply.article.title},
        body=_(
            "%(name)s replied to your comment:\n\n%(body)s\n\nRead it: %(link)s\n\n"
            "Stop these emails with one click: %(unsubscribe)s"
        )
        % {
            "name": reply.author_name,
            "body": reply.body,
            "link": site_url(reply.get_absolute_url()),
            "unsubscribe": site_url(
                reverse("comments:unsubscribe", kwargs={"token": token})
            ),
        },
        recipients=[parent.author_email],
        about=subject_marks(reply, parent, email=parent.author_email),
    )


#: How long the unsubscribe link of a reply email works.
UNSUBSCRIBE_MAX_AGE = 365 * 24 * 3600


def unsubscribe(token) -> Comment | None:
    """Stop reply emails for the comment named in a signed token that is at
    most a year old."""
    try:
        pk = signing.loads(token, salt=UNSUBSCRIBE_SALT, max_age=UNSUBSCRIBE_MAX_AGE)
    except signing.BadSignature:
        return None
    comment = Comment.objects.filter(pk=pk).first()
    if comment is not None and comment.notify_replies:
        comment.notify_replies = False
        comment.save(update_fields=["notify_replies"])
    return comment


class ReportRefused(Exception):
    """A report that is not recorded, and why."""

    def __init__(self, message, *, status=400):
        super().__init__(message)
        self.message, self.status = message, status


def flag_comment(*, comment: Comment, reporter: str, ip: str, reason: str) -> bool:
    """
    Record a reader's report, once per browser and per IP fingerprint, at
    most CLINIC_REPORTS_PER_HOUR an hour from one address (ReportRefused
    beyond). The report that reaches the discussion settings' threshold
    (counting reports since the last moderation) puts a reader's comment
    back in the queue, which emails the moderators once; the clinic's own
    replies stay up and the moderators get an email instead. Return True
    when the report was new.
    """
    ip_hash = hash_ip(ip)
    since = timezone.now() - timedelta(hours=1)
    if (
        ip_hash
        and Flag.objects.filter(ip_hash=ip_hash, created_at__gte=since).count()
        >= settings.CLINIC_REPORTS_PER_HOUR
    ):
        raise ReportRefused(
            _("You have sent many reports in the last hour. Please try again later."),
            status=429,
        )
    with transaction.atomic():
        comment = Comment.objects.select_for_update().get(pk=comment.pk)
        seen = Q(reporter=reporter)
        if ip_hash:
            seen |= Q(ip_hash=ip_hash)
        if comment.flags.filter(seen).exists():
            return False
        try:
            with transaction.atomic():
                Flag.objects.create(
                    comment=comment, reporter=reporter, ip_hash=ip_hash, reason=reason
                )
        except IntegrityError:
            return False
        reports = comment.flags.all()
        if comment.moderated_at:
            # A moderator looked at it since the earlier reports.
            reports = reports.filter(created_at__gt=comment.moderated_at)
        count = reports.count()
        threshold = DiscussionSettings.load().flag_threshold
        if comment.status != Comment.Status.APPROVED or count < threshold:
            return True
        if comment.is_staff_reply and count != threshold:
            return True  # The moderators were told at the threshold.
        reasons = ", ".join(
            sorted(
                {
                    str(Flag.Reason(r).label)
                    for r in reports.values_list("reason", flat=True)
                }
            )
        )
        if comment.is_staff_reply:
            transaction.on_commit(
                lambda: notify_reported_reply(comment, count, reasons)
            )
        else:
            moderate_comments(
                [comment],
                status=Comment.Status.PENDING,
                moderator=None,
                reason=f"reported by {count} readers: {reasons}",
            )
    return True


def notify_reported_reply(comment, count, reasons):
    """Queue one email to the moderators about a reported clinic reply."""
    recipients = _moderator_emails()
    if not recipients:
        return
    link = site_url(reverse("admin:comments_comment_change", args=[comment.pk]))
    queue(
        send_email,
        subject=_("The clinic's reply on “%(title)s” was reported")
        % {"title": comment.article.title},
        body=_(
            "%(count)d readers reported the clinic's reply by %(name)s on "
            "“%(title)s” (%(reasons)s). It stays published: read it and "
            "decide.\n\n%(body)s\n\nOpen it: %(link)s"
        )
        % {
            "count": count,
            "name": comment.author_name,
            "title": comment.article.title,
            "reasons": reasons,
            "body": comment.body,
            "link": link,
        },
        recipients=recipients,
        about=subject_marks(comment),
    )


@transaction.atomic
def purge_comments(*, now=None) -> dict:
    """
    Erase IP fingerprints and delete spam and trash older than the retention
    period; return the counts.
    """
    now = now or timezone.now()
    cutoff = now - timedelta(days=DiscussionSettings.load().retention_days)
    old = Comment.objects.filter(created_at__lt=cutoff)
    erased = old.exclude(ip_hash="").update(ip_hash="", user_agent="")
    deleted, _ = old.filter(
        status__in=(Comment.Status.SPAM, Comment.Status.TRASH)
    ).delete()
    # Reports carry a browser number and a network fingerprint.
    reports, _ = Flag.objects.filter(created_at__lt=cutoff).delete()
    # Sent emails quote names and comments.
    emails, _ = DBTaskResult.objects.filter(
        task_path=send_email.module_path,
        finished_at__lt=cutoff,
    ).delete()
    return {
        "ip_hashes_erased": erased,
        "deleted": deleted,
        "reports_deleted": reports,
        "emails_deleted": emails,
    }


@task()
def purge_old_comments(request_id: str = "") -> dict:
    """Erase old IP fingerprints and delete old spam and trash."""
    return purge_comments()
