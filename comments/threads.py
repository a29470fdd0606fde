"""
The comment section under an article: one page of its approved threads,
the form, and the writer's own comment awaiting moderation.
"""

import re

from django.core import signing
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.utils.functional import SimpleLazyObject
from django.utils.html import format_html_join
from django.utils.safestring import mark_safe

from . import services
from .forms import CommentForm
from .models import Comment, DiscussionSettings, Flag

AWAITING_SALT = "comments.awaiting"
#: The signed, HttpOnly cookie naming the held comments this browser sent.
AWAITING_COOKIE = "comments_awaiting"
AWAITING_MAX_AGE = 30 * 24 * 3600
#: How many held comments the cookie remembers.
AWAITING_KEPT = 10
#: A row number: ASCII digits only ("²".isdigit() is true), and not too many.
ASCII_NUMBER = re.compile(r"[0-9]{1,18}")
PAGE_PARAM = "comments"


def thread_page(article, config, page_number):
    """
    Return (page, threads) for one page of the article's approved comments:
    `page` pages the top-level comments and carries `comment_count` (every
    approved comment, replies included); each thread root carries
    `.children`, its approved replies, nested. Three queries.
    """
    approved = Comment.objects.approved().for_article(article)
    roots = approved.top_level().only(*Comment.SHOWN_FIELDS)
    per_page = config.comments_per_page
    # One query counts the threads (for the pages) and every comment.
    counts = approved.aggregate(
        threads=Count("pk", filter=Q(parent__isnull=True)), comments=Count("pk")
    )
    paginator = Paginator(roots, per_page)
    paginator.count = counts["threads"]
    page = paginator.get_page(page_number)
    page.comment_count = counts["comments"]
    # Slice and filter explicitly so that an empty thread costs the same
    # queries as a full one.
    offset = (page.number - 1) * per_page
    threads = list(roots[offset : offset + per_page])
    replies = (
        Comment.objects.approved()
        .filter(root_id__in=[root.pk for root in threads] or [0])
        .only(*Comment.SHOWN_FIELDS)
        # Put in order here, not by the database: asked for an order, SQLite
        # would read every approved comment along the moderation queue's
        # index instead of these threads' along theirs.
        .order_by()
    )
    by_parent = {}
    for reply in sorted(replies, key=lambda reply: (reply.created_at, reply.pk)):
        by_parent.setdefault(reply.parent_id, []).append(reply)

    def attach(comment):
        # A reply whose parent is not approved never appears: it is not
        # reachable from an approved root.
        comment.children = by_parent.get(comment.pk, [])
        for child in comment.children:
            attach(child)

    for root in threads:
        attach(root)
    return page, threads


def thread_rows(comments):
    """
    Return the comment trees in `comments` as one flat list, in reading
    order, for a single template loop: each row is a dict with `comment`,
    `opens` (True when a nested list of replies starts before it) and
    `closes` (the tags that end it and any lists it was the last reply of).
    One loop instead of a recursive include keeps a long thread cheap.
    """
    rows = []

    def visit(comment, first_reply):
        row = {"comment": comment, "opens": first_reply, "closes": "</li>"}
        rows.append(row)
        children = getattr(comment, "children", ())
        if children:
            row["closes"] = ""
            for number, child in enumerate(children):
                visit(child, number == 0)
            rows[-1]["closes"] += "</ol></li>"

    for comment in comments:
        visit(comment, False)
    for row in rows:
        row["closes"] = mark_safe(row["closes"])  # Fixed closing tags only.
    return rows


def comment_section(request, article, form=None):
    """Return the template context for the comments under `article`."""
    config = DiscussionSettings.cached()
    closed = services.comments_closed(article, config)
    number = request.GET.get(PAGE_PARAM, "")
    # Anything else shows the first page; it must not make new cache keys.
    number = number if ASCII_NUMBER.fullmatch(number) and len(number) <= 4 else "1"
    threads = SimpleLazyObject(lambda: thread_page(article, config, number))
    awaiting = _awaiting(request, article)
    reply_to = None
    if form is None and not closed:
        form = CommentForm(article=article)
        reply_to = _reply_target(request, article, form)
    elif form is not None:
        parent = form.data.get("parent", "")
        reply_to = (
            Comment.objects.filter(pk=parent, article=article).first()
            if ASCII_NUMBER.fullmatch(parent)
            else None
        )
    return {
        "comment_config": config,
        "comments_closed": closed,
        # Evaluated only when the comment list is not in the fragment cache.
        "comment_page": SimpleLazyObject(lambda: threads[0]),
        "comment_rows": SimpleLazyObject(lambda: thread_rows(threads[1])),
        "comment_page_number": number,
        # The same options under every comment: made once, not per comment.
        "report_options": format_html_join(
            "", '<option value="{}">{}</option>', Flag.Reason.choices
        ),
        # The count every page gives (see Article.with_comment_count): the
        # approved comments, replies included. Called by the template only
        # when the thread is not in the fragment cache.
        "comment_count": lambda: threads[0].comment_count,
        "comment_form": form,
        "reply_to": reply_to,
        "max_reply_depth": min(config.thread_depth, Comment.MAX_DEPTH),
        # Only a blank form is the same for every reader (see _respond.html).
        "comment_form_is_blank": form is not None
        and not form.is_bound
        and reply_to is None,
        "awaiting": awaiting,
        "awaiting_rows": thread_rows([awaiting] if awaiting else []),
    }


def _reply_target(request, article, form):
    pk = request.GET.get("replyto", "")
    if not ASCII_NUMBER.fullmatch(pk):
        return None
    parent = Comment.objects.approved().filter(pk=pk, article=article).first()
    if parent is not None:
        form.initial["parent"] = parent.pk
    return parent


def awaiting_comments(request):
    """The ids of the held comments this browser sent (its signed cookie)."""
    value = request.get_signed_cookie(
        AWAITING_COOKIE, default="", salt=AWAITING_SALT, max_age=AWAITING_MAX_AGE
    )
    return [int(pk) for pk in value.split(",") if ASCII_NUMBER.fullmatch(pk)]


def _awaiting(request, article):
    """
    The writer's own comment awaiting moderation, named by the signed link
    they were sent to, and shown only in the browser that sent it: the link
    alone, in another browser, shows nothing.
    """
    token = request.GET.get("awaiting")
    if not token:
        return None
    try:
        pk = signing.loads(token, salt=AWAITING_SALT, max_age=AWAITING_MAX_AGE)
    except signing.BadSignature:
        return None
    if pk not in awaiting_comments(request):
        return None
    return Comment.objects.filter(
        pk=pk, article=article, status=Comment.Status.PENDING
    ).first()
