"""
Readers' privacy requests: what the site stores about an email address
(export) and removing it everywhere (erasure), asked for from the site with
a confirmation link, or run by a moderator in the admin or a command.
"""

import hashlib
import json
import re
from dataclasses import dataclass, field

from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core import signing
from django.core.cache import cache
from django.db import transaction
from django.db.models import Q, TextField
from django.db.models.functions import Cast
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tasks_db.models import DBTaskResult
from reversion.models import Revision, Version

from clinic.addresses import keyed_hash, site_url
from clinic.logs import queue
from clinic.pagecache import invalidate_public_pages
from clinic.tasks import send_email

from .models import Comment

REQUEST_SALT = "comments.privacy-request"
#: How long a confirmation link works.
REQUEST_MAX_AGE = 24 * 3600
EXPORT, ERASE = "export", "erase"
#: What an erased comment says in its thread.
ERASED_NAME = "Anonymous"
#: What the clinic's replies call a person who asked to be erased.
QUOTED_NAME = "a reader"


def subject_marks(*comments, email=""):
    """
    Return the marks a queued email carries (`about=`) so that erasure can
    find it: the comments it quotes and a keyed hash of the address.
    """
    marks = [f"comment:{comment.pk}" for comment in comments]
    if email:
        marks.append(f"email:{keyed_hash(email.strip().lower())}")
    return marks


def _task_rows(comments, email):
    """The queued and finished task rows that quote `comments` or `email`."""
    query = Q()
    for mark in subject_marks(*comments, email=email):
        # Quoted: "comment:1" must not find "comment:12".
        query |= Q(as_text__contains=json.dumps(mark))
    return DBTaskResult.objects.annotate(
        as_text=Cast("args_kwargs", TextField())
    ).filter(query)


def _revisions(comments):
    return Version.objects.get_for_model(Comment).filter(
        object_id__in=[str(comment.pk) for comment in comments]
    )


def _staff_replies_quoting(comments, pattern):
    """The clinic's replies in the same threads that `pattern` finds the
    person's name in."""
    if pattern is None:
        return []
    threads = {comment.root_id or comment.pk for comment in comments}
    return [
        reply
        for reply in Comment.objects.filter(user__isnull=False).filter(
            Q(root_id__in=threads) | Q(pk__in=threads)
        )
        if pattern.search(reply.body)
    ]


#: Names shorter than this are not looked for in the clinic's replies: "Al"
#: or "Jo" would match other words and other people.
SHORTEST_NAME = 3


def _names_pattern(names):
    alternatives = "|".join(
        re.escape(name) for name in sorted(names, key=len, reverse=True)
    )
    return re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)", re.IGNORECASE)


def _their_comments(email):
    return list(
        Comment.objects.filter(author_email__iexact=email.strip()).select_related(
            "article"
        )
    )


def export_personal_data(email: str) -> dict:
    """Return everything stored about `email`, as plain data for JSON."""
    comments = _their_comments(email)
    earlier = {}
    for version in _revisions(comments).select_related("revision"):
        earlier.setdefault(version.object_id, []).append(
            {
                "saved_at": version.revision.date_created.isoformat(),
                **version.field_dict,
            }
        )
    emails = _task_rows(comments, email).order_by("enqueued_at")
    return {
        "email": email,
        "exported_at": timezone.now().isoformat(),
        "comments": [
            {
                "id": c.pk,
                "article": c.article.title,
                "article_url": site_url(c.article.get_absolute_url()),
                "created_at": c.created_at.isoformat(),
                "status": c.status,
                "name": c.author_name,
                "email": c.author_email,
                "website": c.author_url,
                "comment": c.body,
                "in_reply_to": c.parent_id,
                "emails_me_replies": c.notify_replies,
                "ip_fingerprint": c.ip_hash,
                "browser": c.user_agent,
                "edited_by_the_clinic_at": c.edited_at.isoformat()
                if c.edited_at
                else None,
                "earlier_versions": [
                    {key: str(value) for key, value in entry.items()}
                    for entry in earlier.get(str(c.pk), [])
                ],
            }
            for c in comments
        ],
        "emails": [
            {
                "subject": row.args_kwargs.get("kwargs", {}).get("subject", ""),
                "queued_at": row.enqueued_at.isoformat(),
                "status": row.status,
            }
            for row in emails
        ],
        "not_linked_to_your_email": _(
            "Reports of comments are kept with a random browser number and a "
            "keyed fingerprint of the IP address, never with an email, so they "
            "cannot be found by your address."
        ),
    }


@dataclass
class Erasure:
    """What an erasure removed, by kind."""

    comments: int = 0
    revisions: int = 0
    emails: int = 0
    staff_replies: int = 0
    names: list = field(default_factory=list)

    def __str__(self):
        return _(
            "%(comments)d comment(s) erased, %(revisions)d earlier version(s) and "
            "%(emails)d email task(s) deleted, %(replies)d clinic repl(ies) "
            "no longer naming them."
        ) % {
            "comments": self.comments,
            "revisions": self.revisions,
            "emails": self.emails,
            "replies": self.staff_replies,
        }


@transaction.atomic
def erase_personal_data(email: str) -> Erasure:
    """
    Remove what the site stores about `email`: each comment keeps its place
    in its thread but loses its text, name, email, website, IP fingerprint
    and browser; reply emails stop; earlier versions of the comments, the
    queued and sent emails quoting them, and the person's name in the
    clinic's replies in those threads go; cached pages are renewed.
    """
    comments = _their_comments(email)
    done = Erasure()
    names = {
        c.author_name.strip()
        for c in comments
        if len(c.author_name.strip()) >= SHORTEST_NAME
    } - {ERASED_NAME}
    done.names = sorted(names)
    pattern = _names_pattern(names) if names else None
    replies = _staff_replies_quoting(comments, pattern)
    # Emails quoting the comments, the address, or replies that named them.
    done.emails, _rows = _task_rows([*comments, *replies], email).delete()
    # The admin's history names each comment it changed ("Name: text…").
    LogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(Comment),
        object_id__in=[str(comment.pk) for comment in comments],
    ).update(object_repr=f"{ERASED_NAME}: (erased)")
    for reply in replies:
        reply.body = pattern.sub(QUOTED_NAME, reply.body)
        reply.save(update_fields=["body"])
    revisions, _kinds = _revisions([*comments, *replies]).delete()
    done.revisions = revisions
    Revision.objects.filter(version__isnull=True).delete()
    done.staff_replies = len(replies)
    removed = _("This comment was removed at its writer's request.")
    for comment in comments:
        comment.author_name = ERASED_NAME
        comment.author_email = ""
        comment.author_url = ""
        comment.body = removed
        comment.ip_hash = ""
        comment.user_agent = ""
        comment.notify_replies = False
        comment.submission_key = None
        comment.status_reasons = [*comment.status_reasons, "erased on request"]
        comment.save(
            update_fields=[
                "author_name",
                "author_email",
                "author_url",
                "body",
                "ip_hash",
                "user_agent",
                "notify_replies",
                "submission_key",
                "status_reasons",
            ]
        )
    done.comments = len(comments)
    if comments or replies:
        transaction.on_commit(invalidate_public_pages)
    return done


def request_token(email: str, action: str) -> str:
    """Return the signed confirmation token of a reader's request."""
    return signing.dumps(
        {"email": email.strip().lower(), "action": action}, salt=REQUEST_SALT
    )


def read_request_token(token: str) -> dict | None:
    """Return the request a token confirms, or None if it is bad or old."""
    try:
        data = signing.loads(token, salt=REQUEST_SALT, max_age=REQUEST_MAX_AGE)
    except signing.BadSignature:
        return None
    if data.get("action") not in (EXPORT, ERASE) or not data.get("email"):
        return None
    return data


def use_request_token(token: str) -> bool:
    """Note that a confirmation link was used; False if it was already: a
    link carries out its request once."""
    digest = hashlib.sha256(token.encode()).hexdigest()
    return cache.add(f"privacy-used:{digest}", 1, timeout=REQUEST_MAX_AGE)


def send_confirmation(*, email: str, action: str) -> None:
    """Email the link that confirms a request made on the site."""
    link = site_url(
        reverse(
            "comments:privacy-confirm", kwargs={"token": request_token(email, action)}
        )
    )
    what = (
        _("a copy of the data we keep about this email address")
        if action == EXPORT
        else _("the removal of the data we keep about this email address")
    )
    queue(
        send_email,
        subject=_("Confirm your request"),
        body=_(
            "Someone asked for %(what)s on our website. If it was you, open "
            "this link within 24 hours and confirm:\n\n%(link)s\n\nIf it was "
            "not you, ignore this email: nothing happens without the link."
        )
        % {"what": what, "link": link},
        recipients=[email],
        about=subject_marks(email=email),
    )


def send_export(email: str) -> None:
    """Email a reader the export of their data, as JSON."""
    data = json.dumps(export_personal_data(email), indent=2, ensure_ascii=False)
    queue(
        send_email,
        subject=_("The data we keep about you"),
        body=_(
            "Here is everything our website stores about %(email)s, as you "
            "asked.\n\n%(data)s"
        )
        % {"email": email, "data": data},
        recipients=[email],
        about=subject_marks(*_their_comments(email), email=email),
    )
