import json
import re
import secrets
from urllib.parse import quote, urlsplit

from django.conf import settings
from django.contrib import messages
from django.core import signing
from django.http import HttpResponseForbidden
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import resolve
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from articles.models import Article
from clinic.addresses import client_ip, keyed_hash
from clinic.limits import over_limit

from . import privacy, services
from .forms import CommentForm, PrivacyRequestForm, form_token
from .models import Comment, DiscussionSettings, Flag, hash_ip
from .threads import (
    AWAITING_COOKIE,
    AWAITING_KEPT,
    AWAITING_MAX_AGE,
    AWAITING_SALT,
    PAGE_PARAM,
    awaiting_comments,
)

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
        # The link alone shows nothing: only this browser may see the text.
        held = [comment.pk, *awaiting_comments(request)][:AWAITING_KEPT]
        response.set_signed_cookie(
            AWAITING_COOKIE,
            ",".join(map(str, held)),
            salt=AWAITING_SALT,
            max_age=AWAITING_MAX_AGE,
            httponly=True,
            samesite="Lax",
            secure=request.is_secure(),
        )
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
    reason = request.POST.get("reason", "")
    if reason not in Flag.Reason.values:
        reason = Flag.Reason.OTHER
    status = 302
    try:
        new = services.flag_comment(
            comment=comment, reporter=reporter, ip=client_ip(request), reason=reason
        )
    except services.ReportRefused as refusal:
        messages.error(request, refusal.message)
        status = refusal.status
    else:
        if new:
            messages.success(request, _("Thank you. A moderator will look at it."))
        else:
            messages.info(request, _("You have already reported this comment."))
    response = redirect(f"{comment.article.get_absolute_url()}#{comment.anchor}")
    if status != 302:
        # Told on the next page; the status says it to scripts and logs.
        response = render(
            request,
            "comments/report_refused.html",
            {"comment": comment},
            status=status,
        )
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


def _over_request_limit(ip, email):
    """Count a privacy request; True past the hourly limit for the reader's
    network, or, when that is not reached, for the address."""
    limit = settings.CLINIC_PRIVACY_REQUESTS_PER_HOUR
    # The network first: someone over it cannot use up an address's quota.
    if over_limit(f"privacy:{hash_ip(ip)}", limit, 3600):
        return True
    return over_limit(f"privacy:{keyed_hash(email)}", limit, 3600)


def privacy_request(request):
    """'Your data': a reader asks for their data or its erasure."""
    form = PrivacyRequestForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        email = form.cleaned_data["email"].strip().lower()
        if _over_request_limit(client_ip(request), email):
            form.add_error(
                None,
                _(
                    "Too many requests were made for this address or from your "
                    "network in the last hour. Please try again later."
                ),
            )
            status = 429
        else:
            privacy.send_confirmation(email=email, action=form.cleaned_data["action"])
            messages.success(
                request,
                _(
                    "We have sent a link to %(email)s. Open it within 24 hours "
                    "to confirm the request; nothing happens until you do."
                )
                % {"email": email},
            )
            return redirect("comments:privacy-request")
    elif request.method == "POST":
        status = 400
    response = render(
        request,
        "comments/privacy_request.html",
        {
            "form": form,
            "retention_days": DiscussionSettings.load().retention_days,
        },
        status=status,
    )
    patch_cache_control(response, private=True, no_store=True)
    return response


def privacy_confirm(request, token):
    """The link from the confirmation email: confirm, then act."""
    found = privacy.read_request_token(token)
    context = {"request_data": found, "done": None}
    if found is None:
        return render(request, "comments/privacy_confirm.html", context, status=400)
    if request.method == "POST":
        if not privacy.use_request_token(token):
            context["used"] = True
            return render(request, "comments/privacy_confirm.html", context)
        if found["action"] == privacy.EXPORT:
            privacy.send_export(found["email"])
        else:
            context["done"] = privacy.erase_personal_data(found["email"])
        context["finished"] = True
    response = render(request, "comments/privacy_confirm.html", context)
    patch_cache_control(response, private=True, no_store=True)
    return response
