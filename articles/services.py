"""
Writes to articles that have rules or side effects: the review workflow,
publication, and redirects. Views, admin actions and commands call these.
"""

import csv
import io
import re
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from urllib.parse import urlsplit

import httpx
import reversion
from bs4 import BeautifulSoup
from django.contrib.auth import get_user_model
from django.contrib.redirects.models import Redirect
from django.contrib.sites.models import Site
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.db.models import Count, Exists, OuterRef
from django.db.models.functions import TruncWeek
from django.urls import Resolver404, resolve, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from clinic.addresses import site_hosts, site_url
from clinic.logs import queue
from clinic.pagecache import invalidate_public_pages
from clinic.roles import REVIEWERS
from clinic.tasks import send_email

from .fetch import FetchRefused, fetch
from .models import Article, Backlink, Link, LinkCheck, Person
from .richtext import CONTROL_CHARACTERS, extract_links, sanitize_html, text_summary


def _save_with_revision(article, *, user, comment, fields):
    with reversion.create_revision():
        article.save(update_fields=[*fields, "updated_at"])
        reversion.set_user(user)
        reversion.set_comment(comment)
    invalidate_after_commit()


def invalidate_after_commit():
    """Make cached public pages stale once the current transaction commits."""
    transaction.on_commit(invalidate_public_pages)


def _require(user, perm, message):
    if not user.has_perm(perm):
        raise PermissionDenied(message)


@transaction.atomic
def submit_for_review(*, article: Article, user) -> Article:
    """
    Move a draft to review and email the medical reviewers; return it.
    """
    _require(user, "articles.change_article", _("You may not edit articles."))
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
    if article.status == Article.Status.ARCHIVED:
        raise ValidationError(_("Archived articles are not reviewed."), code="archived")
    article.reviewed_by = person
    article.last_reviewed = timezone.localdate()
    article.review_fingerprint = article.fingerprint()
    _save_with_revision(
        article,
        user=user,
        comment=_("Medical sign-off"),
        fields=["reviewed_by", "last_reviewed", "review_fingerprint", "next_review_at"],
    )
    return article


@transaction.atomic
def publish_article(*, article: Article, user, now: datetime | None = None) -> Article:
    """
    Publish the article now, or leave it scheduled when its `publish_at` is
    in the future. Refused without a current medical sign-off. Return it.
    """
    _require(user, "articles.publish_article", _("You may not publish articles."))
    if not article.has_current_sign_off:
        raise ValidationError(
            _(
                "“%(title)s” has no current medical sign-off. A medical "
                "reviewer must sign off this version before it is published."
            )
            % {"title": article},
            code="not_signed_off",
        )
    if article.status == Article.Status.PUBLISHED:
        return article
    now = now or timezone.now()
    if article.publish_at and article.publish_at > now:
        return article
    article.status = Article.Status.PUBLISHED
    article.published_at = now
    _save_with_revision(
        article,
        user=user,
        comment=_("Published"),
        fields=["status", "published_at"],
    )
    return article


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
        article.status = Article.Status.PUBLISHED
        article.published_at = article.publish_at
        _save_with_revision(
            article,
            user=None,
            comment=_("Published on schedule"),
            fields=["status", "published_at"],
        )
        count += 1
    return count


def _take_offline(article, *, user, status, action, comment):
    _require(user, "articles.publish_article", action)
    article.status = status
    article.publish_at = None
    _save_with_revision(
        article, user=user, comment=comment, fields=["status", "publish_at"]
    )
    return article


@transaction.atomic
def unpublish_article(*, article: Article, user) -> Article:
    """Take the article off the site, back to draft; return it."""
    return _take_offline(
        article,
        user=user,
        status=Article.Status.DRAFT,
        action=_("You may not unpublish articles."),
        comment=_("Unpublished"),
    )


@transaction.atomic
def archive_article(*, article: Article, user) -> Article:
    """Archive the article: off the site, kept for the record; return it."""
    return _take_offline(
        article,
        user=user,
        status=Article.Status.ARCHIVED,
        action=_("You may not archive articles."),
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


def _article_slug(path):
    """Return the slug when `path` is an article page, "" for other pages of
    this site, and None when nothing here answers it."""
    redirect = Redirect.objects.filter(old_path=path).only("new_path").first()
    if redirect is not None:
        path = redirect.new_path
    try:
        match = resolve(path)
    except Resolver404:
        return None
    return match.kwargs["slug"] if match.view_name == "articles:detail" else ""


def _links_in(article):
    """Return unsaved Links for the links in `article`'s body."""
    hosts = site_hosts()
    found, slugs = [], {}
    for href, text, rel in extract_links(article.body):
        parts = urlsplit(href)
        if parts.scheme and parts.scheme not in ("http", "https"):
            continue
        if parts.netloc and parts.netloc.lower() not in hosts:
            found.append(Link(source=article, url=href, anchor_text=text, rel=rel))
            continue
        path = parts.path or "/"
        slug = _article_slug(path)
        if slug == "":
            continue  # Another page of this site: not part of the graph.
        link = Link(source=article, is_internal=True, anchor_text=text, rel=rel)
        if slug is None:
            link.url = path
        else:
            slugs[id(link)] = slug
        found.append(link)
    targets = Article.objects.filter(slug__in=set(slugs.values())).in_bulk(
        field_name="slug"
    )
    for link in found:
        if id(link) in slugs:
            target = targets.get(slugs[id(link)])
            if target is None:
                link.url = f"/articles/{slugs[id(link)]}/"
            else:
                link.target_article = target
    return found


@transaction.atomic
def sync_article_links(*, article: Article) -> tuple[int, int]:
    """
    Bring the stored links of `article` in line with its body: create the
    new ones, delete those no longer there, keep the rest. Return
    (created, deleted).
    """
    wanted = {}
    for link in _links_in(article):
        wanted.setdefault(link.key, link)
    existing = {link.key: link for link in article.outbound_links.all()}
    stale = [link.pk for key, link in existing.items() if key not in wanted]
    new = [link for key, link in wanted.items() if key not in existing]
    Link.objects.filter(pk__in=stale).delete()
    Link.objects.bulk_create(new)
    return len(new), len(stale)


def article_for_url(url):
    """Return the published article a URL of this site points at, or None."""
    if CONTROL_CHARACTERS.search(url):
        return None
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        return None
    if (parts.netloc or "").lower() not in site_hosts():
        return None
    slug = _article_slug(parts.path or "/")
    if not slug:
        return None
    return Article.objects.published().filter(slug=slug).first()


def _find_link(html, article):
    """Return the <a> in `html` that points at `article`, or None."""
    for href, text, rel in extract_links(html):
        if article_for_url(href) == article:
            return text, rel.split()
    return None


@transaction.atomic
def verify_backlink(*, backlink: Backlink, now: datetime | None = None) -> Backlink:
    """
    Fetch the linking page and record what it says: verified (with its link
    text and rel flags) when it links to the article, lost when it answers
    404/410 or no longer links. A failed fetch changes only the note.
    Return the backlink.
    """
    now = now or timezone.now()
    backlink.last_checked_at = now
    try:
        page = fetch(backlink.source_url)
    except (FetchRefused, httpx.HTTPError) as error:
        backlink.check_note = f"not fetched: {error}"[:300]
        backlink.save()
        return backlink
    found = None
    if page.status in (404, 410):
        backlink.check_note = f"the page answered {page.status}"
    elif page.status >= 400:
        backlink.check_note = f"the page answered {page.status}; will try again"
        backlink.save()
        return backlink
    else:
        found = _find_link(page.text, backlink.target_article)
        backlink.check_note = "" if found else "no link to the article on the page"
    if found is None:
        if backlink.status != Backlink.Status.REJECTED:
            backlink.status = Backlink.Status.LOST
    else:
        text, rel = found
        backlink.anchor_text = text
        backlink.is_nofollow = "nofollow" in rel
        backlink.is_ugc = "ugc" in rel
        backlink.is_sponsored = "sponsored" in rel
        backlink.first_seen_at = backlink.first_seen_at or now
        backlink.last_seen_at = now
        if backlink.status != Backlink.Status.REJECTED:
            backlink.status = Backlink.Status.VERIFIED
    backlink.save()
    transaction.on_commit(invalidate_public_pages)
    return backlink


def record_backlink(*, source_url: str, article: Article, via: str) -> tuple:
    """
    Add a backlink (or find the one already recorded for the same page and
    article) and queue its verification; return (backlink, created).
    """
    from .tasks import verify_backlink_task

    backlink, created = Backlink.objects.get_or_create(
        source_url=source_url, target_article=article, defaults={"via": via}
    )
    transaction.on_commit(lambda: queue(verify_backlink_task, backlink_id=backlink.pk))
    return backlink, created


MAX_CSV_ROWS = 5000


def import_backlinks_csv(upload) -> list[dict]:
    """
    Add the backlinks listed in a CSV file (source_url, article address or
    slug); return one report row per line: what was added, skipped or
    refused and why. Raise ValidationError when the file is not a CSV.
    """
    try:
        text = upload.read().decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValidationError(
            _("The file is not UTF-8 text."), code="encoding"
        ) from None
    rows = list(csv.reader(io.StringIO(text)))
    if len(rows) > MAX_CSV_ROWS + 1:
        raise ValidationError(
            _("The file has more than %(max)d rows.") % {"max": MAX_CSV_ROWS},
            code="too_long",
        )
    if rows and rows[0] and rows[0][0].strip().lower() in ("source_url", "source"):
        rows = rows[1:]
        first_line = 2
    else:
        first_line = 1
    report = []
    check_url = URLValidator(schemes=["http", "https"])
    longest = Backlink._meta.get_field("source_url").max_length
    for line, row in enumerate(rows, start=first_line):
        if not any(cell.strip() for cell in row):
            continue
        entry = {"line": line, "source_url": row[0].strip() if row else ""}
        report.append(entry)
        if len(row) < 2:
            entry.update(outcome="refused", reason=_("Two columns are needed."))
            continue
        source, target = row[0].strip(), row[1].strip()
        try:
            check_url(source)
            if CONTROL_CHARACTERS.search(source):
                raise ValidationError("control characters")
        except ValidationError:
            entry.update(outcome="refused", reason=_("Not an http(s) address."))
            continue
        if len(source) > longest:
            entry.update(
                outcome="refused",
                reason=_("The address is longer than %(max)d characters.")
                % {"max": longest},
            )
            continue
        if "/" in target:
            article = article_for_url(target)
        elif CONTROL_CHARACTERS.search(target):
            article = None
        else:
            article = Article.objects.filter(slug=target).first()
        if article is None:
            entry.update(outcome="refused", reason=_("No such article: %s") % target)
            continue
        entry["article"] = article.title
        backlink, created = record_backlink(
            source_url=source, article=article, via=Backlink.Via.CSV
        )
        if created:
            entry.update(outcome="added", reason="")
        else:
            entry.update(outcome="skipped", reason=_("Already recorded."))
    return report


#: Consecutive failures (429, 5xx, network) before a URL is called broken.
FAILURES_BEFORE_BROKEN = 3
#: HEAD answers that mean "ask again with GET".
HEAD_REFUSED = {403, 405, 501}


def probe_url(url):
    """
    Check one outside URL: HEAD, then GET when HEAD is refused. Return a dict
    with "http_status", "final_url", "redirects", "retry" (a passing failure)
    and "note". Never raises.
    """
    try:
        result = fetch(url, method="HEAD")
        if result.status in HEAD_REFUSED:
            result = fetch(url)
    except FetchRefused as error:
        return {"http_status": None, "retry": False, "note": f"refused: {error}"}
    except httpx.HTTPError as error:
        name = type(error).__name__
        return {"http_status": None, "retry": True, "note": f"{name}: {error}"[:300]}
    retry = result.status == 429 or result.status >= 500
    return {
        "http_status": result.status,
        "final_url": result.url,
        "redirects": result.chain[1:],
        "retry": retry,
        "note": f"answered {result.status}" if result.status >= 400 else "",
        "retry_after": result.headers.get("retry-after", ""),
    }


def _apply_probe(check, outcome, now):
    check.last_checked_at = now
    check.http_status = outcome["http_status"]
    check.final_url = outcome.get("final_url", "")
    check.redirects = outcome.get("redirects", [])
    check.note = outcome["note"]
    status = outcome["http_status"]
    if status is not None and status < 400:
        check.status, check.failures = LinkCheck.Status.OK, 0
        check.next_check_at = now + timedelta(days=7)
        return
    if outcome["retry"]:
        check.failures += 1
        broken = check.failures >= FAILURES_BEFORE_BROKEN
        check.status = LinkCheck.Status.BROKEN if broken else LinkCheck.Status.RETRYING
        wait = timedelta(hours=2**check.failures)
        retry_after = outcome.get("retry_after", "")
        if re.fullmatch(r"[0-9]{1,9}", retry_after):
            # Honoured up to a month; a server cannot put us off for years.
            wait = max(wait, timedelta(seconds=min(int(retry_after), 30 * 86400)))
        check.next_check_at = now + wait
        return
    check.status, check.failures = LinkCheck.Status.BROKEN, check.failures + 1
    check.next_check_at = now + timedelta(days=1)


def check_outbound_links(*, everything=False, urls=None, now=None, workers=8) -> dict:
    """
    Check the outside URLs our articles link to, several at a time: the due
    ones, all of them with `everything`, or just `urls`. Return counts by
    resulting status.
    """
    now = now or timezone.now()
    known = set(LinkCheck.objects.values_list("url", flat=True))
    linked = set(Link.objects.external().values_list("url", flat=True).distinct())
    LinkCheck.objects.bulk_create(
        [LinkCheck(url=url) for url in linked - known], ignore_conflicts=True
    )
    checks = LinkCheck.objects.filter(url__in=linked)
    if urls is not None:
        checks = checks.filter(url__in=urls)
    elif not everything:
        checks = checks.due(now)
    checks = list(checks)
    with ThreadPoolExecutor(max_workers=workers) as pool:
        outcomes = list(pool.map(probe_url, [check.url for check in checks]))
    counts = {}
    for check, outcome in zip(checks, outcomes, strict=True):
        _apply_probe(check, outcome, now)
        check.save()
        counts[check.status] = counts.get(check.status, 0) + 1
    return counts


@transaction.atomic
def unlink(*, link: Link, user) -> Article:
    """
    Remove a link from its article's body, keeping the link's text. The
    words a reviewer signed off are unchanged, so the sign-off stays.
    Return the article.
    """
    _require(user, "articles.change_article", _("You may not edit articles."))
    article = link.source
    signed = article.has_current_sign_off
    text_before = article.body_text
    soup = BeautifulSoup(article.body, "html.parser")
    target = link.target_article.get_absolute_url() if link.target_article else link.url
    for anchor in soup.find_all("a", href=True):
        if anchor["href"].strip() == target or anchor["href"].endswith(target):
            anchor.unwrap()
    article.body = str(soup)
    if signed and text_summary(sanitize_html(article.body), limit=None) == text_before:
        # Same words: re-fingerprint so that saving does not void the sign-off.
        article.review_fingerprint = article.fingerprint()
    article.save()
    sync_article_links(article=article)
    invalidate_after_commit()
    return article


def _as_date(value):
    return value.date() if hasattr(value, "date") else value


def hub_dashboard(*, now=None, weeks=12) -> dict:
    """
    Return the figures of the admin hub dashboard: backlink counts by status,
    new and lost backlinks per week, top referring domains, broken outside
    links, orphan articles and broken internal links.
    """
    now = now or timezone.now()
    start = (now - timedelta(weeks=weeks - 1)).date()
    start -= timedelta(days=start.weekday())
    week_starts = [start + timedelta(weeks=n) for n in range(weeks)]

    def per_week(queryset, field):
        rows = (
            queryset.filter(**{f"{field}__date__gte": start})
            .annotate(week=TruncWeek(field))
            .values("week")
            .annotate(n=Count("pk"))
        )
        counts = {_as_date(row["week"]): row["n"] for row in rows}
        return [counts.get(week, 0) for week in week_starts]

    published = Article.objects.published()
    return {
        "by_status": dict(
            Backlink.objects.values_list("status").annotate(n=Count("pk")).order_by()
        ),
        "weeks": week_starts,
        "new_per_week": per_week(Backlink.objects.all(), "first_seen_at"),
        "lost_per_week": per_week(
            Backlink.objects.filter(status=Backlink.Status.LOST), "last_checked_at"
        ),
        "top_domains": list(
            Backlink.objects.public()
            .values("referring_domain")
            .annotate(n=Count("pk"))
            .order_by("-n", "referring_domain")[:10]
        ),
        "broken_outbound": list(LinkCheck.objects.broken()[:50]),
        "orphans": list(
            published.filter(
                ~Exists(
                    Link.objects.filter(
                        target_article=OuterRef("pk"), source__in=published
                    )
                )
            ).only("pk", "title", "slug")
        ),
        "broken_internal": list(
            Link.objects.broken_internal().select_related("source", "target_article")
        ),
    }
