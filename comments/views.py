import json
import re
import secrets
from urllib.parse import quote, urlsplit

from django.contrib import messages
from django.core import signing
from django.core.paginator import Paginator
from django.http import HttpResponseForbidden
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.functional import SimpleLazyObject
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from articles.models import Article
from articles.views import article_context
from clinic.addresses import client_ip

from . import services
from .forms import CommentForm, form_token
from .models import Comment, DiscussionSettings

AWAITING_SALT = "comments.awaiting"
REMEMBER_COOKIE = "comment_author"
READER_COOKIE = "reader"
#: What the reader cookie holds (secrets.token_hex(16)); anything else is replaced.
READER_ID = re.compile(r"[0-9a-f]{32}")
#: A row number: ASCII digits only ("²".isdigit() is true), and not too many.
ASCII_NUMBER = re.compile(r"[0-9]{1,18}")
PAGE_PARAM = "comments"


def thread_page(article, config, page_number):
    """
    Return (page, threads) for one page of the article's approved comments:
    `page` pages the top-level comments; each thread root carries
    `.children`, its approved replies, nested. Three queries.
    """
    roots = Comment.objects.approved().for_article(article).top_level()
    per_page = config.comments_per_page
    page = Paginator(roots, per_page).get_page(page_number)
    # Slice and filter explicitly so that an empty thread costs the same
    # queries as a full one.
    offset = (page.number - 1) * per_page
    threads = list(roots[offset : offset + per_page])
    replies = Comment.objects.approved().filter(
        root_id__in=[root.pk for root in threads] or [0]
    )
    by_parent = {}
    for reply in replies:
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


def _awaiting(request, article):
    """The writer's own pending comment, named by a signed link."""
    token = request.GET.get("awaiting")
    if not token:
        return None
    try:
        pk = signing.loads(token, salt=AWAITING_SALT, max_age=24 * 3600)
    except signing.BadSignature:
        return None
    return Comment.objects.filter(
        pk=pk, article=article, status=Comment.Status.PENDING
    ).first()


def _same_origin(request):
    """
    Refuse a post another site made a browser send. The comment view uses no
    session or cookie authority, so this is defence in depth.
    """
    if request.headers.get("Sec-Fetch-Site") == "cross-site":
        return False
    origin = request.headers.get("Origin")
    return not origin or urlsplit(origin).netloc == request.get_host()


def _render_article(request, article, form, status, error=""):
    """Re-show the article with the form as typed, a fresh token and why."""
    data = form.data.copy()
    data["token"] = form_token(article.pk)
    form.data = data
    if error:
        form.add_error(None, error)
    context = {"article": article, **article_context(request, article, form)}
    return render(request, "articles/article_detail.html", context, status=status)


@csrf_exempt  # Cached pages carry no CSRF token; see docs/architecture.md.
@require_POST
def post_comment(request, slug):
    article = get_object_or_404(Article.objects.published(), slug=slug)
    if not _same_origin(request):
        return HttpResponseForbidden(_("Comments must be sent from this site."))
    form = CommentForm(request.POST, article=article)
    if not form.is_valid():
        return _render_article(request, article, form, status=400)
    data = form.cleaned_data
    parent = None
    if data["parent"]:
        parent = Comment.objects.filter(pk=data["parent"], article=article).first()
        if parent is None:
            return _render_article(
                request, article, form, 400, _("The comment you replied to is gone.")
            )
    try:
        comment, verdict = services.submit_comment(
            article=article,
            parent=parent,
            author_name=data["author_name"],
            author_email=data["author_email"],
            author_url=data["author_url"],
            body=data["body"],
            ip=client_ip(request),
            user_agent=request.headers.get("User-Agent", ""),
            notify_replies=data["notify_replies"],
            form_token=data["token"],
        )
    except services.CommentRefused as refusal:
        return _render_article(request, article, form, refusal.status, refusal.message)
    url = article.get_absolute_url()
    if comment.status == Comment.Status.APPROVED:
        messages.success(request, _("Thank you: your comment is published."))
        response = redirect(comment.get_absolute_url())
    elif comment.status == Comment.Status.PENDING:
        messages.info(
            request,
            verdict.writer_notice
            or _("Thank you: your comment is awaiting moderation."),
        )
        token = signing.dumps(comment.pk, salt=AWAITING_SALT)
        response = redirect(f"{url}?awaiting={token}#{comment.anchor}")
    else:
        messages.info(request, _("Thank you: your comment is awaiting moderation."))
        response = redirect(f"{url}#comments")
    if data["remember"]:
        saved = {
            "name": data["author_name"],
            "email": data["author_email"],
            "url": data["author_url"],
        }
        response.set_cookie(
            REMEMBER_COOKIE,
            quote(json.dumps(saved)),
            max_age=365 * 24 * 3600,
            samesite="Lax",
            secure=request.is_secure(),
        )
    elif REMEMBER_COOKIE in request.COOKIES:
        response.delete_cookie(REMEMBER_COOKIE)
    return response


def permalink(request, pk):
    """Send a reader to the page of the thread that holds the comment."""
    comment = get_object_or_404(
        Comment.objects.approved().select_related("article"), pk=pk
    )
    article = comment.article
    if not Article.objects.published().filter(pk=article.pk).exists():
        return redirect("articles:home")
    root_id = comment.root_id or comment.pk
    root = Comment.objects.get(pk=root_id)
    earlier = (
        Comment.objects.approved()
        .for_article(article)
        .top_level()
        .filter(created_at__lt=root.created_at)
        .count()
    )
    per_page = DiscussionSettings.load().comments_per_page
    page = earlier // per_page + 1
    query = f"?{PAGE_PARAM}={page}" if page > 1 else ""
    return redirect(f"{article.get_absolute_url()}{query}#{comment.anchor}")


@csrf_exempt  # Reports come from cached pages too; one per browser cookie.
@require_POST
def flag(request, pk):
    comment = get_object_or_404(Comment.objects.approved(), pk=pk)
    if not _same_origin(request):
        return HttpResponseForbidden(_("Reports must be sent from this site."))
    reporter = request.COOKIES.get(READER_COOKIE, "")
    if not READER_ID.fullmatch(reporter):
        reporter = secrets.token_hex(16)
    if services.flag_comment(comment=comment, reporter=reporter):
        messages.success(request, _("Thank you. A moderator will look at it."))
    else:
        messages.info(request, _("You have already reported this comment."))
    response = redirect(f"{comment.article.get_absolute_url()}#{comment.anchor}")
    response.set_cookie(
        READER_COOKIE,
        reporter,
        max_age=365 * 24 * 3600,
        httponly=True,
        samesite="Lax",
        secure=request.is_secure(),
    )
    return response


def unsubscribe(request, token):
    comment = services.unsubscribe(token)
    return render(
        request,
        "comments/unsubscribed.html",
        {"comment": comment},
        status=200 if comment else 404,
    )
