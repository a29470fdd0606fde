import hashlib

from django.conf import settings
from django.contrib.auth.decorators import login_required, permission_required
from django.contrib.redirects.models import Redirect
from django.core import signing
from django.core.cache import cache
from django.db.models import Case, Value, When
from django.http import (
    Http404,
    HttpResponseNotAllowed,
    HttpResponsePermanentRedirect,
    JsonResponse,
)
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from django.views.generic import DetailView, ListView, TemplateView

from articles.hub.models import Backlink, Link
from clinic.addresses import reverser
from clinic.pagecache import (
    LISTS,
    article_scope,
    fragment_settings,
    page_generation,
    public_page,
)
from comments.threads import comment_section

from .forms import UploadForm
from .models import (
    SEARCH_MARK_END,
    SEARCH_MARK_START,
    Article,
    Category,
    Image,
    Person,
    Reference,
    SiteConfiguration,
    Tag,
)
from .models.article import ArticleQuerySet, fewer_words, search_terms
from .richtext import (
    CONTROL_CHARACTERS,
    search_snippet,
)
from .spelling import corrected_query
from .synonyms import search_alternatives

PREVIEW_SALT = "articles.preview"
#: How many linking articles an article page lists; the rest are on the
#: page of articles linking to it.
LINKED_FROM = 20
#: How many related articles the page shows.
RELATED = 3
#: How far an article page counts the articles linking to it; past this it
#: says "more than", as search does.
LINKED_FROM_COUNTED = 1000


def public(view_class, scope=None):
    """A class-based view served from the anonymous page cache."""
    return public_page(view_class.as_view(), scope=scope)


def article_page(slug, **kwargs):
    """The scope of an article's page: its own comments change it alone."""
    return article_scope(slug)


def article_list(**kwargs):
    """The scope of the lists that count articles' comments."""
    return LISTS


class CardPages:
    """
    Paginate a list of articles by their keys alone, then load the cards
    (joins, comment counts) of the page shown: a deep page costs what the
    first one does.
    """

    def paginate_queryset(self, queryset, page_size):
        paginator, page, keys, is_paginated = super().paginate_queryset(
            queryset.values_list("pk", flat=True), page_size
        )
        keys = list(keys)
        cards = queryset.filter(pk__in=keys).in_bulk()
        page.object_list = [cards[pk] for pk in keys]
        return paginator, page, page.object_list, is_paginated


class HomeView(TemplateView):
    template_name = "articles/home.html"

    def get(self, request, *args, **kwargs):
        if "p" in request.GET or "page_id" in request.GET:
            # An old WordPress address such as /?p=123 or /?page_id=7, kept
            # by the import.
            old = Redirect.objects.filter(old_path=request.get_full_path()).first()
            if old is not None:
                return HttpResponsePermanentRedirect(old.new_path)
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        articles = Article.objects.published().as_cards()
        return super().get_context_data(
            featured=list(articles.filter(is_featured=True)[:3]),
            latest=list(articles.filter(is_featured=False)[:9]),
            categories=Category.objects.filter(parent__isnull=True),
            **kwargs,
        )


class ArticleListView(CardPages, ListView):
    template_name = "articles/article_list.html"
    context_object_name = "articles"
    paginate_by = 12

    def get_queryset(self):
        return Article.objects.published().as_cards()

    def get_context_data(self, **kwargs):
        return super().get_context_data(heading=_("All articles"), **kwargs)


class ArticleDetailView(DetailView):
    template_name = "articles/article_detail.html"
    context_object_name = "article"
    #: A refused comment form to re-show (see `post`), else None.
    comment_form = None

    def get_queryset(self):
        return Article.objects.published().for_page()

    def get(self, request, *args, **kwargs):
        try:
            return super().get(request, *args, **kwargs)
        except Http404:
            if Article.objects.filter(
                slug=kwargs["slug"], status=Article.Status.ARCHIVED
            ).exists():
                return render(request, "articles/article_gone.html", status=410)
            raise

    def post(self, request, *args, comment_form=None, **kwargs):
        """
        Re-show the page with a refused comment form. Only the comment view
        calls this (comments.views); a POST routed here has no form to show.
        """
        if comment_form is None:
            return HttpResponseNotAllowed(["GET", "HEAD"])
        self.comment_form = comment_form
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            **article_context(self.request, self.object, self.comment_form)
        )

    def render_to_response(self, context, **response_kwargs):
        response = super().render_to_response(context, **response_kwargs)
        endpoint = self.request.build_absolute_uri(reverse("hub:webmention"))
        response["Link"] = f'<{endpoint}>; rel="webmention"'
        if "awaiting" in self.request.GET:
            # May show one reader their own held comment: theirs alone.
            patch_cache_control(response, private=True, no_store=True)
            patch_vary_headers(response, ["Cookie"])
        return response


def article_context(
    request, article, comment_form=None, *, preview=False, references=None
):
    """
    Return what the article template needs besides the article, with the
    comment section (and `comment_form` when it is being re-shown).

    The lists around the article and the comment threads are the same for
    every reader until published content changes, so the template keeps
    them as fragments in the cache, keyed by `content_generation`. They
    are lazy: on a fragment hit their queries never run. Previews of
    unpublished work are never kept. `article` holds what its page shows
    (ArticleQuerySet.for_page).
    """
    tags = SimpleLazyObject(lambda: list(article.tags.all()))
    if references is None:
        references = SimpleLazyObject(lambda: list(article.references.all()))

    def related():
        tag_ids = [tag.pk for tag in tags]
        # PostgreSQL counts the comments of the three rows it returns only.
        cards = Article.objects.related_to(article, tag_ids, RELATED).as_cards()
        return list(cards[:RELATED])

    def linked_from():
        sources = Article.objects.published().filter(
            pk__in=Link.objects.filter(target_article=article).values("source")
        )
        # Newest first: read along the date index until enough are found,
        # however many articles link here.
        newest = sources.order_by("-published_at", "-pk").values_list("title", "slug")
        url = reverser("articles:detail")
        shown = [
            {"title": title, "url": url(slug)}
            for title, slug in newest[: LINKED_FROM + 1]
        ]
        counted = 0
        if len(shown) > LINKED_FROM:
            counted = sources.order_by().values("pk")[: LINKED_FROM_COUNTED + 1].count()
        return {
            "articles": shown[:LINKED_FROM],
            "more": max(0, min(counted, LINKED_FROM_COUNTED) - LINKED_FROM),
            "more_than": LINKED_FROM_COUNTED if counted > LINKED_FROM_COUNTED else None,
        }

    def mentioned_on():
        # This article is public: its backlinks need no test of their own.
        return list(
            Backlink.objects.filter(Backlink.objects.public_q(), target_article=article)
            .order_by("referring_domain")
            .values("source_url", "referring_domain", "anchor_text")[:50]
        )

    fragments = fragment_settings(request, preview, scope=article_scope(article.slug))
    section = comment_section(request, article, comment_form)
    return {
        "site_config": SimpleLazyObject(SiteConfiguration.cached),
        "related": SimpleLazyObject(related),
        "linked_from": SimpleLazyObject(linked_from),
        "mentioned_on": SimpleLazyObject(mentioned_on),
        # Called by the template only when the fragment holding it is not
        # in the cache.
        "structured_data": lambda: structured_data(request, article, tags),
        "tags": tags,
        "article_references": references,
        "canonical_url": request.build_absolute_uri(article.get_absolute_url()),
        **fragments,
        **section,
        "form_fragment_cache": fragments["fragment_cache"]
        if section["comment_form_is_blank"]
        else "off",
    }


def structured_data(request, article, tags):
    """Return the article's JSON-LD MedicalWebPage, as a dict."""

    def person(p):
        if p is None:
            return None
        data = {"@type": "Person", "name": p.name}
        if p.credentials:
            data["jobTitle"] = p.credentials
        data["url"] = request.build_absolute_uri(p.get_absolute_url())
        return data

    def reviewer(article):
        # As signed off: a later change to the person does not rewrite it.
        if not article.reviewer_name:
            return None
        data = {"@type": "Person", "name": article.reviewer_name}
        if article.reviewer_credentials:
            data["jobTitle"] = article.reviewer_credentials
        if article.reviewed_by is not None:
            data["url"] = request.build_absolute_uri(
                article.reviewed_by.get_absolute_url()
            )
        return data

    data = {
        "@context": "https://schema.org",
        "@type": "MedicalWebPage",
        "name": article.title,
        "headline": article.title,
        "description": article.public_description,
        "url": request.build_absolute_uri(article.get_absolute_url()),
        "datePublished": article.published_at.isoformat()
        if article.published_at
        else None,
        "dateModified": article.last_updated.isoformat()
        if article.last_updated
        else None,
        "lastReviewed": article.last_reviewed.isoformat()
        if article.last_reviewed
        else None,
        "reviewedBy": reviewer(article),
        "author": person(article.author),
        "about": {"@type": "MedicalCondition", "name": article.category.name},
        "keywords": ", ".join(tag.name for tag in tags),
        "publisher": {"@type": "MedicalOrganization", "name": settings.CLINIC_NAME},
    }
    if article.featured_image:
        data["image"] = request.build_absolute_uri(article.featured_image.jpeg_1600.url)
    return {key: value for key, value in data.items() if value not in (None, "")}


class ArticleListMixin:
    """Lists the published articles of one category, tag or person."""

    template_name = "articles/article_list.html"
    context_object_name = "articles"
    paginate_by = 12
    model = None
    filter_field = None

    def get_queryset(self):
        self.owner = get_object_or_404(self.model, slug=self.kwargs["slug"])
        return (
            Article.objects.published()
            .filter(**{self.filter_field: self.owner})
            .as_cards()
        )

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            owner=self.owner, heading=self.owner.name, **kwargs
        )


class CategoryView(CardPages, ArticleListMixin, ListView):
    """A category's articles, with those of its subcategories."""

    model = Category

    def get_queryset(self):
        self.owner = get_object_or_404(Category, slug=self.kwargs["slug"])
        self.subcategories = list(self.owner.children.all())
        return (
            Article.objects.published()
            .filter(category__in=[self.owner, *self.subcategories])
            .as_cards()
        )

    def get_context_data(self, **kwargs):
        return super().get_context_data(subcategories=self.subcategories, **kwargs)


class TagView(CardPages, ArticleListMixin, ListView):
    model = Tag
    filter_field = "tags"


class LinkedFromView(CardPages, ListView):
    """Every published article that links to one article."""

    template_name = "articles/article_list.html"
    context_object_name = "articles"
    paginate_by = 12

    def get_queryset(self):
        self.target = get_object_or_404(
            Article.objects.published().only("pk", "title", "slug"),
            slug=self.kwargs["slug"],
        )
        return (
            Article.objects.published()
            .filter(
                pk__in=Link.objects.filter(target_article=self.target).values("source")
            )
            .as_cards()
            .order_by("title", "pk")
        )

    def get_context_data(self, **kwargs):
        heading = _("Articles that link to “%(title)s”") % {"title": self.target}
        return super().get_context_data(heading=heading, **kwargs)


class AuthorView(CardPages, ArticleListMixin, ListView):
    model = Person
    filter_field = "author"
    template_name = "articles/person_detail.html"


#: How many titles the search box suggests, and from how many characters.
SUGGESTIONS = 8
SUGGEST_MIN_LENGTH = 2
#: Seconds one query's suggestions are kept (a publication renews them),
#: for texts up to this long.
SUGGEST_SECONDS = 300
SUGGEST_CACHED_LENGTH = 20


def suggest(request):
    """
    Titles of published articles for the search box, as one types: JSON
    {"suggestions": [{"title", "url"}]}, titles starting with the text
    first, at most SUGGESTIONS. Each text's answer is kept in the cache
    under the content generation, so a publication shows at once.
    """
    query = " ".join(CONTROL_CHARACTERS.sub("", request.GET.get("q", "")).split())
    if len(query) > SearchView.max_length:
        return JsonResponse({"error": _("That search is too long.")}, status=400)
    if len(query) < SUGGEST_MIN_LENGTH:
        return JsonResponse({"suggestions": []})
    current = page_generation()

    def titles():
        found = (
            Article.objects.published()
            .filter(title__icontains=query)
            .annotate(
                starts=Case(
                    When(title__istartswith=query, then=Value(0)),
                    default=Value(1),
                )
            )
            .order_by("starts", "title", "pk")
            .only("title", "slug")[:SUGGESTIONS]
        )
        return [{"title": a.title, "url": a.get_absolute_url()} for a in found]

    # Kept only for a short text that finds titles: the beginnings readers
    # type, not every string anyone can send (the cache holds pages too).
    key = None
    if current is not None and len(query) <= SUGGEST_CACHED_LENGTH:
        digest = hashlib.sha256(query.lower().encode()).hexdigest()[:32]
        key = f"suggest:{current}:{digest}"
    suggestions = cache.get(key) if key else None
    if suggestions is None:
        suggestions = titles()
        if key and suggestions:
            cache.set(key, suggestions, SUGGEST_SECONDS)
    response = JsonResponse({"suggestions": suggestions})
    patch_cache_control(response, public=True, max_age=60)
    return response


class SearchView(ListView):
    template_name = "articles/search.html"
    context_object_name = "results"
    paginate_by = 10
    max_length = 100

    def get(self, request, *args, **kwargs):
        query = CONTROL_CHARACTERS.sub("", request.GET.get("q", ""))
        self.query = " ".join(query.split())
        self.error = ""
        self.matches = None  # Counted by get_queryset() for a query it runs.
        # What was searched: the query, or its spelling correction, with
        # the wordings its synonyms add (set by get_queryset()).
        self.searched = self.query
        self.alternatives = [self.query]
        # True when no article has every word and those shown have most.
        self.partial = False
        if not self.query and "q" in request.GET:
            self.error = _("Type a word or two to search the articles.")
        elif len(self.query) > self.max_length:
            self.error = _(
                "That search is too long. Use at most %(max)d characters."
            ) % {"max": self.max_length}
        response = super().get(request, *args, **kwargs)
        if self.error:
            response.status_code = 400 if self.query else 200
        return response

    def get_queryset(self):
        if self.error or not self.query:
            return Article.objects.none()
        # Counted first: how many match decides how they are ranked.
        found = Article.objects.published()
        # With a patient's words, also what the articles call them.
        alternatives = search_alternatives(self.query)
        self.matches = found.search_count(alternatives)
        spelled = None  # The query as the articles spell it, if it differs.
        if not self.matches and (corrected := corrected_query(self.query)):
            # Misspelt: the nearest words the articles use, if they find any.
            spelled = corrected, search_alternatives(corrected)
            matches = found.search_count(spelled[1])
            if matches:
                self.searched, self.matches = corrected, matches
                alternatives = spelled[1]
        if not self.matches:
            # No article has every word: the articles with most of them,
            # as the articles spell them (a misspelt word finds nothing).
            searched, relaxed = spelled or (self.query, alternatives)
            for fewer in fewer_words(relaxed):
                if matches := found.search_count(fewer):
                    self.matches, self.partial = matches, True
                    self.searched, alternatives = searched, fewer
                    break
        self.alternatives = alternatives
        return found.for_listing().search(alternatives, matches=self.matches)

    def get_paginator(self, *args, **kwargs):
        paginator = super().get_paginator(*args, **kwargs)
        if self.matches is not None:
            # Counted already. Past the limit, the first SEARCH_COUNT_LIMIT
            # results are paged (the page says so).
            paginator.count = min(self.matches, ArticleQuerySet.SEARCH_COUNT_LIMIT)
        return paginator

    def get_context_data(self, **kwargs):
        limit = ArticleQuerySet.SEARCH_COUNT_LIMIT
        searched = self.searched
        context = super().get_context_data(
            query=self.query,
            corrected=searched if searched != self.query else None,
            partial=self.partial,
            error=self.error,
            more_than=limit if (self.matches or 0) > limit else None,
            **kwargs,
        )
        words = [term for text in self.alternatives for term in search_terms(text)[0]]
        for article in context["results"]:
            article.snippet = search_snippet(
                article.headline, words, SEARCH_MARK_START, SEARCH_MARK_END
            )
        return context


def preview_url(article):
    """
    Return a signed preview path for `article`, valid for seven days or
    until its links are revoked (a new `preview_key`).
    """
    token = signing.dumps(
        {"article": article.pk, "key": article.preview_key}, salt=PREVIEW_SALT
    )
    return reverse("articles:shared-preview", kwargs={"token": token})


def _render_preview(request, article):
    """Render the article as its next version will look: with its draft."""
    version = article.show_working_version()
    if version is not article:
        article.derive_content()
    references = [Reference(**data) for data in version.reference_list()]
    return render(
        request,
        "articles/article_detail.html",
        {
            "article": article,
            "is_preview": True,
            "is_draft_preview": version is not article,
            **article_context(request, article, preview=True, references=references),
        },
    )


@never_cache
@login_required
@permission_required("articles.view_article", raise_exception=True)
def preview(request, pk):
    """Show staff any article, whatever its state."""
    article = get_object_or_404(Article.objects.all(), pk=pk)
    return _render_preview(request, article)


@never_cache
def shared_preview(request, token):
    """Show one article to whoever holds a valid signed link for it."""
    try:
        data = signing.loads(
            token, salt=PREVIEW_SALT, max_age=settings.CLINIC_PREVIEW_MAX_AGE
        )
    except signing.SignatureExpired:
        return render(request, "articles/preview_expired.html", status=410)
    except signing.BadSignature:
        raise Http404(_("This preview link is not valid.")) from None
    article = get_object_or_404(Article.objects.all(), pk=data["article"])
    if data.get("key", "") != article.preview_key:
        return render(request, "articles/preview_expired.html", status=410)
    response = _render_preview(request, article)
    response["X-Robots-Tag"] = "noindex"
    return response


@require_POST
@permission_required("articles.add_image", raise_exception=True)
def upload_image(request):
    """
    Store an image sent by CKEditor 5; answer {"url": …} or
    {"error": {"message": …}} as its upload adapter expects.
    """
    limit = settings.CLINIC_IMAGE_MAX_BYTES
    if int(request.META.get("CONTENT_LENGTH") or 0) > limit + 64 * 1024:
        return JsonResponse(
            {
                "error": {
                    "message": _("The file is larger than %(limit)s MB.")
                    % {"limit": round(limit / 1024 / 1024, 1)}
                }
            },
            status=413,
        )
    form = UploadForm(request.POST, request.FILES)
    if not form.is_valid():
        message = " ".join(form.errors.get("upload", [_("Invalid upload.")]))
        return JsonResponse({"error": {"message": message}}, status=400)
    image = Image(uploaded_by=request.user)
    image.file.save(form.cleaned_data["upload"].name, form.cleaned_data["upload"])
    return JsonResponse({"url": image.file.url})
