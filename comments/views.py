import json
import re
import secrets
from urllib.parse import quote, urlsplit

from django.contrib import messages
from django.core import signing
from django.http import HttpResponseForbidden
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import resolve
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from articles.models import Article
from clinic.addresses import client_ip

from . import services
from .forms import CommentForm, form_token
from .models import Comment, DiscussionSettings
from .threads import AWAITING_SALT, PAGE_PARAM

REMEMBER_COOKIE = "comment_author"
READER_COOKIE = "reader"
#: What the reader cookie holds (secrets.token_hex(16)); anything else is replaced.
READER_ID = re.compile(r"[0-9a-f]{32}")


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
    """
    Re-show the article with the form as typed, a fresh token and why. The
    article's own page view renders it, found through the article's URL,
    so this app needs nothing of the articles app but its model.
    """
    data = form.data.copy()
    data["token"] = form_token(article.pk)
    form.data = data
    if error:
        form.add_error(None, error)
    page = resolve(article.get_absolute_url())
    response = page.func(request, *page.args, comment_form=form, **page.kwargs)
    response.status_code = status
    return response


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
