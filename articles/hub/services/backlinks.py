"""
Outside pages that link to our articles: recording them (admin, CSV,
Webmention) and verifying them by fetching the page.
"""

import csv
import io
from datetime import datetime
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tasks import task

from articles.models import Article
from articles.richtext import CONTROL_CHARACTERS, extract_links
from clinic.addresses import site_hosts
from clinic.logs import queue
from clinic.pagecache import (
    HUB,
    article_scope,
    invalidate_after_commit,
    invalidate_scopes_after_commit,
)

from ..fetch import FetchFailed, FetchRefused, fetch
from ..models import Backlink
from .links import article_for_url

#: Links read on a linking page, and of those, addresses on this site that
#: are looked up (an old address may redirect to the article).
MAX_LINKS_READ = 1000
MAX_LINKS_LOOKED_UP = 20


def _find_link(html, article):
    """
    Return (text, rel) of the <a> in `html` that points at `article`, or
    None. The cost is bounded whatever the page holds: at most
    MAX_LINKS_READ links are read, only absolute links to this site count
    (a relative link on another site's page stays on that site), and at
    most MAX_LINKS_LOOKED_UP of them are looked up in the database.
    """
    hosts = site_hosts()
    path = article.get_absolute_url()
    others = []
    for href, text, rel in extract_links(html, limit=MAX_LINKS_READ):
        parts = urlsplit(href)
        if parts.scheme not in ("http", "https") or parts.netloc.lower() not in hosts:
            continue
        if parts.path == path:
            return text, rel.split()
        others.append((href, text, rel))
    for href, text, rel in others[:MAX_LINKS_LOOKED_UP]:
        if article_for_url(href) == article:
            return text, rel.split()
    return None


def _shown(backlink):
    """What readers see of a backlink (None when they see nothing)."""
    if backlink.status != Backlink.Status.VERIFIED or not backlink.is_approved:
        return None
    return (backlink.anchor_text, backlink.rel)


#: Past this many articles, a change of backlinks renews every page.
SCOPED_ARTICLES = 200


def invalidate_backlink_pages(slugs):
    """
    Once the transaction commits, renew the pages that show the backlinks of
    the articles `slugs`: their own pages and the hub.
    """
    slugs = set(slugs)
    if len(slugs) > SCOPED_ARTICLES:
        invalidate_after_commit()
    else:
        invalidate_scopes_after_commit(HUB, *(article_scope(slug) for slug in slugs))


@transaction.atomic
def verify_backlink(*, backlink: Backlink, now: datetime | None = None) -> Backlink:
    """
    Fetch the linking page and record what it says: verified (with its link
    text and rel flags) when it links to the article, lost when it answers
    404/410 or no longer links. A failed fetch changes only the note.
    Return the backlink.
    """
    now = now or timezone.now()
    shown_before = _shown(backlink)
    backlink.last_checked_at = now
    try:
        page = fetch(backlink.source_url)
    except (FetchRefused, FetchFailed) as error:
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
        seen_before = backlink.first_seen_at is not None
        if backlink.is_approved and seen_before and text != backlink.anchor_text:
            # The approval was of the words shown; new words need a new one.
            backlink.is_approved = False
            backlink.check_note = (
                f"the link text changed from “{backlink.anchor_text}”; "
                "approve it again to show it"
            )[:300]
        backlink.anchor_text = text
        backlink.is_nofollow = "nofollow" in rel
        backlink.is_ugc = "ugc" in rel
        backlink.is_sponsored = "sponsored" in rel
        backlink.first_seen_at = backlink.first_seen_at or now
        backlink.last_seen_at = now
        if backlink.status != Backlink.Status.REJECTED:
            backlink.status = Backlink.Status.VERIFIED
    backlink.save()
    if _shown(backlink) != shown_before:
        # Only what readers see renews cached pages, and only the pages that
        # show it: a pending or unchanged backlink costs the cache nothing.
        invalidate_backlink_pages([backlink.target_article.slug])
    return backlink


@task()
def verify_backlink_task(*, backlink_id: int, request_id: str = "") -> str:
    """Verify one backlink by fetching its page; return its new status."""
    backlink = Backlink.objects.filter(pk=backlink_id).first()
    if backlink is None:
        return "gone"
    return verify_backlink(backlink=backlink).status


@task()
def verify_all_backlinks(request_id: str = "") -> int:
    """Queue a fresh verification of every backlink not rejected."""
    ids = list(Backlink.objects.due_for_check().values_list("pk", flat=True))
    for backlink_id in ids:
        queue(verify_backlink_task, backlink_id=backlink_id)
    return len(ids)


def check_outside_url(url: str, name: str = "address") -> None:
    """
    Refuse, with the reason, an outside address the hub can neither store
    nor fetch: one that is not http(s) with a host (control characters
    included), or longer than a backlink's column. `name` says which
    address it is in the message ("source", "target").
    """
    longest = Backlink._meta.get_field("source_url").max_length
    if len(url) > longest:
        raise ValidationError(
            _("The %(name)s is too long: at most %(max)d characters.")
            % {"name": name, "max": longest},
            code="too_long",
        )
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises for a port that is not a number.
    except ValueError:
        raise ValidationError(
            _("The %(name)s is not a valid address.") % {"name": name},
            code="invalid",
        ) from None
    if (
        parts.scheme not in ("http", "https")
        or not parts.netloc
        or CONTROL_CHARACTERS.search(url)
        or any(character.isspace() for character in url)
    ):
        raise ValidationError(
            _("The %(name)s must be an http(s) URL.") % {"name": name},
            code="not_http",
        )


def queue_verification(backlink):
    """Verify `backlink` in the background once the transaction commits."""
    transaction.on_commit(lambda: queue(verify_backlink_task, backlink_id=backlink.pk))


def record_backlink(*, source_url: str, article: Article, via: str) -> tuple:
    """
    Add a backlink (or find the one already recorded for the same page and
    article) and queue its verification; return (backlink, created).
    """
    backlink, created = Backlink.objects.get_or_create(
        source_url=source_url, target_article=article, defaults={"via": via}
    )
    queue_verification(backlink)
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
            check_outside_url(source)
        except ValidationError as error:
            entry.update(outcome="refused", reason=error.messages[0])
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
