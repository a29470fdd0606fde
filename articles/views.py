from django.conf import settings
from django.contrib.auth.decorators import login_required, permission_required
from django.core import signing
from django.core.cache import cache
from django.db import DatabaseError, connection
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from django.views.generic import DetailView, ListView

from .forms import UploadForm
from .models import Article, Category, Image, Person, SiteConfiguration, Tag

PREVIEW_SALT = "articles.preview"


class HomeView(ListView):
    template_name = "articles/home.html"
    context_object_name = "articles"

    def get_queryset(self):
        return Article.objects.published().for_listing()[:12]


class ArticleDetailView(DetailView):
    template_name = "articles/article_detail.html"
    context_object_name = "article"

    def get_queryset(self):
        return (
            Article.objects.published()
            .select_related(
                "category",
                "category__parent",
                "author",
                "reviewed_by",
                "featured_image",
            )
            .prefetch_related("references", "tags")
        )

    def get_context_data(self, **kwargs):
        return super().get_context_data(site_config=SiteConfiguration.load(), **kwargs)


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
            .for_listing()
        )

    def get_context_data(self, **kwargs):
        return super().get_context_data(owner=self.owner, **kwargs)


class CategoryView(ArticleListMixin, ListView):
    model = Category
    filter_field = "category"


class TagView(ArticleListMixin, ListView):
    model = Tag
    filter_field = "tags"


class AuthorView(ArticleListMixin, ListView):
    model = Person
    filter_field = "author"


def preview_url(article):
    """Return a signed preview path for `article`, valid for seven days."""
    token = signing.dumps({"article": article.pk}, salt=PREVIEW_SALT)
    return reverse("articles:shared-preview", kwargs={"token": token})


def _render_preview(request, article):
    return render(
        request,
        "articles/article_detail.html",
        {
            "article": article,
            "site_config": SiteConfiguration.load(),
            "is_preview": True,
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


@never_cache
def healthz(request):
    """Answer 200 when the database and the cache answer, 503 otherwise."""
    checks = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = "ok"
    except DatabaseError:
        checks["database"] = "error"
    try:
        cache.set("healthz", "ok", 5)
        checks["cache"] = "ok" if cache.get("healthz") == "ok" else "error"
    except Exception:  # Any cache backend error means the cache is down.
        checks["cache"] = "error"
    healthy = all(value == "ok" for value in checks.values())
    return JsonResponse(
        {"status": "ok" if healthy else "error", "checks": checks},
        status=200 if healthy else 503,
    )
