"""The public hub page and the Webmention endpoint."""

from datetime import timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, F, Max, Window
from django.db.models.functions import RowNumber
from django.http import HttpResponse
from django.utils import timezone
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from django.views.generic import TemplateView

from articles.models import Article
from clinic.addresses import client_ip, network_fingerprint
from clinic.limits import over_limit
from clinic.pagecache import HUB, fragment_settings, page_generation

from .models import Backlink
from .services.backlinks import check_outside_url, record_backlink
from .services.links import article_for_url

WEBMENTION_LIMIT = 10  # Mentions per source host per minute.
#: Mentions one sender's network may send in an hour, whatever the sources.
WEBMENTIONS_PER_SENDER = 60


def _refused_by_limits(request, host, article):
    """Why a Webmention waits (the limits of one sender, one source site,
    one article and the whole site), or None."""
    sender = network_fingerprint(client_ip(request))
    if over_limit(f"webmention:sender:{sender}", WEBMENTIONS_PER_SENDER, 3600):
        return _("Too many mentions from your network; try again later.")
    if over_limit(f"webmention:{host}", WEBMENTION_LIMIT, 60):
        return _("Too many mentions from this site; try again later.")
    if over_limit(
        f"webmention:article:{article.pk}",
        settings.CLINIC_WEBMENTIONS_PER_ARTICLE_PER_HOUR,
        3600,
    ):
        return _("Too many mentions of this article; try again later.")
    if over_limit("webmention:all", settings.CLINIC_WEBMENTIONS_PER_HOUR, 3600):
        return _("Too many mentions right now; try again later.")
    return None


def _plain(message, status):
    return HttpResponse(message + "\n", status=status, content_type="text/plain")


@csrf_exempt  # Other sites send Webmentions; nothing here uses a session.
@require_POST
def webmention(request):
    """
    Receive a W3C Webmention: check it at once, answer 202, and verify the
    source page in the background.
    """
    source = request.POST.get("source", "").strip()
    target = request.POST.get("target", "").strip()
    if not source or not target:
        return _plain(_("Both source and target are required."), 400)
    for name, url in (("source", source), ("target", target)):
        try:
            check_outside_url(url, name)
        except ValidationError as error:
            return _plain(error.messages[0], 400)
    if source.split("#")[0] == target.split("#")[0]:
        return _plain(_("The source and the target must differ."), 400)
    article = article_for_url(target)
    if article is None:
        return _plain(_("The target is not a published article of this site."), 400)
    host = (urlsplit(source).hostname or "").lower()
    refusal = _refused_by_limits(request, host, article)
    if refusal:
        return _plain(refusal, 429)
    known = Backlink.objects.filter(source_url=source, target_article=article)
    # Mentions whose page could not be fetched stay pending; after a day
    # they no longer hold the door shut for everyone else.
    waiting = Backlink.objects.filter(
        via=Backlink.Via.WEBMENTION,
        status=Backlink.Status.PENDING,
        created_at__gte=timezone.now() - timedelta(days=1),
    )
    if not known.exists() and waiting.count() >= settings.CLINIC_WEBMENTION_MAX_PENDING:
        # Each one is a row to verify: the queue of unverified ones is capped.
        return _plain(_("Too many mentions wait to be checked; try later."), 503)
    record_backlink(source_url=source, article=article, via=Backlink.Via.WEBMENTION)
    # No Location: the status lives in the admin, which is not the sender's.
    return _plain(_("Accepted: the source page will be checked."), 202)


def hub_figures():
    """
    Return the public hub's aggregates: `domains` (list of dicts with
    `referring_domain`, `count` and `latest`) and `articles` (up to 50
    articles with `mention_count`). They scan every public backlink, so they
    are kept in the cache until published content or backlinks change.
    """
    current = page_generation(HUB)
    key = f"hub:figures:{current}"
    figures = cache.get(key) if current is not None else None
    if figures is not None:
        return figures
    public = Backlink.objects.public()
    domains = (
        public.values("referring_domain")
        .annotate(count=Count("pk"), latest=Max("last_seen_at"))
        .order_by("-count", "referring_domain")
    )
    articles = (
        Article.objects.published()
        .annotate(
            mention_count=Count(
                "backlinks", filter=Backlink.objects.public_q(prefix="backlinks__")
            )
        )
        .filter(mention_count__gt=0)
        .order_by("-mention_count", "title")
        .only("pk", "title", "slug")[:50]
    )
    figures = {"domains": list(domains), "articles": list(articles)}
    if current is not None:
        cache.set(key, figures, settings.CLINIC_HUB_FIGURES_SECONDS)
    return figures


def hub(**kwargs):
    """The scope of the hub page (see clinic.pagecache)."""
    return HUB


class HubView(TemplateView):
    """The public backlinks hub: who links to our articles."""

    template_name = "hub/hub.html"
    per_page = 20
    #: Links shown under each site; the count gives the rest.
    links_per_domain = 5

    def get_context_data(self, **kwargs):
        # Lazy: the template keeps the rendered lists as a cached fragment,
        # and on a fragment hit none of this runs.
        return super().get_context_data(
            hub=SimpleLazyObject(self.hub_page),
            **fragment_settings(self.request, scope=HUB),
            **kwargs,
        )

    def hub_page(self):
        """Return `domains` (this page's sites with their links),
        `page_obj` and `articles` for the template."""
        figures = hub_figures()
        page = Paginator(figures["domains"], self.per_page).get_page(
            self.request.GET.get("page")
        )
        domain_names = [row["referring_domain"] for row in page.object_list]
        # Filtered by site first so that the database walks the site index;
        # links to articles no longer published are dropped below.
        links = (
            Backlink.objects.filter(
                Backlink.objects.public_q(), referring_domain__in=domain_names
            )
            .annotate(
                rank=Window(
                    RowNumber(),
                    partition_by=F("referring_domain"),
                    order_by=(F("last_seen_at").desc(nulls_last=True), "pk"),
                )
            )
            .filter(rank__lte=self.links_per_domain)
            .select_related("target_article")
            .order_by("referring_domain", "rank")
        )
        by_domain = {}
        for backlink in links:
            if backlink.target_article.is_published:
                by_domain.setdefault(backlink.referring_domain, []).append(backlink)
        rows = [
            {
                **row,
                "backlinks": by_domain.get(row["referring_domain"], []),
                "more": max(0, row["count"] - self.links_per_domain),
            }
            for row in page.object_list
        ]
        return {"domains": rows, "page_obj": page, "articles": figures["articles"]}
