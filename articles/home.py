"""The articles' panels on the admin home (see clinic.home)."""

from django.db.models import Q
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from clinic.home import Panel, Row, first_rows

from .models import Article, SiteConfiguration

#: How far ahead the reviewers' "due soon" panel looks.
DUE_SOON_DAYS = 30


def panels(user):
    """A reviewer's panels first, then an editor's (a reviewer edits too)."""
    found = []
    if user.has_perm("articles.sign_off_article") and user.has_perm(
        "articles.view_article"
    ):
        found += reviewer_panels()
    if user.has_perm("articles.change_article"):
        found += editor_panels(user)
    if user.has_perm("articles.change_article") or user.has_perm(
        "articles.sign_off_article"
    ):
        found.append(reading_panel())
    return found


_working = Article.objects.working_q


def _articles(queryset, order):
    """The first articles of `queryset`, with their pending changes, and the count."""
    return first_rows(
        queryset.select_related("draft")
        .only(
            "title",
            "publish_at",
            "next_review_at",
            "review_notes",
            "draft__title",
            "draft__review_notes",
            "draft__publish_at",
        )
        .order_by(*order)
    )


def _working_version(article):
    # select_related("draft") has read it: no query when there is none.
    return getattr(article, "draft", None) or article


def _rows(articles, note=lambda article, version: ""):
    """Rows under the working version's title; `note` sees both versions."""
    return [
        Row(
            _working_version(article).title,
            reverse("admin:articles_article_change", args=[article.pk]),
            note(article, _working_version(article)),
        )
        for article in articles
    ]


def _date(value):
    return date_format(value, "DATE_FORMAT")


def reviewer_panels():
    """Waiting for review; reviews overdue; reviews due within 30 days."""
    url = reverse("admin:articles_article_changelist")
    articles = Article.objects.all()
    waiting, waiting_count = _articles(
        # In review and not signed off: a change since a sign-off voids it.
        articles.filter(
            _working(status=Article.Status.IN_REVIEW, review_fingerprint="")
        ),
        ("updated_at", "pk"),
    )
    overdue, overdue_count = _articles(
        articles.review_overdue(), ("next_review_at", "pk")
    )
    soon, soon_count = _articles(
        articles.review_due_within(DUE_SOON_DAYS), ("next_review_at", "pk")
    )

    def due(article, version):
        # The live article's date: a draft has none of its own.
        return _("due %(date)s") % {"date": _date(article.next_review_at)}

    return [
        Panel(
            "awaiting-review",
            _("Awaiting your review"),
            _("Nothing waits for review."),
            f"{url}?working=in_review",
            _rows(waiting),
            waiting_count,
        ),
        Panel(
            "review-overdue",
            _("Reviews overdue"),
            _("No review is overdue."),
            f"{url}?review=overdue",
            _rows(overdue, due),
            overdue_count,
        ),
        Panel(
            "review-due",
            _("Reviews due within %(days)d days") % {"days": DUE_SOON_DAYS},
            _("No review falls due soon."),
            f"{url}?review=due",
            _rows(soon, due),
            soon_count,
        ),
    ]


def editor_panels(user):
    """My drafts, my articles sent back with notes, and what is scheduled."""
    url = reverse("admin:articles_article_changelist")
    # Mine: I made the last change, or nobody has and I am the author.
    mine = _working(content_changed_by=user) | (
        _working(content_changed_by=None) & Q(author__user=user)
    )
    draft = _working(status=Article.Status.DRAFT)
    noted = ~_working(review_notes="")
    articles = Article.objects.all()
    newest = ("-updated_at", "-pk")
    drafts, drafts_count = _articles(articles.filter(mine & draft & ~noted), newest)
    returned, returned_count = _articles(articles.filter(mine & draft & noted), newest)
    now = timezone.now()
    unpublished = (Article.Status.DRAFT, Article.Status.IN_REVIEW)
    scheduled, scheduled_count = _articles(
        articles.filter(
            Q(draft__isnull=True, status__in=unpublished, publish_at__gt=now)
            | Q(draft__publish_at__gt=now)
        ),
        # A live article's own publish_at is empty: its draft's time counts.
        (Coalesce("draft__publish_at", "publish_at"), "pk"),
    )

    def when(article, version):
        return _date(timezone.localtime(version.publish_at))

    return [
        Panel(
            "drafts",
            _("Your drafts"),
            _("You have no drafts."),
            f"{url}?working=draft",
            _rows(drafts),
            drafts_count,
        ),
        Panel(
            "sent-back",
            _("Sent back to you with notes"),
            _("Nothing was sent back to you."),
            f"{url}?working=sent_back",
            _rows(returned, lambda article, version: version.review_notes),
            returned_count,
        ),
        Panel(
            "scheduled",
            _("Scheduled"),
            _("Nothing is scheduled."),
            url,
            _rows(scheduled, when),
            scheduled_count,
        ),
    ]


def median_grade(articles):
    """
    The median reading grade of `articles`, or None: a count, then the
    middle row or two read along the grade index (a window over every row
    took 60 ms at 20,000 articles).
    """
    graded = articles.filter(reading_grade__isnull=False)
    count = graded.count()
    if not count:
        return None
    middle = list(
        graded.order_by("-reading_grade").values_list("reading_grade", flat=True)[
            (count - 1) // 2 : count // 2 + 1
        ]
    )
    return round(sum(middle) / len(middle), 1)


def reading_panel():
    """The library's median grade, and the articles furthest above target."""
    target = SiteConfiguration.load().target_grade
    published = Article.objects.filter(status=Article.Status.PUBLISHED)
    hardest, count = first_rows(
        published.filter(reading_grade__gt=target)
        .only("title", "reading_grade")
        .order_by("-reading_grade", "pk")
    )
    median = median_grade(published)
    url = reverse("admin:articles_article_changelist")
    return Panel(
        "reading-level",
        _("Published above the target reading grade"),
        _("Every published article reads within the target."),
        f"{url}?status__exact=published&reading=above",
        [
            Row(
                article.title,
                reverse("admin:articles_article_change", args=[article.pk]),
                _("grade %(grade)s") % {"grade": article.reading_grade},
            )
            for article in hardest
        ],
        count,
        summary=_("The library's median: grade %(median)s; the target: %(target)s.")
        % {"median": "–" if median is None else median, "target": target},
    )
