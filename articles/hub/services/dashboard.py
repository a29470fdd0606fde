"""The figures of the admin's hub dashboard."""

from datetime import timedelta

from django.db.models import Count
from django.db.models.functions import TruncWeek
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

    def per_week(queryset, field):
        rows = (
            queryset.filter(**{f"{field}__date__gte": start})
            .annotate(week=TruncWeek(field))
            .values("week")
            .annotate(n=Count("pk"))
        )
        counts = {_as_date(row["week"]): row["n"] for row in rows}
        return [counts.get(week, 0) for week in week_starts]

    orphans = orphan_articles()
    broken_internal = Link.objects.broken_internal()
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
        "orphans": list(orphans.order_by("title").only("pk", "title")[:SHOWN]),
        "orphan_count": orphans.count(),
        "broken_internal": list(
            broken_internal.select_related("source", "target_article").order_by(
                "source__title", "pk"
            )[:SHOWN]
        ),
        "broken_internal_count": broken_internal.count(),
    }
