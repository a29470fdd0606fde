"""The figures of the admin's hub dashboard."""

from datetime import datetime, time, timedelta

from django.db.models import Count, Q
from django.utils import timezone

from articles.models import Article

from ..models import Backlink, Link, LinkCheck


def _as_date(value):
    return value.date() if hasattr(value, "date") else value


#: How many rows each list of the dashboard shows; the rest are counted.
SHOWN = 50


def orphan_articles(queryset=None):
    """Published articles (of `queryset`) no published article links to."""
    published = Article.objects.published()
    # One set of linked articles, not a lookup per article.
    linked = Link.objects.filter(
        source__in=published, target_article__isnull=False
    ).values("target_article")
    return (queryset if queryset is not None else published).exclude(pk__in=linked)


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

    starts = [timezone.make_aware(datetime.combine(day, time())) for day in week_starts]
    ends = [*starts[1:], None]

    def per_week(queryset, field):
        # A count per week in one pass over the rows since the first week,
        # each a comparison of the stored instant (no conversion per row).
        counts = queryset.filter(**{f"{field}__gte": starts[0]}).aggregate(
            **{
                str(n): Count(
                    "pk",
                    filter=Q(**{f"{field}__gte": start})
                    & (Q(**{f"{field}__lt": end}) if end else Q()),
                )
                for n, (start, end) in enumerate(zip(starts, ends, strict=True))
            }
        )
        return [counts[str(n)] for n in range(weeks)]

    # One query for the orphans, listed and counted: their titles are small.
    orphans = list(orphan_articles().order_by("title").values_list("pk", "title"))
    broken_internal = Link.objects.broken_internal()
    broken = list(
        broken_internal.select_related("source", "target_article")
        .only(
            "url",
            "anchor_text",
            "source__title",
            "target_article__title",
            "target_article__status",
        )
        .order_by("source__title", "pk")[: SHOWN + 1]
    )
    return {
        "by_status": dict(
            Backlink.objects.values_list("status").annotate(n=Count("pk")).order_by()
        ),
        "weeks": week_starts,
        "new_per_week": per_week(Backlink.objects.all(), "first_seen_at"),
        "lost_per_week": per_week(
            Backlink.objects.filter(status=Backlink.Status.LOST), "last_checked_at"
        ),
        # Sites that link to us, verified and approved: read from one index
        # (an article unpublished since still counts its links).
        "top_domains": list(
            Backlink.objects.filter(Backlink.objects.public_q())
            .values("referring_domain")
            .annotate(n=Count("pk"))
            .order_by("-n", "referring_domain")[:10]
        ),
        "broken_outbound": list(LinkCheck.objects.broken()[:50]),
        "orphans": [Article(pk=pk, title=title) for pk, title in orphans[:SHOWN]],
        "orphan_count": len(orphans),
        "broken_internal": broken[:SHOWN],
        # Counted only when there are more than the list shows.
        "broken_internal_count": broken_internal.count()
        if len(broken) > SHOWN
        else len(broken),
    }
