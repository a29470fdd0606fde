"""Articles, their editorial workflow and their references."""

import calendar
import math
import re
from datetime import date, timedelta
from itertools import combinations

import reversion
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import (
    SearchHeadline,
    SearchQuery,
    SearchRank,
    SearchVector,
    SearchVectorField,
)
from django.core.exceptions import ValidationError
from django.db import connection, models
from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    OuterRef,
    Q,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Left
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from clinic.addresses import validate_web_url

from ..richtext import add_heading_ids
from .content import REFERENCE_KEYS, ArticleContent
from .media import with_renditions
from .people import Person
from .search import SearchWord
from .taxonomy import Category, Tag

#: Markers around matched words in search headlines; control characters that
#: sanitized text never contains, so the snippet can be escaped first.
SEARCH_MARK_START = "\x02"
SEARCH_MARK_END = "\x03"


def add_months(day, months):
    """Return `day` moved `months` calendar months on, clamped to month end."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


class ArticleQuerySet(models.QuerySet):
    def published_q(self, prefix=""):
        """
        Return the Q for articles readers may see now; `prefix` (such as
        "articles__") applies it across a relation.
        """
        now = timezone.now()
        return Q(
            **{
                f"{prefix}status": Article.Status.PUBLISHED,
                f"{prefix}published_at__lte": now,
            }
        ) & (
            Q(**{f"{prefix}unpublish_at__isnull": True})
            | Q(**{f"{prefix}unpublish_at__gt": now})
        )

    def published(self):
        """Return the articles readers may see: published and due."""
        return self.filter(self.published_q())

    def free_slug(self, text):
        """
        Return a slug made from `text` that no article uses yet: the plain
        slug, or the first of "-2", "-3", … that is free.
        """
        base = slugify(text)[:190] or "article"
        slug, n = base, 2
        while self.filter(slug=slug).exists():
            slug, n = f"{base}-{n}", n + 1
        return slug

    def due_for_publication(self):
        """
        Return unpublished articles whose `publish_at` has come and whose
        medical sign-off is current: the ones `publish_scheduled` publishes.
        """
        return self.filter(
            status__in=(Article.Status.DRAFT, Article.Status.IN_REVIEW),
            publish_at__lte=timezone.now(),
            reviewed_by__isnull=False,
        ).exclude(review_fingerprint="")

    def due_for_withdrawal(self):
        """Return published articles whose `unpublish_at` has come."""
        return self.filter(
            status=Article.Status.PUBLISHED, unpublish_at__lte=timezone.now()
        )

    def review_overdue(self):
        """Return published articles whose next medical review date has passed."""
        return self.filter(
            status=Article.Status.PUBLISHED, next_review_at__lt=timezone.localdate()
        )

    @staticmethod
    def working_q(**lookups):
        """
        Return the Q of articles whose working version has `lookups`: the
        unpublished changes of a live article when it has some, else the
        article itself.
        """
        return Q(draft__isnull=True, **lookups) | Q(
            draft__isnull=False,
            **{f"draft__{name}": value for name, value in lookups.items()},
        )

    def review_due_within(self, days):
        """
        Return published articles whose next medical review falls today or
        within `days` days.
        """
        today = timezone.localdate()
        return self.filter(
            status=Article.Status.PUBLISHED,
            next_review_at__gte=today,
            next_review_at__lte=today + timedelta(days=days),
        )

    def for_listing(self):
        """
        Return articles with category, author and image joined, and without
        the large body columns a list never shows.
        """
        return (
            self.select_related(
                "category", "category__parent", "author", "featured_image"
            )
            .defer(*Article.LARGE_FIELDS)
            .with_comment_count()
        )

    def for_page(self):
        """
        Return articles with what an article page shows, in one query: the
        row without what the page never shows (NOT_ON_PAGE), with category,
        author, reviewer and image joined. A page whose parts come from the
        fragment cache reads the body too: cheaper than a second query
        for it whenever they do not.
        """
        return self.select_related(
            "category", "category__parent", "author", "reviewed_by", "featured_image"
        ).defer(*self.NOT_ON_PAGE)

    #: What an article page never shows.
    NOT_ON_PAGE = (
        "body",
        "search_vector",
        "search_head",
        "reading",
        "reading_reason",
        "review_notes",
        "content_changed_fields",
        "author__bio",
        "reviewed_by__bio",
    )

    def as_cards(self):
        """
        Return articles with only what an article card shows (see
        includes/_article_card.html): fewer columns and joins to build and
        read than `for_listing`, on every list page.
        """
        return (
            self.select_related("category", "featured_image")
            .only(*Article.CARD_FIELDS)
            .with_comment_count()
        )

    def with_comment_count(self):
        """Annotate `comment_count` (int): the approved comments."""
        from comments.models import Comment

        approved = (
            Comment.objects.approved()
            .filter(article=OuterRef("pk"))
            .order_by()
            .values("article")
            .annotate(n=Count("pk"))
            .values("n")
        )
        return self.annotate(comment_count=Coalesce(Subquery(approved), Value(0)))

    def related_to(self, article, tag_ids, limit):
        """
        Return articles of this queryset among the `limit` newest other
        published articles sharing `article`'s category and the `limit`
        newest sharing one of `tag_ids`, newest first: the first `limit`
        are the newest sharing either.

        Each kind is its own subquery read newest first and stopped at
        `limit`, so the database tests the tags of a few articles one at a
        time instead of collecting every article that has one of them.
        """
        others = (
            Article.objects.published()
            .exclude(pk=article.pk)
            .order_by("-published_at", "-pk")
        )
        wanted = Q(
            pk__in=others.filter(category_id=article.category_id).values("pk")[:limit]
        )
        if tag_ids:
            tagged = Article.tags.through.objects.filter(
                article_id=OuterRef("pk"), tag_id__in=tag_ids
            )
            wanted |= Q(pk__in=others.filter(Exists(tagged)).values("pk")[:limit])
        return self.filter(wanted).order_by("-published_at", "-pk")

    #: Search counts matches up to this many, and says "more than" past it.
    SEARCH_COUNT_LIMIT = 1000
    #: Up to this many matches, search ranks each on its whole text.
    RANK_WHOLE_TEXT = 300

    def search_count(self, query):
        """
        Return how many articles match `query`, counting no further than
        SEARCH_COUNT_LIMIT + 1: the count of a common word stops early.
        """
        limit = self.SEARCH_COUNT_LIMIT + 1
        return self._search_matches(query).order_by().values("pk")[:limit].count()

    def _search_matches(self, query):
        if connection.vendor == "postgresql":
            return self.filter(search_vector=_search_query(query))

        def anywhere(term):
            return (
                Q(title__icontains=term)
                | Q(summary__icontains=term)
                | Q(body_text__icontains=term)
            )

        found = Q(pk__in=[])
        for alternative in _alternatives(query):
            wanted, unwanted = search_terms(alternative)
            matches = Q()
            for term in wanted:
                matches &= anywhere(term)
            for term in unwanted:
                matches &= ~anywhere(term)
            found |= matches
        return self.filter(found)

    def search(self, query, *, matches=None):
        """
        Return the articles matching the words of `query` (a text, or a list
        of alternative texts any of which may match), best first, each
        annotated with `rank` (float) and `headline` (str: plain text with
        the matches between SEARCH_MARK_START and SEARCH_MARK_END): a
        queryset, or (see below) a sequence that slices like one.

        PostgreSQL: weighted full-text search over the stored, indexed
        vectors. Ranking a match reads its whole vector, and a body's is
        large. So when `matches` (as search_count() gives it) is over
        RANK_WHOLE_TEXT, the words are common and a body's count of them
        tells little: the articles whose title or summary holds them come
        first, ranked on that small vector through its own index, then the
        others newest first, read along the date index (TitleFirst).
        Other databases: every word must occur in the title, summary or
        body; title matches rank first.
        """
        if connection.vendor == "postgresql":
            search_query = _search_query(query)
            if matches is not None and matches > self.RANK_WHOLE_TEXT:
                # A common word occurs early: its snippet comes from the
                # start of the body, not from parsing all of it.
                head = SearchHeadline(Left("body_text", 3000), search_query, **HEADLINE)
                return TitleFirst(self, search_query, head, matches)
            return (
                self.filter(search_vector=search_query)
                .annotate(
                    rank=SearchRank(F("search_vector"), search_query),
                    headline=SearchHeadline("body_text", search_query, **HEADLINE),
                )
                .order_by("-rank", "-published_at")
            )
        wanted, _unwanted = search_terms(_alternatives(query)[0])
        first = wanted[0] if wanted else ""
        return (
            self._search_matches(query)
            .annotate(
                rank=Case(
                    When(title__icontains=first, then=Value(1.0)),
                    When(summary__icontains=first, then=Value(0.6)),
                    default=Value(0.3),
                    output_field=models.FloatField(),
                ),
                headline=F("body_text"),
            )
            .order_by("-rank", "-published_at")
        )


#: A search query's terms: a "quoted phrase" or a word, either one with a
#: leading minus to leave it out, as PostgreSQL's websearch_to_tsquery reads.
SEARCH_TERM = re.compile(r'(-?)"([^"]+)"|(-?)([^\s"]+)')
#: How many terms of a query count; the rest are ignored.
SEARCH_TERMS = 8


def search_terms(query):
    """
    Return (wanted, unwanted): the phrases and words of `query` that a
    match must hold and must not hold, as websearch_to_tsquery reads them
    (a stray quote is ignored; a lone minus is no term).
    """
    wanted, unwanted = [], []
    for match in SEARCH_TERM.finditer(query):
        minus, phrase, word_minus, word = match.groups()
        term = " ".join((phrase or word or "").split())
        if not term or term == "-":
            continue
        (unwanted if (minus or word_minus) else wanted).append(term)
    return wanted[:SEARCH_TERMS], unwanted[:SEARCH_TERMS]


#: Words that say little about what a patient looks for. A search that
#: finds nothing with all its words tries fewer of the others.
_FILLER = """
    a about after all also am an and any are as at be been before being but by
    can could did do does doing down during for from get gets getting go had
    has have having how i if in into is it its just me more most much my no
    not of off on once only or other our out over same so some such than that
    the their them then there these they this those through to too under until
    up very was we were what when where which while who why will with would
    you your
"""
FILLER_WORDS = frozenset(_FILLER.split())
#: A fewer-words search keeps at most this many of the query's words: their
#: combinations stay few (twenty at most).
MOST_WORDS_RELAXED = 6


def fewer_words(query):
    """
    Yield, fewest left out first, the searches for most of the words of
    `query` (a text or its alternatives, see synonyms.py): first all but
    the filler words, then for each number of words to keep, down to one,
    the list of alternative texts that each hold that many of them.
    Phrases count as one word, a term without a letter or digit as none,
    and words to leave out stay out.
    """
    terms = []
    for alternative in _alternatives(query):
        wanted, unwanted = search_terms(alternative)
        kept = [
            t
            for t in wanted
            if t.lower() not in FILLER_WORDS and TSQUERY_WORD.search(t)
        ]
        # All of an alternative's words found nothing; without its filler
        # words, all the others are the first try.
        tried = len(kept) if len(kept) == len(wanted) else len(kept) + 1
        terms.append((kept[:MOST_WORDS_RELAXED], unwanted, tried))
    most = max((len(kept) for kept, _unwanted, _tried in terms), default=0)
    for size in range(most, 0, -1):
        alternatives = list(
            dict.fromkeys(
                query_text(chosen, unwanted)
                for kept, unwanted, tried in terms
                if size < tried and size <= len(kept)
                for chosen in combinations(kept, size)
            )
        )
        if alternatives:
            yield alternatives


def query_text(wanted, unwanted):
    """A query text from its terms, as websearch_to_tsquery reads one."""

    def term(text):
        return f'"{text}"' if " " in text else text

    return " ".join([*map(term, wanted), *(f"-{term(t)}" for t in unwanted)])


#: How search results' snippets are cut (PostgreSQL's ts_headline).
HEADLINE = {
    "config": "english",
    "start_sel": SEARCH_MARK_START,
    "stop_sel": SEARCH_MARK_END,
    "max_words": 30,
    "min_words": 15,
    "max_fragments": 1,
}


def _alternatives(query):
    """A query given as one text, or as its alternatives (see synonyms.py)."""
    return [query] if isinstance(query, str) else list(query)


def _search_query(query):
    """
    The tsquery of `query`: a text as websearch_to_tsquery reads it, or
    any of several alternatives as one to_tsquery text (`_tsquery_text()`):
    twenty alternatives joined as twenty expressions took the ORM longer
    to build than the database to answer.
    """
    alternatives = _alternatives(query)
    if len(alternatives) == 1:
        return SearchQuery(alternatives[0], search_type="websearch", config="english")
    return SearchQuery(_tsquery_text(alternatives), search_type="raw", config="english")


#: The words of a term, as to_tsquery may be given them: letters and digits
#: only, so no operator or quote of a reader's reaches the query's syntax.
TSQUERY_WORD = re.compile(r"[^\W_]+")


def _tsquery_text(alternatives):
    """
    The alternatives as one to_tsquery text, read as websearch_to_tsquery
    reads each: every word or "phrase" (words in a row, <->) and none of
    the -left-out ones; to_tsquery stems each word and drops stop words.
    """

    def term(text):
        words = TSQUERY_WORD.findall(text)
        return words[0] if len(words) == 1 else f"({' <-> '.join(words)})"

    found = []
    for alternative in alternatives:
        wanted, unwanted = search_terms(alternative)
        wanted = [term(t) for t in wanted if TSQUERY_WORD.search(t)]
        unwanted = [f"!{term(t)}" for t in unwanted if TSQUERY_WORD.search(t)]
        if wanted:
            found.append(f"({' & '.join([*wanted, *unwanted])})")
    return " | ".join(found)


class TitleFirst:
    """
    The results of a common-word search on PostgreSQL, as ArticleQuerySet.
    search() describes them: the articles whose title or summary matches,
    best first, then the rest newest first. It slices and iterates, and
    counts as search_count() counted, so a Paginator pages it.
    """

    def __init__(self, queryset, search_query, headline, matches):
        self.matches = matches
        # Both parts match the whole query (so a word to leave out is left
        # out of both); the first also matches on the title and summary.
        found = queryset.filter(search_vector=search_query)
        self.titled = (
            found.filter(search_head=search_query)
            .annotate(
                rank=SearchRank(F("search_head"), search_query), headline=headline
            )
            .order_by("-rank", "-published_at", "-pk")
        )
        self.others = (
            found.exclude(search_head=search_query)
            .annotate(rank=Value(0.0), headline=headline)
            .order_by("-published_at", "-pk")
        )
        self._titled_count = None

    def count(self):
        return self.matches

    def __len__(self):
        return self.matches

    def __iter__(self):
        return iter(self[0 : self.matches])

    def __getitem__(self, key):
        if not isinstance(key, slice):
            return self[key : key + 1][0]
        start = key.start or 0
        stop = self.matches if key.stop is None else key.stop
        if self._titled_count is None:
            self._titled_count = self.titled.count()
        titled = self._titled_count
        rows = list(self.titled[start : min(stop, titled)]) if start < titled else []
        if stop > titled:
            rows += self.others[max(start - titled, 0) : stop - titled]
        return rows


#: Fields a revision does not hold: the workflow's state and the sign-off.
#: A restored revision is content only, and needs a sign-off of its own.
WORKFLOW_FIELDS = (
    "status",
    "publish_at",
    "unpublish_at",
    "published_at",
    "revised_at",
    "next_review_at",
    *ArticleContent.SIGN_OFF_FIELDS,
    "review_notes",
    "content_changed_by",
    "content_changed_at",
    "content_changed_fields",
)


@reversion.register(follow=("references",), exclude=WORKFLOW_FIELDS)
class Article(ArticleContent):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        IN_REVIEW = "in_review", _("In review")
        PUBLISHED = "published", _("Published")
        ARCHIVED = "archived", _("Archived")

    slug = models.SlugField(
        _("slug"),
        max_length=200,
        unique=True,
        help_text=_(
            "The last part of the address. Changing it on a published article "
            "keeps the old address working through a redirect."
        ),
    )
    body_html = models.TextField(_("body as shown"), blank=True, editable=False)
    body_text = models.TextField(_("body as plain text"), blank=True, editable=False)
    toc = models.JSONField(_("table of contents"), default=list, editable=False)
    search_vector = SearchVectorField(_("search vector"), null=True, editable=False)
    search_head = SearchVectorField(
        _("search vector of the title and summary"), null=True, editable=False
    )
    category = models.ForeignKey(
        Category,
        on_delete=models.PROTECT,
        related_name="articles",
        verbose_name=_("category"),
    )
    tags = models.ManyToManyField(
        Tag, blank=True, related_name="articles", verbose_name=_("tags")
    )
    author = models.ForeignKey(
        Person,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="articles",
        verbose_name=_("author"),
    )
    allow_comments = models.BooleanField(_("allow comments"), default=True)
    explain_terms = models.BooleanField(
        _("explain medical terms"),
        default=False,
        help_text=_(
            "Readers see the plain meaning of a glossary term where the "
            "article first uses it."
        ),
    )
    is_featured = models.BooleanField(
        _("featured"), default=False, help_text=_("Shown first on the home page.")
    )

    status = models.CharField(
        _("status"),
        max_length=20,
        choices=Status,
        default=Status.DRAFT,
        editable=False,
    )
    publish_at = models.DateTimeField(
        _("publish at"),
        null=True,
        blank=True,
        help_text=_(
            "Schedule publication. The article goes live at this time once a "
            "medical reviewer has signed it off."
        ),
    )
    unpublish_at = models.DateTimeField(
        _("unpublish at"),
        null=True,
        blank=True,
        help_text=_(
            "Take the article off the site at this time, for content that "
            "expires (a seasonal clinic, a study that closes)."
        ),
    )
    published_at = models.DateTimeField(
        _("first published"),
        null=True,
        blank=True,
        editable=False,
        help_text=_("Set once, when the article first goes live; never changed."),
    )
    revised_at = models.DateTimeField(
        _("last updated"),
        null=True,
        blank=True,
        editable=False,
        help_text=_("When readers last got a new version of the content."),
    )
    review_interval_months = models.PositiveSmallIntegerField(
        _("review interval (months)"),
        default=12,
        help_text=_("How often a medical reviewer must check this article again."),
    )
    next_review_at = models.DateField(
        _("next review due"), null=True, blank=True, editable=False
    )
    preview_key = models.CharField(
        _("shared preview key"),
        max_length=32,
        blank=True,
        editable=False,
        help_text=_("Changed to revoke every outside reviewer's preview link."),
    )
    wordpress_id = models.PositiveBigIntegerField(
        _("WordPress post ID"), null=True, blank=True, unique=True, editable=False
    )
    wordpress_hash = models.CharField(
        _("fingerprint of the WordPress post"),
        max_length=64,
        blank=True,
        editable=False,
        help_text=_("Set by the import: a post unchanged since is skipped."),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = ArticleQuerySet.as_manager()

    #: Columns save() derives from the content, or changes when the content
    #: no longer matches its sign-off.
    DERIVED_FIELDS = (
        "body",
        "body_html",
        "toc",
        "body_text",
        "summary",
        *ArticleContent.READING_FIELDS,
        "status",
        *ArticleContent.SIGN_OFF_FIELDS,
        "next_review_at",
    )
    #: Fields that file the article rather than say something medical: a
    #: change goes live at once, without a new sign-off.
    NAVIGATION_FIELDS = (
        "slug",
        "category",
        "tags",
        "author",
        "is_featured",
        "allow_comments",
        "explain_terms",
        "review_interval_months",
        "unpublish_at",
    )
    #: What an article card reads (see ArticleQuerySet.as_cards); the
    #: featured image's own columns come with it.
    CARD_FIELDS = (
        "title",
        "slug",
        "summary",
        "published_at",
        "category__name",
        "category__slug",
        "featured_image",
    )
    #: Columns only the article page (or nothing public) reads.
    LARGE_FIELDS = (
        "body",
        "body_html",
        "body_text",
        "toc",
        "search_vector",
        "search_head",
    )

    #: The weighted full-text vectors (PostgreSQL), computed by the database
    #: from the row's text: the whole article (title > summary > body), and
    #: the title and summary alone, small enough to rank thousands of
    #: matches quickly (see ArticleQuerySet.search).
    SEARCH_HEAD = SearchVector("title", weight="A", config="english") + SearchVector(
        "summary", weight="B", config="english"
    )
    SEARCH_VECTORS = {
        "search_vector": SEARCH_HEAD
        + SearchVector("body_text", weight="C", config="english"),
        "search_head": SEARCH_HEAD,
    }

    class Meta:
        ordering = ("-published_at", "-created_at")
        verbose_name = _("article")
        verbose_name_plural = _("articles")
        permissions = (
            ("sign_off_article", _("Can sign off the medical review of articles")),
            ("publish_article", _("Can publish signed-off articles")),
        )
        indexes = (
            # Covers the published() filter: counting what readers see
            # reads the index alone (on PostgreSQL).
            models.Index(
                fields=("status", "-published_at"),
                include=("unpublish_at", "id"),
                name="article_status_pub_idx",
            ),
            # The admin's list, in its order (Meta.ordering, then the id):
            # read in order, never sorted.
            models.Index(
                fields=("-published_at", "-created_at", "-id"),
                name="article_newest_idx",
            ),
            models.Index(fields=("next_review_at",), name="article_next_review_idx"),
            # The hardest published articles, for the editors' home.
            models.Index(
                fields=("-reading_grade",),
                condition=Q(status="published"),
                name="article_reading_grade_idx",
            ),
            GinIndex(fields=("search_vector",), name="article_search_idx"),
            GinIndex(fields=("search_head",), name="article_search_head_idx"),
        )
        constraints = (
            models.CheckConstraint(
                condition=~Q(status="published") | Q(published_at__isnull=False),
                name="article_published_has_date",
            ),
            models.CheckConstraint(
                condition=Q(review_interval_months__gte=1),
                name="article_review_interval_positive",
            ),
            models.CheckConstraint(
                condition=~Q(status="published")
                | (Q(reviewed_by__isnull=False) & Q(last_reviewed__isnull=False)),
                name="article_published_is_reviewed",
            ),
        )

    def __str__(self):
        return self.title

    def save(self, *args, update_fields=None, **kwargs):
        # A save of workflow fields alone leaves the content, and so what is
        # derived from it, as it is: no need to parse the body again.
        content = update_fields is None or not {*update_fields}.isdisjoint(
            self.SIGNED_FIELDS
        )
        if content:
            self.derive_content()
            if (
                self.review_fingerprint
                and self.review_fingerprint != self.fingerprint()
            ):
                self.void_sign_off()
            if update_fields is not None:
                update_fields = {*update_fields, *self.DERIVED_FIELDS}
        self.derive_review_date()
        if update_fields is not None and not {*update_fields}.isdisjoint(
            ("last_reviewed", "review_interval_months")
        ):
            update_fields = {*update_fields, "next_review_at"}
        super().save(*args, update_fields=update_fields, **kwargs)
        if self.status == self.Status.PUBLISHED and (
            content or update_fields is None or "status" in update_fields
        ):
            # Readers' words only: a draft's typo must not become "known".
            SearchWord.record((self.title, self.summary, self.body_text))
        if content and connection.vendor == "postgresql":
            # The vector is computed by the database from this row's text.
            type(self).objects.filter(pk=self.pk).update(**Article.SEARCH_VECTORS)

    def get_absolute_url(self):
        return reverse("articles:detail", kwargs={"slug": self.slug})

    def derive_review_date(self):
        """Set when the article is next due for medical review."""
        self.next_review_at = (
            add_months(self.last_reviewed, self.review_interval_months)
            if self.last_reviewed
            else None
        )

    def derive_content(self):
        """
        Store the body in its canonical form and fill the columns derived
        from it: the HTML readers get, the table of contents, the plain
        text, and the summary when none was written.
        """
        self.body_text = self.canonicalize()
        self.body_html, self.toc = add_heading_ids(self.body)
        self.body_html = with_renditions(self.body_html)

    def reference_list(self):
        if self.pk is None:
            return []
        return [
            {key: getattr(reference, key) for key in REFERENCE_KEYS}
            for reference in self.references.all()
        ]

    def void_sign_off(self):
        """
        Forget the medical sign-off. A published article goes back to review:
        readers must never see content no reviewer has checked. (The admin
        and the services never change a live article's content: they write
        its draft. This guards any other code.)
        """
        super().void_sign_off()
        if self.status == self.Status.PUBLISHED:
            self.status = self.Status.IN_REVIEW

    def working_version(self):
        """
        Return what editors work on: the draft of a live article when there
        is one, else the article itself.
        """
        relation = type(self).draft.related
        draft = relation.get_cached_value(self, default=None)
        if draft is None and self.pk is not None:
            # Asked again each time: a draft may have been started since.
            draft = relation.related_model.objects.filter(article_id=self.pk).first()
            relation.set_cached_value(self, draft)
        return draft or self

    def show_working_version(self):
        """
        Put the working version's content, sign-off and schedule on this
        instance, in memory only, for the change form and previews; return
        the working version. Nothing may save the instance afterwards.
        """
        version = self.working_version()
        if version is not self:
            for field in self.VERSION_FIELDS:
                setattr(self, field, getattr(version, field))
            self.publish_at = version.publish_at
        return version

    @property
    def is_live(self):
        """True when the article is published: edits then go to a draft."""
        return self.status == self.Status.PUBLISHED

    @property
    def last_updated(self):
        """When readers last got new content: the last publication."""
        return self.revised_at or self.published_at

    @property
    def is_published(self):
        now = timezone.now()
        return (
            self.status == self.Status.PUBLISHED
            and self.published_at is not None
            and self.published_at <= now
            and (self.unpublish_at is None or self.unpublish_at > now)
        )

    @property
    def is_scheduled(self):
        return (
            self.status in (self.Status.DRAFT, self.Status.IN_REVIEW)
            and self.publish_at is not None
            and self.publish_at > timezone.now()
        )

    @property
    def is_review_overdue(self):
        return bool(self.next_review_at and self.next_review_at < timezone.localdate())

    @property
    def reading_minutes(self):
        """Minutes an average reader needs for the body (200 words a minute)."""
        words = len(self.body_text.split())
        return max(1, math.ceil(words / 200))

    @property
    def public_title(self):
        return self.seo_title or self.title

    @property
    def public_description(self):
        return self.meta_description or self.summary


@reversion.register()
class Reference(models.Model):
    """A source an article cites, shown in its reference list."""

    article = models.ForeignKey(
        Article,
        on_delete=models.CASCADE,
        related_name="references",
        verbose_name=_("article"),
    )
    citation = models.TextField(
        _("citation"),
        help_text=_("Authors, title, journal, year, as readers should see it."),
    )
    url = models.URLField(
        _("URL"), blank=True, max_length=500, validators=[validate_web_url]
    )
    doi = models.CharField(
        _("DOI"),
        max_length=200,
        blank=True,
        help_text=_('The bare DOI, e.g. "10.1000/xyz123".'),
    )
    pmid = models.CharField(
        _("PubMed ID"),
        max_length=12,
        blank=True,
        help_text=_("Digits only."),
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ("article", "position", "pk")
        verbose_name = _("reference")
        verbose_name_plural = _("references")
        constraints = (
            models.CheckConstraint(
                condition=Q(pmid="") | Q(pmid__regex=r"^[0-9]+$"),
                name="reference_pmid_digits",
                violation_error_message=_("A PubMed ID has digits only."),
            ),
        )

    def __str__(self):
        return self.citation[:80]

    def clean(self):
        errors = {}
        if self.doi and not self.doi.startswith("10."):
            errors["doi"] = ValidationError(
                _('A DOI starts with "10.", for example 10.1000/xyz123.'),
                code="invalid_doi",
            )
        if self.pmid and not re.fullmatch(r"[0-9]+", self.pmid):
            errors["pmid"] = ValidationError(
                _("A PubMed ID has digits only."), code="invalid_pmid"
            )
        if errors:
            raise ValidationError(errors)

    @property
    def doi_url(self):
        return f"https://doi.org/{self.doi}" if self.doi else ""

    @property
    def pubmed_url(self):
        return f"https://pubmed.ncbi.nlm.nih.gov/{self.pmid}/" if self.pmid else ""
